"""The poke channel (docs/sync.md): a tiny "pull now" on an open WebSocket for every profile a change
touches, through the dev server's own `/ws` route and through API Gateway's management API (a local
fake of `PostToConnection`, driven by the real botocore client), with its connections in DynamoDB."""

from __future__ import annotations

import copy
import json
import queue
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.config import Config
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from ulid import ULID

from app import create_app, make_handler
from tests.conftest import GraphQLClient
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tether.poke import ApiGatewayPoster
from tether.services import Services
from tether.settings import Settings
from tether.storage import sockets
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key

POKE = {"type": "pull"}


def push_piece(gql: GraphQLClient, client_id: str, mutation_id: int = 1, title: str = "Etude") -> None:
    body = gql(
        operation("SyncPush"),
        {
            "input": {
                "clientId": client_id,
                "mutations": [
                    {
                        "mutationId": mutation_id,
                        "changedAt": "2026-03-01T09:00:00Z",
                        "change": {"savePiece": {"id": str(ULID()), "title": title}},
                    }
                ],
            }
        },
    )
    assert "errors" not in body, body["errors"]


# ---- the dev server's /ws route


def test_a_poke_arrives_within_a_second_of_a_push_from_another_device(
    client: TestClient, gql: GraphQLClient, token: str
) -> None:
    with client.websocket_connect("/ws?clientId=phone", subprotocols=["tether", token]) as phone:
        assert phone.accepted_subprotocol == "tether"  # what a browser needs echoed
        arrived = receiving(phone)
        push_piece(gql, "tablet")
        assert arrived.get(timeout=1.0) == POKE  # awaited with a timeout, never slept for


def receiving(socket: WebSocketTestSession) -> queue.Queue[Any]:
    """The socket's next message, awaited by a (daemon) thread: `.get(timeout=...)` on the answer."""
    answer: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=lambda: answer.put(socket.receive_json()), daemon=True).start()
    return answer


def test_the_dev_route_refuses_a_bad_token_and_a_profile_out_of_reach(
    client: TestClient, token: str, make_token: Callable[..., str]
) -> None:
    for url, code in (
        ("/ws?clientId=phone&token=not-a-token", 4401),
        ("/ws?clientId=phone", 4401),  # no token at all
        (f"/ws?clientId=phone&token={token}&profileId=someone-else", 4403),
        (f"/ws?clientId=bad%20id&token={token}", 4400),
    ):
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url):
            pass
        assert refused.value.code == code, url


# ---- API Gateway: $connect / $disconnect through the Lambda handler, pokes by PostToConnection


class FakeManagementApi:
    """API Gateway's `POST /@connections/{id}` on a local port: records each post; 410 for a gone id."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes]] = []
        self.gone: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                connection_id = unquote(self.path.rsplit("/", 1)[-1])
                data = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.posts.append((connection_id, data))
                gone = connection_id in fake.gone
                self.send_response(410 if gone else 200)
                body = json.dumps({"message": "gone"} if gone else {}).encode()
                if gone:
                    self.send_header("x-amzn-ErrorType", "GoneException")
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dev"

    def posted_to(self) -> list[str]:
        return [connection_id for connection_id, _ in self.posts]


@pytest.fixture
def management_api() -> Iterator[FakeManagementApi]:
    fake = FakeManagementApi()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def aws(settings: Settings, management_api: FakeManagementApi) -> Services:
    """The deployment as template.yaml configures it: pokes through API Gateway's management API."""
    services = Services.build(settings)
    api_client = boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=management_api.url,
        region_name=settings.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    services.pokes.poster = ApiGatewayPoster(management_api.url, settings.region, client=api_client)
    return services


@pytest.fixture
def aws_client(aws: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=aws)) as test_client:
        yield test_client


def connect(handler: Any, connection_id: str, **query: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("websocket_connect.json"))
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = query
    answer: dict[str, Any] = handler(event, FakeLambdaContext())
    return answer


def disconnect(handler: Any, connection_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("websocket_disconnect.json"))
    event["requestContext"]["connectionId"] = connection_id
    answer: dict[str, Any] = handler(event, FakeLambdaContext())
    return answer


