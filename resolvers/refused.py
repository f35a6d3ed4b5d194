"""A request refused before execution with its own code and HTTP status (rendered by resolvers/errors.py)."""

from __future__ import annotations

from typing import Any

from resolvers.errors import HTTPError


class RequestRefused(HTTPError):
    """What a client sent cannot be run: the HTTP status, message, `extensions.code` and details."""

    def __init__(self, status: int, message: str, code: str = "BAD_USER_INPUT", **extra: Any) -> None:
        super().__init__(status, message, **extra)
        object.__setattr__(self, "code", code)  # this refusal's code, over the class's BAD_USER_INPUT
