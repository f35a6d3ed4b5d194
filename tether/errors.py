"""Core exceptions. The GraphQL layer translates them to errors with `extensions.code` in one place."""

from __future__ import annotations

from typing import Any, ClassVar


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured; raised at startup, never shown to clients."""


class TetherError(Exception):
    """An error a client should see: a stable `code`, a clear message and optional details."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(TetherError):
    code = "BAD_USER_INPUT"


class Unauthenticated(TetherError):
    code = "UNAUTHENTICATED"


class Forbidden(TetherError):
    code = "FORBIDDEN"


class NotFound(TetherError):
    code = "NOT_FOUND"


class Conflict(TetherError):
    code = "CONFLICT"


class RateLimited(TetherError):
    code = "RATE_LIMITED"


class Unavailable(TetherError):
    """A dependency failed in a way worth retrying (throttling, timeouts); nothing was half-applied."""

    code = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, retryable=True, **extensions)


def check_between(
    field: str, value: int, low: int, high: int, error: type[BadUserInput] = BadUserInput
) -> int:
    """`value` if low <= value <= high, else `error` naming the field and the limit."""
    if not low <= value <= high:
        raise error(f"{field} must be between {low} and {high}, not {value}", field=field, limit=high)
    return value