def test_pokes_go_to_the_accounts_other_devices_only_and_a_gone_connection_is_dropped(
    aws: Services,
    aws_client: TestClient,
    management_api: FakeManagementApi,
    make_token: Callable[..., str],
    user_id: str,
) -> None:
    handler = make_handler(aws_client.app)  # type: ignore[arg-type]
    ada, bob = make_token(user_id), make_token(f"{user_id}-bob")
    assert connect(handler, "ada-phone=", clientId="phone", token=ada)["statusCode"] == 200
    assert connect(handler, "ada-tablet=", clientId="tablet", token=ada)["statusCode"] == 200
    assert connect(handler, "bob-phone=", clientId="phone", token=bob)["statusCode"] == 200

    push_piece(GraphQLClient(aws_client, ada), "tablet")
    # Posted before the push answered (no waiting): to Ada's phone, not to the pushing tablet, never to Bob.
    assert management_api.posted_to() == ["ada-phone="]
    assert json.loads(management_api.posts[0][1]) == POKE

    management_api.posts.clear()
    push_piece(GraphQLClient(aws_client, bob), "laptop")
    assert management_api.posted_to() == ["bob-phone="]

    # Ada's phone went away without a $disconnect: API Gateway answers 410, the connection is forgotten.
    management_api.posts.clear()
    management_api.gone.add("ada-phone=")
    push_piece(GraphQLClient(aws_client, ada), "tablet", mutation_id=2)
    assert management_api.posted_to() == ["ada-phone="]
    assert [s.connection_id for s in sockets.read([user_key(user_id)])] == ["ada-tablet="]
    management_api.posts.clear()
    push_piece(GraphQLClient(aws_client, ada), "laptop")
    assert management_api.posted_to() == ["ada-tablet="]

    # $disconnect forgets a connection.
    assert disconnect(handler, "ada-tablet=")["statusCode"] == 200
    assert sockets.read([user_key(user_id)]) == []


def test_connect_refuses_a_bad_token_and_stores_nothing(
    aws_client: TestClient, make_token: Callable[..., str], user_id: str
) -> None:
    handler = make_handler(aws_client.app)  # type: ignore[arg-type]
    assert connect(handler, "x1=", clientId="phone")["statusCode"] == 401
    assert connect(handler, "x2=", clientId="phone", token="eyJhbGciOi.forged.token")["statusCode"] == 401
    expired = make_token(user_id, ttl_seconds=-3600)
    assert connect(handler, "x3=", clientId="phone", token=expired)["statusCode"] == 401
    token = make_token(user_id)
    assert connect(handler, "x4=", clientId="phone", token=token, profileId="not-mine")["statusCode"] == 403
    assert sockets.read([user_key(user_id)]) == []
    # The token as the second Sec-WebSocket-Protocol value, the chosen protocol echoed.
    event = copy.deepcopy(load_event("websocket_connect.json"))
    event["headers"]["Sec-WebSocket-Protocol"] = f"tether, {token}"
    answer = handler(event, FakeLambdaContext())
    assert answer == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "tether"}}
    assert [s.client_id for s in sockets.read([user_key(user_id)])] == ["phone"]


def connected_phone(aws_client: TestClient, token: str, connection_id: str) -> None:
    """The account's phone opens a connection (through $connect, as API Gateway calls it)."""
    handler = make_handler(aws_client.app)  # type: ignore[arg-type]
    assert connect(handler, connection_id, clientId="phone", token=token)["statusCode"] == 200


