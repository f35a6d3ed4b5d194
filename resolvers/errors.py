"""The one place where errors become GraphQL errors with `extensions.code`, and responses a status.

Statuses follow the README's rule for the negotiated type: with `application/graphql-response+json`
a request that cannot run gets a 4xx (400 for syntax, validation and variable errors, 401 when it
needs a valid sign-in); with `application/json` every well-formed request gets 200. Requests that
are not well-formed HTTP (wrong method, media type, body) get their 4xx whatever the type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from tether.errors import BadUserInput, TetherError, Unauthenticated
from tether.telemetry import logger

INTERNAL_MESSAGE = "Internal error"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


class HTTPError(BadUserInput):
    """A request that is not well-formed GraphQL over HTTP: refused with `status` before execution."""

    def __init__(
        self, status: int, message: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(message, **extensions)
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True)
class Failure:
    """A response for a request that never produced a GraphQL result: its body, status and headers."""

    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    internal: bool = False


def translate(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """Give an error its code; mask and log anything unexpected."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if isinstance(original, TetherError):
        return _copy(error, original.message, _extensions(original))
    if original is None or isinstance(original, GraphQLError):
        # Syntax, validation, variable coercion and limit errors: the request was wrong.
        code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
        return _copy(error, error.message, {**(error.extensions or {}), "code": code})
    _log_unexpected(original, request_id, error.path)
    return _copy(error, INTERNAL_MESSAGE, _internal_extensions(request_id))


def failure(error: Exception, request_id: str, media_type: str) -> Failure:
    """The response for an error raised before execution (HTTP, sign-in) or outside it (a bug)."""
    if isinstance(error, HTTPError):
        return Failure(_body(error.message, _extensions(error)), error.status, dict(error.headers))
    if isinstance(error, TetherError):
        body = _body(error.message, _extensions(error))
        if isinstance(error, Unauthenticated):
            status = 401 if media_type == GRAPHQL_RESPONSE_JSON else 200
            return Failure(body, status, _challenge(status, error))
        return Failure(body, 400 if media_type == GRAPHQL_RESPONSE_JSON else 200)
    _log_unexpected(error, request_id, None)
    return Failure(_body(INTERNAL_MESSAGE, _internal_extensions(request_id)), 500, internal=True)


def result_status(errors: Sequence[GraphQLError], request_error: bool, data: Any, media_type: str) -> int:
    """The status of an executed (or validated) request's response.

    With graphql-response+json: 400 when nothing ran (a request error), 401 when nothing ran for
    lack of a valid sign-in (no data and every error UNAUTHENTICATED), else 200; always 200 with JSON.
    """
    if media_type != GRAPHQL_RESPONSE_JSON:
        return 200
    if data is None and errors and all(_code(e) == "UNAUTHENTICATED" for e in errors):
        return 401  # also when admission refused a revoked sign-in before anything ran
    if request_error:
        return 400
    return 200


def result_headers(status: int) -> dict[str, str]:
    """`WWW-Authenticate` on a 401 for a request that sent no credentials (RFC 6750 section 3)."""
    return {"WWW-Authenticate": "Bearer"} if status == 401 else {}


def _challenge(status: int, error: Unauthenticated) -> dict[str, str]:
    if status != 401:
        return {}
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{error.message}"'}


def _code(error: GraphQLError) -> Any:
    return (error.extensions or {}).get("code")


def _extensions(error: TetherError) -> dict[str, Any]:
    return {"code": error.code, **error.extensions}


def _internal_extensions(request_id: str | None) -> dict[str, Any]:
    return {"code": "INTERNAL", "requestId": request_id}


def _body(message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL response carrying one request-level error (no `data` entry)."""
    return {"errors": [{"message": message, "extensions": extensions}]}


def _log_unexpected(error: BaseException, request_id: str | None, path: Any) -> None:
    logger.error(
        "unhandled error",
        exc_info=(type(error), error, error.__traceback__),
        extra={"request_id": request_id, "graphql_path": path},
    )


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
