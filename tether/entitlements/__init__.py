"""Plans and entitlements: what an account may play and use, granted by verified store purchases or editors."""
