"""Tether's core: settings, auth, storage and (later) the sync engine. Knows nothing of GraphQL."""
