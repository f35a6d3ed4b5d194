"""The content catalog: collections and tracks that editors publish and every user browses and syncs."""
