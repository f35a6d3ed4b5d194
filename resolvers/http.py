"""GraphQL over HTTP (the GraphQL-over-HTTP spec, beyond stock Strawberry), as a Starlette endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import strawberry
from aws_lambda_powertools.metrics import MetricUnit
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from ulid import ULID

from resolvers import trusted
from resolvers.batch import run_batch
from resolvers.client import client_awareness
from resolvers.context import Context
from resolvers.errors import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    HTTPError,
    failure,
    result_headers,
    result_status,
    translate,
)
from resolvers.jsonbody import JSONRefused, decode_json
from resolvers.lazy_schema import LazySchema
from resolvers.offload import offload
from resolvers.persisted import PersistedDocuments
from resolvers.sync.plain import plain_sdl_schema
from resolvers.validation import schema_rules
from tether.auth import Authenticator, User, claims_from_event, user_from_claims
from tether.errors import Unauthenticated
from tether.persisted import Manifest
from tether.request_budget import RequestBudget
from tether.services import Services
from tether.telemetry import logger, metrics

GRAPHIQL_PAGE = Path(__file__).resolve().parent.parent / "static" / "graphiql" / "index.html"
# On every /graphql response (with its X-Request-Id): never cached, and varying by what it depends on.
RESPONSE_HEADERS = {"Cache-Control": "no-store", "Vary": "Accept, Authorization"}


@dataclass(frozen=True)
class GraphQLParams:
    """A request's variables, operation name and extensions (its document comes apart: resolvers/persisted.py)."""

    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class GraphQLEndpoint:
    """`GET` and `POST /graphql`: content negotiation, status codes, identity, then execution."""

    def __init__(self, schema: LazySchema | strawberry.Schema, services: Services) -> None:
        # The trusted SyncPull and SyncPush run on graphql-core's schema of the SDL (resolvers/
        # trusted.py); any other operation on Strawberry's, which the first one builds (app.py gives
        # the lazy schema; a test may give a Strawberry schema of its own).
        self.schema = schema
        self.services = services
        self.settings = services.settings
        self.authenticator = Authenticator(services.settings)
        manifest = Manifest.for_settings(services.settings)
        self.documents = PersistedDocuments(services.settings, services.documents, manifest)
        self.trusted: trusted.TrustedOperations | None = trusted.TrustedOperations(
            plain_sdl_schema(),
            trusted.trusted_texts(manifest),
            max_tokens=self.settings.max_tokens,
            rules=schema_rules(
                self.settings.max_query_depth, self.settings.max_aliases, self.settings.introspection_enabled
            ),
            suggestions=self.settings.introspection_enabled,
        )

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = _request_id(request)
        media_type = JSON
        operations: list[str | None] = []
        internal_errors = 0
        try:
            if self._wants_graphiql(request):
                return self._graphiql(request_id)
            media_type = _negotiate(request.headers.get("accept"))
            if request.method not in ("GET", "POST"):
                raise HTTPError(
                    405, "GraphQL accepts only GET and POST requests", headers={"Allow": "GET, POST"}
                )
            user = self._identify(request)
            payload = await self._payload(request)
            budget = RequestBudget()

            async def run(raw: Mapping[str, Any]) -> tuple[dict[str, Any], int, int]:
                context = Context(
                    services=self.services,
                    request_id=request_id,
                    maybe_user=user,
                    budget=budget,
                    client_ip=_client_ip(request),
                )
                operations.append(raw.get("operationName") if isinstance(raw, Mapping) else None)
                return await self._run(request.method, raw, context, media_type)

            async def run_entry(raw: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
                try:
                    body, _, errors = await run(raw)
                except HTTPError as error:  # this operation is refused; the others still run
                    return failure(error, request_id, media_type).body, 0
                return body, errors

            if isinstance(payload, list):
                if request.method != "POST":
                    raise HTTPError(400, "A batch must be sent with POST")
                bodies, internal_errors = await run_batch(
                    payload, run_entry, self.settings.max_batch_operations
                )
                # A batch's answer: one result per operation, in order (what Apollo's BatchHttpLink reads).
                content, status, headers = encode_json(bodies), 200, {}
            else:
                body, status, internal_errors = await run(payload)
                content, headers = encode_json(body), result_headers(status)
                if status == 429:
                    headers["Retry-After"] = str(_retry_after(body))
        except Exception as error:  # HTTP-level, sign-in and unexpected errors: one translator
            refused = failure(error, request_id, media_type)
            internal_errors = int(refused.internal)
            content, status, headers = encode_json(refused.body), refused.status, refused.headers
        # The response's headers in one go (each set on a built response scans and re-encodes them).
        headers.update(RESPONSE_HEADERS)
        headers["X-Request-Id"] = request_id
        response = Response(
            content, status_code=status, headers=headers, media_type=f"{media_type}; charset=utf-8"
        )
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        client = client_awareness(request.headers)
        logger.info(
            "graphql request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "status": response.status_code,
                "operation": operations[0] if len(operations) == 1 else operations or None,
                "duration_ms": duration_ms,
                **client.log_fields(),
            },
        )
        if "aws.event" in request.scope:  # EMF metrics reach CloudWatch from Lambda only
            metrics.add_dimension(name="ClientName", value=client.name)
            metrics.add_dimension(name="ClientVersion", value=client.version)
            _count_errors(response.status_code, internal_errors)
        return response

    async def _run(
        self, method: str, raw: Mapping[str, Any], context: Context, media_type: str
    ) -> tuple[dict[str, Any], int, int]:
        """One operation: its response body, HTTP status and count of internal errors."""
        params = _params(raw)
        document = self.documents.resolve_in_memory(dict(raw))
        if document is None:  # a registered document this instance has not read yet
            document = await offload(self.documents.resolve, dict(raw))
        result = await self._execute(method, params, document.query, context)
        if document.register and not _is_request_error(result):
            await offload(self.documents.remember, document)
        errors = [translate(error, context.request_id) for error in result.errors or []]
        result.errors = errors or None
        internal_errors = sum(1 for e in errors if (e.extensions or {}).get("code") == "INTERNAL")
        status = result_status(errors, _is_request_error(result), result.data, media_type)
        body = _body(result)
        if _retry_after(body) is not None:
            status = 429  # refused by a rate limit before anything ran
        return body, status, internal_errors

    def _wants_graphiql(self, request: Request) -> bool:
        return (
            self.settings.graphiql_enabled
            and request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    def _graphiql(self, request_id: str) -> Response:
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"), headers={"X-Request-Id": request_id})

    def _identify(self, request: Request) -> User | None:
        """The user from API Gateway's authorizer claims, else from a verified Bearer token."""
        claims = claims_from_event(request.scope.get("aws.event"))
        if claims is not None:
            return user_from_claims(claims)
        header = _single_authorization(request)
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Send the token as `Authorization: Bearer <token>`", reason="INVALID_TOKEN")
        if not self.authenticator.configured:
            raise Unauthenticated("This deployment verifies no tokens itself", reason="INVALID_TOKEN")
        return self.authenticator.verify(token.strip())

    async def _payload(self, request: Request) -> Mapping[str, Any] | list[Any]:
        """The GET parameters, or the POST body: one request object, or an array of them (a batch)."""
        if request.method == "GET":
            return {
                key: self._json_param(key, value) if key in ("variables", "extensions") else value
                for key, value in request.query_params.items()
            }
        return await self._json_body(request)

    async def _json_body(self, request: Request) -> Mapping[str, Any] | list[Any]:
        content_type = request.headers.get("content-type", "")
        media, _, parameters = content_type.partition(";")
        if media.strip().lower() != JSON:
            raise HTTPError(415, "Send the request as `Content-Type: application/json`")
        charset = _charset(parameters)
        if charset not in (None, "utf-8", "utf8"):
            raise HTTPError(415, f"Only UTF-8 request bodies are accepted, not {charset}")
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise HTTPError(413, f"The request body is larger than the {limit}-byte limit", limit=limit)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HTTPError(413, f"The request body is larger than the {limit}-byte limit", limit=limit)
        try:
            data = self._decode(bytes(body), "The request body")
        except (UnicodeDecodeError, ValueError):
            raise HTTPError(400, "The request body is not valid JSON") from None
        if not isinstance(data, dict | list):
            raise HTTPError(400, "The request body must be a JSON object, or an array of them (a batch)")
        return data

    def _decode(self, raw: bytes | str, what: str) -> Any:
        """JSON with its nesting, list lengths and size bounded before decoding (resolvers/jsonbody.py)."""
        try:
            return decode_json(
                raw,
                what=what,
                max_depth=self.settings.max_json_depth,
                max_list=self.settings.max_list_items,
                max_values=self.settings.max_input_values,
            )
        except JSONRefused as refused:
            raise HTTPError(400, refused.message, **refused.extensions) from None

    def _json_param(self, name: str, value: str) -> Any:
        if value == "":
            return None
        try:
            return self._decode(value, f"`{name}`")
        except ValueError:
            raise HTTPError(400, f"`{name}` must be URL-encoded JSON") from None

    async def _execute(
        self, method: str, params: GraphQLParams, query: str, context: Context
    ) -> ExecutionResult:
        if self.trusted is not None:  # the manifest's SyncPull and SyncPush (resolvers/trusted.py)
            answered = await self.trusted.execute(
                query,
                params.variables,
                params.operation_name,
                params.extensions,
                context,
                mutations_allowed=method == "POST",
            )
            if answered is not None:
                return answered
        allowed = {OperationType.QUERY} if method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.SUBSCRIPTION:
                # No method would do: a GraphQL request error, not an HTTP one.
                return _request_error("Subscriptions are not supported over HTTP")
            raise HTTPError(
                405,
                f"{error.operation_type.value.capitalize()}s must be sent with POST, not {method}",
                headers={"Allow": "POST"},
            ) from None
        except CannotGetOperationTypeError as error:
            # A GraphQL request error on a well-formed HTTP request (the spec's GetOperation()):
            # 400 with graphql-response+json, 200 with application/json, as for validation errors.
            if error.operation_name is None:
                return _request_error("Must provide an operation.")
            return _request_error(f'Unknown operation named "{error.operation_name}".')
        except MissingQueryError:
            raise HTTPError(400, "The request has no GraphQL document") from None


def _params(raw: Mapping[str, Any]) -> GraphQLParams:
    """The request's variables, operation name and extensions, checked (the document comes apart)."""
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPError(400, "`variables` must be a JSON object")
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPError(400, "`operationName` must be a string")
    extensions = raw.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPError(400, "`extensions` must be a JSON object")
    return GraphQLParams(variables, operation_name or None, extensions)


def _client_ip(request: Request) -> str | None:
    event = request.scope.get("aws.event") or {}
    context = event.get("requestContext") or {}
    address = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get("sourceIp")
    if isinstance(address, str) and address:
        return address
    return request.client.host if request.client else None


def _retry_after(body: Mapping[str, Any]) -> int | None:
    """A request refused by a rate limit before it ran (no data): its retryAfter, for a 429."""
    if body.get("data") is not None or not body.get("errors"):
        return None
    for error in body["errors"]:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "RATE_LIMITED" and isinstance(extensions.get("retryAfter"), int):
            return int(extensions["retryAfter"])
    return None


def _single_authorization(request: Request) -> str | None:
    """The one Authorization header; several (or a comma-joined list, as API Gateway merges them) are
    refused as RFC 6750's `invalid_request` rather than picking one."""
    values = request.headers.getlist("authorization")
    if len(values) > 1 or any("," in value for value in values):
        raise HTTPError(
            400,
            "Send exactly one Authorization header",
            headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
            reason="INVALID_REQUEST",
        )
    return values[0] if values else None


def _count_errors(status: int, internal_errors: int) -> None:
    if status >= 500 or internal_errors:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif status >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)


