"""Who may sign in: trusted token issuers (Cognito, Google, Apple, the dev key) and their signing keys."""
