"""The cost model's measurement (bench/cost.py): what it bills as the Lambda's is the Lambda's."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.cost import Measured, PolledQueue, fixed_costs, polled_queues, served_apart


def pid_server() -> str:
    """A server answering each GET with the id of the process serving it: its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"pid": os.getpid()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def test_the_fakes_answer_from_a_process_of_their_own() -> None:
    """The fake provider and SQS work in another process: the CPU time they spend answering is not
    the bench process's `process_time`, which the model bills as the Lambda's."""
    with served_apart(pid_server) as url, urllib.request.urlopen(url) as response:
        served_by = json.loads(response.read())["pid"]
    assert served_by != os.getpid()


def test_a_request_waits_for_its_other_services_round_trips_too() -> None:
    """The chat send's SendMessage is waited for like a DynamoDB call (AWS_ROUND_TRIP_MS each)."""
    send = Measured("chat send", 0.0, 0.0, 10.0, 2, 14.0, 6.0, 440, other_trips=1)
    alone = Measured("chat send", 0.0, 0.0, 10.0, 2, 14.0, 6.0, 440)
    assert send.billed_ms(512) - alone.billed_ms(512) == 6.0


def test_the_fixed_costs_poll_every_queue_the_template_maps_to_a_function() -> None:
    """Lambda's pollers receive from each mapped queue while no message arrives: the reply queue
    (its maximum concurrency set: never fewer than five pollers) and the FIFO publish queue."""
    queues = polled_queues()
    assert queues == [
        PolledQueue("ChatReplyQueue", "sqs_request", 5),
        PolledQueue("CatalogPublishQueue", "sqs_fifo_request", 2),
    ]
    receives = 30.4 * 86_400 / 20  # a poller's 20 s long polls in a month
    low, high = fixed_costs(queues)
    assert round(low, 4) == round(5 * receives * 0.40e-6 + 2 * receives * 0.50e-6, 4)
    assert round(high, 4) == round(5 * receives * (0.40e-6 + 0.50e-6), 4)
