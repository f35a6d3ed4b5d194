"""AI chat: threads and messages that sync, an assistant with memory, providers, budgets (docs/chat.md)."""
