"""The leaf layer: data types that storage and the core share. Imports nothing of the project."""
