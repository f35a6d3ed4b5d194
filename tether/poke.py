"""The "poke": a tiny "pull now" message on an open WebSocket for every profile a change touches.

`syncPull` stays the only data channel; a poke only says that the feed moved, so an app pulls at
once instead of long-polling (docs/sync.md). Connections are kept in DynamoDB
(`tether/storage/sockets.py`): a push or server write reads its partition's connections in the
BatchGetItem it makes anyway, then posts to each through a `Poster`: API Gateway's management API
(`PostToConnection`) in AWS, the dev server's own WebSockets locally. A connection the poster finds
gone (API Gateway's 410) is forgotten; nothing runs while the sockets are idle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from tether.settings import Settings
from tether.storage import sockets as store
from tether.storage.base import TetherModel
from tether.storage.sockets import Socket
from tether.telemetry import logger

MESSAGE = json.dumps({"type": "pull"}, separators=(",", ":")).encode()


class Poster(Protocol):
    def post(self, connection_id: str, data: bytes) -> bool:
        """Send `data` on the connection; False when the connection is gone (to be forgotten)."""


class ApiGatewayPoster:
    """`PostToConnection` of API Gateway's management API (botocore), at the WebSocket stage's URL."""

    def __init__(self, endpoint: str, region: str, timeout: float = 2.0, client: Any = None) -> None:
        self.endpoint, self.region, self.timeout = endpoint, region, timeout
        self._client: Any = client  # built on the first poke (tests pass one with their credentials)

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=self.timeout, read_timeout=self.timeout, retries={"max_attempts": 2}
            )
            self._client = boto3.session.Session().client(
                "apigatewaymanagementapi", endpoint_url=self.endpoint, region_name=self.region, config=config
            )
        return self._client

    def post(self, connection_id: str, data: bytes) -> bool:
        client = self.client
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except client.exceptions.GoneException:
            return False
        return True


class LocalPoster:
    """The dev server's WebSockets (`resolvers/websocket.py` registers each open one here)."""

    def __init__(self) -> None:
        self.senders: dict[str, Callable[[bytes], None]] = {}

    def post(self, connection_id: str, data: bytes) -> bool:
        send = self.senders.get(connection_id)
        if send is None:
            return False  # closed, or opened before the dev server restarted
        send(data)
        return True


def poster_for(settings: Settings) -> Poster:
    """API Gateway's management API where TETHER_WEBSOCKET_ENDPOINT is set (template.yaml), else local."""
    if settings.websocket_endpoint:
        return ApiGatewayPoster(settings.websocket_endpoint, settings.region)
    return LocalPoster()


class Pokes:
    """Opens, closes and pokes connections (one per process)."""

    def __init__(self, poster: Poster, ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self.poster, self.ttl, self.clock = poster, ttl, clock

    def open(self, connection_id: str, partition: str, client_id: str) -> Socket:
        """Record a connection watching `partition` (the caller checked the user may read it)."""
        expires = int((self.clock() + self.ttl).timestamp())
        socket = Socket(connection_id, partition, client_id, expires)
        store.add(socket)
        return socket

    def close(self, connection_id: str, partition: str | None = None) -> None:
        store.remove(connection_id, partition)

    def after_commit(self, partition: str, client_id: str | None, read: Iterable[TetherModel]) -> int:
        """Poke the partition's connections as the commit's own read found them, except the
        device that made the change (`client_id`; None for the server's own writes)."""
        return self.send(store.sockets_in(read), skip_client=client_id)

    def touch(self, partitions: Sequence[str]) -> int:
        """Poke these partitions' connections (a change not made by a push, e.g. a sharing grant):
        one BatchGetItem."""
        return self.send(store.read(partitions))

    def everyone(self) -> int:
        """Poke every connection (a shared feed, the catalog, moved): one Query, paged."""
        return self.send(store.every())

    def send(self, found: Iterable[Socket], skip_client: str | None = None) -> int:
        now, sent = self.clock(), 0
        for socket in found:
            if not socket.live(now):
                self.close(socket.connection_id, socket.partition)  # expired without a $disconnect
                continue
            if skip_client is not None and socket.client_id == skip_client:
                continue
            try:
                delivered = self.poster.post(socket.connection_id, MESSAGE)
            except Exception as error:  # a poke is a hint: never fail the change that caused it
                logger.warning("poke failed", extra={"error": type(error).__name__})
                continue
            if delivered:
                sent += 1
            else:
                self.close(socket.connection_id, socket.partition)
        return sent
