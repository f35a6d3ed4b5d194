"""`make dev` (`python -m localdev.devserver` after setup): serves, prints what to paste, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from websockets.sync.client import connect

from tests.localdev.harness import (
    ROOT,
    DevServer,
    dynamodb_local_pids,
    is_running,
    port_is_free,
    proc_state,
    process_group,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("devserver")]

EXIT_TIMEOUT_SECONDS = 15.0
CREATED_TABLE = "Created table tether-local."
LOADED_DEMO = "Loaded the demo catalog (catalog/demo.json): 15 created, 0 changed, 0 unchanged."


def assert_all_gone(server: DevServer) -> None:
    """No devserver, no child of it, no DynamoDB Local, and both ports free again."""
    wait_until(lambda: not is_running(server.dynamodb_pid), EXIT_TIMEOUT_SECONDS, "DynamoDB Local is gone")
    assert dynamodb_local_pids(server.dynamodb_port) == []
    assert process_group(server.process.pid) == [], "a process of the devserver's group outlived it"
    wait_until(lambda: port_is_free(server.api_port), 5, f"the API port {server.api_port} is free")
    wait_until(lambda: port_is_free(server.dynamodb_port), 5, f"port {server.dynamodb_port} is free")


def dynamodb_client(server: DevServer) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{server.dynamodb_port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def assert_the_worker_answers_a_pushed_message(server: DevServer) -> None:
    """make dev's reply worker (local SQS + poller) answers a pushed message: no later push, pulls only."""
    thread, message = "01J9ZS7A2B3C4D5E6F7G8H9J0A", "01J9ZS7A2B3C4D5E6F7G8H9J0B"
    socket_url = f"ws://127.0.0.1:{server.api_port}/ws?clientId=tablet&token={server.token}"
    tablet = connect(socket_url, open_timeout=10)  # the poke channel through uvicorn's WebSockets
    pushed = server.graphql(
        'mutation { syncPush(input: {clientId: "phone", mutations: ['
        f'{{mutationId: 1, changedAt: "2026-03-01T09:00:00Z", change: {{saveChatThread: {{id: "{thread}"}}}}}},'
        f'{{mutationId: 2, changedAt: "2026-03-01T09:00:00Z", change: {{sendChatMessage: '
        f'{{id: "{message}", threadId: "{thread}", text: "Hello"}}}}}}'
        "]}) { results { status } } }",
        server.token,
    )
    assert pushed["data"]["syncPush"]["results"] == [{"status": "APPLIED"}] * 2, pushed
    with tablet:  # the phone's push pokes the tablet: "pull now"
        assert json.loads(tablet.recv(timeout=10)) == {"type": "pull"}
    cursor = None
    for _ in range(10):  # long polls (the server waits; the test does not sleep)
        after = f', cursor: "{cursor}"' if cursor else ""
        pulled = server.graphql(
            f'{{ syncPull(input: {{clientId: "tablet", waitSeconds: 5{after}}}) '
            "{ cursor chatMessages { role status text } } }",
            server.token,
        )["data"]["syncPull"]
        cursor = pulled["cursor"]
        replies = [
            m for m in pulled["chatMessages"] if m["role"] == "ASSISTANT" and m["status"] == "COMPLETE"
        ]
        if replies:
            assert replies[0]["text"], replies
            return
    raise AssertionError(f"no reply by pull\n{server.output()}")


def test_serves_graphiql_the_api_the_local_s3_and_the_reply_worker_and_ctrl_c_stops_everything(
    start_devserver: Callable[..., DevServer], tmp_path: Path
) -> None:
    """One `make dev` (every check of a running server shares its start): GraphiQL, the API, the
    README's attachment commands against the local S3, the demo media, the reply worker; then Ctrl-C."""
    server = start_devserver(tmp_path / "data")
    server.wait_for_banner()
    assert server.url == f"http://127.0.0.1:{server.api_port}/graphql"
    assert CREATED_TABLE in server.stdout, server.output()
    # The pid it prints is the JVM it started, on the port it was given.
    assert dynamodb_local_pids(server.dynamodb_port) == [server.dynamodb_pid]
    # It runs in its own session: a terminal's Ctrl-C reaches the devserver, which stops it in order.
    assert os.getsid(server.dynamodb_pid) != os.getsid(server.process.pid)

    assert server.graphql("{ me { id } }", server.token) == {"data": {"me": {"id": "dev"}}}
    assert LOADED_DEMO in server.stdout
    catalog = server.graphql("{ collections { nodes { id } } }", server.token)
    assert catalog == {
        "data": {"collections": {"nodes": [{"id": "retreats"}, {"id": "foundations-of-mindfulness"}]}}
    }
    anonymous = server.graphql("{ me { id } }", status=401)  # nothing answered without a sign-in
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    status, headers, page = server.request("GET", headers={"Accept": "text/html"})
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "<title>Tether · GraphiQL</title>" in page
    status, _, _ = server.request(
        "GET", url=f"http://127.0.0.1:{server.api_port}/graphiql/vendor/graphiql.min.js"
    )
    assert status == 200
    s3_port = assert_the_local_s3_serves_the_readme_commands_and_the_demo_media(server, tmp_path / "curl")
    assert_the_worker_answers_a_pushed_message(server)

    server.ctrl_c()
    assert server.wait(EXIT_TIMEOUT_SECONDS) == 0, server.output()
    assert "DynamoDB Local stopped." in server.stderr
    assert "Local SQS, the reply worker and the catalog publisher stopped." in server.stderr
    assert "Local S3 stopped." in server.stderr
    assert not any("Traceback" in line for line in server.stderr), server.output()
    assert_all_gone(server)
    assert port_is_free(s3_port)
    assert (tmp_path / "data" / "shared-local-instance.db").is_file()


