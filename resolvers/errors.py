"""The one place where errors become GraphQL errors with `extensions.code`."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from tether.errors import TetherError
from tether.telemetry import logger

INTERNAL_MESSAGE = "Internal error"


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL response carrying one request-level error (no `data` entry)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def translate(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """Give an error its code; mask and log anything unexpected."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if isinstance(original, TetherError):
        extensions = {"code": original.code, **original.extensions}
        return _copy(error, original.message, extensions)
    if original is None or isinstance(original, GraphQLError):
        # Syntax, validation, variable coercion and limit errors: the request was wrong.
        code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
        return _copy(error, error.message, {**(error.extensions or {}), "code": code})
    logger.error(
        "unhandled error",
        exc_info=(type(original), original, original.__traceback__),
        extra={"request_id": request_id, "graphql_path": error.path},
    )
    return _copy(error, INTERNAL_MESSAGE, {"code": "INTERNAL", "requestId": request_id})


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )
