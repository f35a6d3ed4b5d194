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


class StaleRead(Conflict):
    """Someone else wrote first (a write's condition failed): read again and redo the work.

    Writers retry it themselves; one that is still stale after its retries reaches the client as
    this retryable CONFLICT.
    """

    def __init__(self, reasons: str = "") -> None:
        super().__init__("Someone else changed the same data at the same time; try again", retryable=True)
        self.reasons = reasons


class Throttled(RateLimited):
    """DynamoDB throttled us and botocore's retries are spent (or a transaction was throttled).

    `retry_now` is set when botocore has not retried it itself (a cancelled transaction).
    """

    def __init__(self, *, retry_now: bool = False) -> None:
        super().__init__(
            "The database is busy; nothing was lost, try again shortly",
            retryable=True,
            retryAfterSeconds=2,
        )
        self.retry_now = retry_now


class Busy(Unavailable):
    """A transaction conflict or a timeout: nothing is known to be half-done; worth retrying.

    `retry_now` is set when botocore has not retried it itself (a cancelled transaction).
    """

    def __init__(self, reason: str, *, retry_now: bool = False) -> None:
        super().__init__("The database did not answer in time; try again", reason=reason)
        self.retry_now = retry_now


# The database errors that are worth retrying as they are (the same request, later).
CONTENTION = (Throttled, Busy)


def check_between(
    field: str, value: int, low: int, high: int, error: type[BadUserInput] = BadUserInput
) -> int:
    """`value` if low <= value <= high, else `error` naming the field and the limit."""
    if not low <= value <= high:
        raise error(f"{field} must be between {low} and {high}, not {value}", field=field, limit=high)
    return value