def test_a_second_start_reuses_everything_and_keeps_the_data_sigterm_and_sigkill_stop_it(
    start_devserver: Callable[..., DevServer], tmp_path: Path
) -> None:
    """Two starts on one data directory: the first is stopped by SIGTERM (an IDE's stop button, as
    cleanly as Ctrl-C), the second by SIGKILL (nothing of it runs; Linux stops DynamoDB Local)."""
    data = tmp_path / "data"
    first = start_devserver(data)
    first.wait_for_banner()
    assert CREATED_TABLE in first.stdout
    client = dynamodb_client(first)
    client.create_table(
        TableName="persistence-check",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="persistence-check", Item={"pk": {"S": "kept"}, "note": {"S": "still here"}})
    assert_sigterm_stops_everything_like_ctrl_c(first)

    second = start_devserver(data)
    second.wait_for_banner()
    assert CREATED_TABLE not in second.stdout, "the table was created again: the data was not kept"
    assert LOADED_DEMO not in second.stdout, "the demo catalog is loaded only into an empty catalog"
    # Fast by construction, whatever the machine's load: nothing downloaded, created or loaded again.
    assert not any("Downloading" in line for line in second.stderr), second.output()
    item = dynamodb_client(second).get_item(TableName="persistence-check", Key={"pk": {"S": "kept"}})
    assert item["Item"]["note"] == {"S": "still here"}
    assert second.graphql("{ me { id } }", second.token) == {"data": {"me": {"id": "dev"}}}
    assert_sigkill_of_the_devserver_still_stops_dynamodb_local(second)


def assert_sigterm_stops_everything_like_ctrl_c(server: DevServer) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.wait(EXIT_TIMEOUT_SECONDS) == 0, server.output()
    assert "DynamoDB Local stopped." in server.stderr
    assert not any("Traceback" in line for line in server.stderr), server.output()
    assert_all_gone(server)


def assert_sigkill_of_the_devserver_still_stops_dynamodb_local(server: DevServer) -> None:
    """Nothing runs in the devserver after SIGKILL: Linux itself stops the JVM (PR_SET_PDEATHSIG)."""
    assert is_running(server.dynamodb_pid)
    server.process.kill()
    assert server.wait(EXIT_TIMEOUT_SECONDS) == -signal.SIGKILL
    assert "DynamoDB Local stopped." not in server.stderr  # no cleanup code ran
    wait_until(
        lambda: not is_running(server.dynamodb_pid),
        EXIT_TIMEOUT_SECONDS,
        f"the orphaned JVM (pid {server.dynamodb_pid}, state {proc_state(server.dynamodb_pid)}) dies",
    )
    assert_all_gone(server)


def test_ctrl_c_with_reload_on_stops_the_reloader_its_worker_and_dynamodb_local(
    start_devserver: Callable[..., DevServer],
) -> None:
    """`make dev` reloads on code changes by default: a supervisor, a worker process, the JVM."""
    server = start_devserver(reload=True)
    server.wait_for_banner()
    assert len(process_group(server.process.pid)) >= 2, "no reload worker was started"
    assert server.graphql("{ me { id } }", server.token) == {"data": {"me": {"id": "dev"}}}
    server.ctrl_c()
    assert server.wait(EXIT_TIMEOUT_SECONDS) == 0, server.output()
    assert "DynamoDB Local stopped." in server.stderr
    wait_until(
        lambda: process_group(server.process.pid) == [], EXIT_TIMEOUT_SECONDS, "the reload worker is gone"
    )
    assert_all_gone(server)


@pytest.mark.parametrize("busy", ["api", "dynamodb"])
def test_a_busy_port_fails_fast_and_clearly(start_devserver: Callable[..., DevServer], busy: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = int(listener.getsockname()[1])
        server = start_devserver(**{f"{busy}_port": taken})
        assert server.wait(EXIT_TIMEOUT_SECONDS) == 1, server.output()
    message = "\n".join(server.stderr)
    assert f"port {taken} is already in use" in message
    assert ("TETHER_API_PORT" if busy == "api" else "TETHER_DYNAMODB_PORT") in message
    assert "Traceback" not in message
    assert not any("Tether is running" in line for line in server.stdout)
    assert dynamodb_local_pids(server.dynamodb_port) == []


def readme_block(heading: str) -> str:
    """The bash block under a README heading."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(heading) :]
    start = section.index("```bash\n") + len("```bash\n")
    return section[start : section.index("```", start)]


def assert_the_local_s3_serves_the_readme_commands_and_the_demo_media(server: DevServer, work: Path) -> int:
    """make dev's local S3: the README's curl commands (save, push, upload URL, PUT, complete,
    download, export) and the demo catalog's audio; returns the local S3's port."""
    assert any("Local S3" in line for line in server.stdout), server.output()
    assert any("demo media files to the local S3" in line for line in server.stdout), server.output()
    work.mkdir()
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block("### Attachments from the command line")],
        cwd=work,
        env={**os.environ, "API": server.url, "TOKEN": server.token},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"status":"UPLOADED"' in run.stdout, run.stdout
    assert "downloaded the same bytes" in run.stdout
    assert "data.json" in run.stdout
    assert "/report.pdf" in run.stdout
    # The demo catalog's audio plays: its presigned URL points at the local S3, which has the file.
    found = server.graphql('{ mediaUrl(trackId: "spring-2025-01", kind: AUDIO) { url } }', server.token)
    url = found["data"]["mediaUrl"]["url"]
    with urllib.request.urlopen(url, timeout=30) as response:
        audio = response.read()
    assert (audio[:4], audio[8:12]) == (b"RIFF", b"WAVE")
    return int(urllib.parse.urlsplit(url).port or 0)
