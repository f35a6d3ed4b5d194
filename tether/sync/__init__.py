"""Offline sync: collections declared once, pushed exactly once, pulled as a gap-free feed."""
