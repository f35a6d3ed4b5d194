"""The keys of a user's partition: `USER#<sub>`, and the sort keys of its head and clients."""

from __future__ import annotations

HEAD = "HEAD"


def user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def client_key(client_id: str) -> str:
    return f"CLIENT#{client_id}"