def _request_error(message: str) -> ExecutionResult:
    """A GraphQL request error raised before execution: errors and no data."""
    return PreExecutionError(data=None, errors=[GraphQLError(message)])


def _request_id(request: Request) -> str:
    context = request.scope.get("aws.context")
    aws_request_id = getattr(context, "aws_request_id", None)
    return aws_request_id if isinstance(aws_request_id, str) and aws_request_id else str(ULID())


def _negotiate(accept: str | None) -> str:
    """The response media type: graphql-response+json when asked for by name, else JSON; 406 if neither.

    A client that states no preference (no Accept, `*/*`, `application/*`) gets application/json,
    as the spec's legacy rule and the graphql-http audit (47DE, 80D8) require: such clients predate
    application/graphql-response+json and may not understand its 4xx status codes.
    """
    if not accept or not accept.strip():
        return JSON  # the spec's rule for clients that state no preference
    choices: list[tuple[float, int, str]] = []
    for item in accept.split(","):
        media, _, parameters = item.partition(";")
        media, quality = media.strip().lower(), _quality(parameters)
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            choices.append((quality, 2, GRAPHQL_RESPONSE_JSON))
        elif media == JSON:
            choices.append((quality, 1, JSON))
        elif media in ("*/*", "application/*"):
            choices.append((quality, 0, JSON))
    if not choices:
        raise HTTPError(406, f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}; no other response type is produced")
    return max(choices)[2]


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _is_request_error(result: ExecutionResult) -> bool:
    """No execution happened: a syntax, validation or variable error (data absent)."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(_has_no_path(e) for e in errors)


def _has_no_path(error: GraphQLError) -> bool:
    return not error.path


def _body(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if not _is_request_error(result):
        body["data"] = result.data
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def encode_json(body: Any) -> bytes:
    """Compact UTF-8 JSON with orjson (a 1,000-record page in a few ms, json's pure-Python walk
    takes several times as long); what orjson refuses (an integer beyond 64 bits) goes through json."""
    try:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
