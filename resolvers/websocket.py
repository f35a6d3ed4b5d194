"""The poke channel's transport (docs/sync.md): API Gateway WebSocket events in Lambda (`$connect`,
`$disconnect`), and the same route served by the dev server itself (`/ws`, Starlette WebSockets).

Both check the token as `/graphql` does (a Bearer token verified by the Authenticator; no API
Gateway authorizer runs for a WebSocket `$connect`), sent as the `token` query parameter or as the
second `Sec-WebSocket-Protocol` value (`tether, <token>`: browsers cannot set headers on a
WebSocket); `clientId` (the device, as in syncPush) and an optional `profileId` (default: the
account's own) say what the connection watches. A shared profile needs the caller's access to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect
from ulid import ULID

from resolvers.offload import offload
from tether.auth import Authenticator, User
from tether.errors import BadUserInput, Forbidden, NotFound, TetherError, Unauthenticated
from tether.people.sharing import Scope
from tether.poke import LocalPoster
from tether.services import Services
from tether.sync.engine import CLIENT_ID
from tether.telemetry import logger

PROTOCOL = "tether"
# HTTP status of a refused `$connect` (API Gateway), WebSocket close code of a refused `/ws` (dev).
STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 403, BadUserInput: 400}


def is_websocket_event(event: Mapping[str, Any]) -> bool:
    context = event.get("requestContext") or {}
    return isinstance(context, Mapping) and context.get("eventType") in ("CONNECT", "DISCONNECT", "MESSAGE")


def token_from(query: Mapping[str, str], protocols: list[str]) -> str | None:
    """The token: the `token` query parameter, else the value after `tether` in Sec-WebSocket-Protocol."""
    if query.get("token"):
        return query["token"]
    if PROTOCOL in protocols:
        rest = protocols[protocols.index(PROTOCOL) + 1 :]
        return rest[0] if rest else None
    return None


class Sockets:
    """Opens and closes the connections of one deployment (one per process)."""

    def __init__(self, services: Services, authenticator: Authenticator) -> None:
        self.services, self.authenticator = services, authenticator

    def open(self, connection_id: str, query: Mapping[str, str], protocols: list[str]) -> None:
        """Check the token and what the connection watches, then store it; a TetherError says why not."""
        user = self._user(token_from(query, protocols))
        client_id = query.get("clientId") or ""
        if not CLIENT_ID.match(client_id):
            raise BadUserInput("clientId must be the device's clientId (as in syncPush)", field="clientId")
        scope = Scope.of(user.id, query.get("profileId") or None)
        if scope.shared:
            self.services.people.directory.access(user.id, scope.profile_id)  # FORBIDDEN without access
        self.services.pokes.open(connection_id, scope.partition, scope.client(client_id))

    def close(self, connection_id: str) -> None:
        self.services.pokes.close(connection_id)

    def _user(self, token: str | None) -> User:
        if not token:
            raise Unauthenticated(
                "Send the token as ?token=<token> or Sec-WebSocket-Protocol: tether, <token>",
                reason="MISSING_TOKEN",
            )
        if not self.authenticator.configured:
            raise Unauthenticated("This deployment verifies no tokens itself", reason="INVALID_TOKEN")
        user = self.authenticator.verify(token)
        self.services.gate.check(user)  # a revoked sign-in, an account waiting for erasure
        return user

    # ---- API Gateway (Lambda)

    def handle_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """`$connect` (200, or the refusal's status), `$disconnect` and any message (200)."""
        context = event["requestContext"]
        connection_id = str(context["connectionId"])
        kind = context["eventType"]
        if kind == "DISCONNECT":
            self.close(connection_id)
            return {"statusCode": 200}
        if kind != "CONNECT":
            return {"statusCode": 200}  # the channel is one-way: what an app sends is ignored
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        protocols = _protocols(headers.get("sec-websocket-protocol"))
        try:
            self.open(connection_id, event.get("queryStringParameters") or {}, protocols)
        except TetherError as refused:
            logger.info(
                "websocket refused", extra={"code": refused.code, "reason": refused.extensions.get("reason")}
            )
            return {"statusCode": _status(refused), "body": refused.message}
        answer: dict[str, Any] = {"statusCode": 200}
        if PROTOCOL in protocols:  # a browser closes a socket whose chosen protocol is not echoed
            answer["headers"] = {"Sec-WebSocket-Protocol": PROTOCOL}
        return answer

    # ---- the dev server (Starlette)

    async def serve(self, websocket: WebSocket) -> None:
        """`/ws`: the same checks, then the connection stays open; pokes arrive as text messages."""
        poster = self.services.pokes.poster
        assert isinstance(poster, LocalPoster)
        connection_id = f"local-{ULID()}"
        protocols = _protocols(websocket.headers.get("sec-websocket-protocol"))
        try:
            await offload(self.open, connection_id, dict(websocket.query_params), protocols)
        except TetherError as refused:
            await websocket.close(code=4000 + _status(refused), reason=refused.message[:120])
            return
        await websocket.accept(subprotocol=PROTOCOL if PROTOCOL in protocols else None)
        loop = asyncio.get_running_loop()

        def send(data: bytes) -> None:  # called from whichever thread committed the change
            loop.call_soon_threadsafe(lambda: loop.create_task(websocket.send_text(data.decode())))

        poster.senders[connection_id] = send
        try:
            while True:
                await websocket.receive_text()  # ignored; returns when the app closes the socket
        except WebSocketDisconnect:
            pass
        finally:
            poster.senders.pop(connection_id, None)
            await offload(self.close, connection_id)


def _protocols(header: str | None) -> list[str]:
    return [part.strip() for part in (header or "").split(",") if part.strip()]


def _status(error: TetherError) -> int:
    return next((status for kind, status in STATUS.items() if isinstance(error, kind)), 400)
