"""The GraphQL layer: Strawberry types, queries and mutations. Thin: parse, call the core, map."""