def test_the_push_reads_its_connections_without_another_round_trip(
    aws_client: TestClient, management_api: FakeManagementApi, make_token: Callable[..., str], user_id: str
) -> None:
    token = make_token(user_id)
    connected_phone(aws_client, token, "phone=")
    with record_calls() as calls:
        push_piece(GraphQLClient(aws_client, token), "tablet")
    assert management_api.posted_to() == ["phone="]
    # The connections came on the head, in the push's own BatchGetItem: one read, one transaction.
    assert (user_key(user_id), "HEAD") in calls.keys_read()
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]

    # The largest push whose keys fit one BatchGetItem (100: the head, the client, the account's
    # sign-ins and 97 records) still takes one read and one transaction, and pokes: the connections
    # take no key of their own (they used to, and made this push read twice).
    management_api.posts.clear()
    mutations = [
        {
            "mutationId": 10 + n,
            "changedAt": "2026-03-01T09:00:00Z",
            "change": {"savePiece": {"id": str(ULID()), "title": f"Etude {n}"}},
        }
        for n in range(97)
    ]
    with record_calls() as calls:
        body = GraphQLClient(aws_client, token)(
            operation("SyncPush"), {"input": {"clientId": "tablet", "mutations": mutations}}
        )
    assert "errors" not in body, body["errors"]
    assert len(calls.keys_read()) == 100
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    assert management_api.posted_to() == ["phone="]


def test_a_connection_opened_before_the_first_change_is_poked_by_it(
    aws_client: TestClient, management_api: FakeManagementApi, make_token: Callable[..., str], user_id: str
) -> None:
    # The connection creates the partition's head item (no number, no epoch yet); the first push
    # then starts the feed on that same item, keeping the connection.
    token = make_token(user_id)
    connected_phone(aws_client, token, "early=")
    push_piece(GraphQLClient(aws_client, token), "tablet")
    assert management_api.posted_to() == ["early="]
    push_piece(GraphQLClient(aws_client, token), "tablet", mutation_id=2)
    assert management_api.posted_to() == ["early=", "early="]
    assert [s.connection_id for s in sockets.read([user_key(user_id)])] == ["early="]


def test_a_connect_writes_the_heads_entry_and_its_own_item_only(
    aws_client: TestClient, management_api: FakeManagementApi, make_token: Callable[..., str], user_id: str
) -> None:
    """$connect on a partition whose head has its connections map (every partition after its first
    connection): one UpdateItem of the head and one PutItem, 2 write units (docs/cost.md). Only the
    very first connection creates the map (a write more)."""
    from tether.storage.capacity import meter_capacity

    token = make_token(user_id)
    connected_phone(aws_client, token, "first=")
    with record_calls() as calls, meter_capacity() as meter:
        connected_phone(aws_client, token, "second=")
    written = [name for name in calls.operations if name not in ("GetItem", "BatchGetItem", "Query")]
    assert written == ["UpdateItem", "PutItem"]
    assert meter.write_units == {"UpdateItem": 1.0, "PutItem": 1.0}
    push_piece(GraphQLClient(aws_client, token), "tablet")
    assert sorted(management_api.posted_to()) == ["first=", "second="]


def test_a_disconnect_finds_its_partition_in_its_own_delete(
    aws_client: TestClient, management_api: FakeManagementApi, make_token: Callable[..., str], user_id: str
) -> None:
    """$disconnect deletes the connection's item and learns its partition from that same DeleteItem
    (ReturnValues ALL_OLD, which reads nothing more), then takes the head's entry: 2 round trips,
    2 write units and no read (it was a GetItem first: 3 round trips and 1 read unit, docs/cost.md)."""
    from tether.storage.capacity import meter_capacity

    handler = make_handler(aws_client.app)  # type: ignore[arg-type]
    token = make_token(user_id)
    connected_phone(aws_client, token, "phone=")
    connected_phone(aws_client, token, "tablet=")
    with record_calls() as calls, meter_capacity() as meter:
        assert disconnect(handler, "phone=")["statusCode"] == 200
    assert calls.operations == ["DeleteItem", "UpdateItem"]
    assert meter.write_units == {"DeleteItem": 1.0, "UpdateItem": 1.0}
    assert meter.rru == 0
    assert [s.connection_id for s in sockets.read([user_key(user_id)])] == ["tablet="]
    push_piece(GraphQLClient(aws_client, token), "laptop")
    assert management_api.posted_to() == ["tablet="]

    # A second $disconnect of it (API Gateway's is best-effort, not exactly once) finds nothing to
    # take: one DeleteItem, the head untouched.
    with record_calls() as calls:
        assert disconnect(handler, "phone=")["statusCode"] == 200
    assert calls.operations == ["DeleteItem"]
    assert [s.connection_id for s in sockets.read([user_key(user_id)])] == ["tablet="]
