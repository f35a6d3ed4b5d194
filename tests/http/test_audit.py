"""The graphql-http audit suite (GraphQL-over-HTTP spec conformance) against the live server: all clean."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
AUDIT_SCRIPT = Path(__file__).resolve().parent / "audit.mjs"


def run_audit(url: str, token: str) -> tuple[int, dict[str, Any], str]:
    node = shutil.which("node")
    assert node, "Node.js is required for the graphql-http audit; `make test` installs it"
    assert (ROOT / "node_modules" / "graphql-http").is_dir(), (
        "node_modules/graphql-http is missing; `make test` installs it (npm ci)"
    )
    completed = subprocess.run(
        [node, str(AUDIT_SCRIPT), url, token],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode in (0, 1), (
        f"the audit did not run (exit {completed.returncode}):\n{completed.stderr}"
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return completed.returncode, report, completed.stderr


@pytest.mark.slow
def test_graphql_http_audit_has_no_errors_and_no_warnings(
    live_server: str, make_token: Callable[..., str], user_id: str
) -> None:
    returncode, report, _ = run_audit(f"{live_server}/graphql", make_token(user_id))
    audits = report["audits"]
    assert len(audits) >= 50, f"suspiciously few audits ran: {len(audits)}"
    not_ok = [audit for audit in audits if audit["status"] != "ok"]
    assert not not_ok, "graphql-http audits that did not pass:\n" + json.dumps(not_ok, indent=2)
    assert report["counts"] == {"ok": len(audits), "notice": 0, "warn": 0, "error": 0}
    assert returncode == 0


@pytest.mark.slow
def test_the_audit_script_reports_a_broken_server() -> None:
    """The script is not vacuous: a server that answers 404 to everything fails it, with reasons.

    Every request it makes carries the token it was given.
    """
    authorizations: list[str | None] = []

    class NotFound(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            authorizations.append(self.headers.get("authorization"))
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no")

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        returncode, report, _ = run_audit(f"http://127.0.0.1:{server.server_port}/graphql", "secret-t")
    finally:
        server.shutdown()
        server.server_close()
    assert returncode == 1
    assert report["counts"]["error"] > 0
    failed = next(audit for audit in report["audits"] if audit["id"] == "2C94")
    assert failed == {
        "id": "2C94",
        "name": "MUST accept POST requests",
        "status": "error",
        "reason": "Response status code is not 200",
        "response": {"status": 404, "contentType": "text/plain", "body": "no"},
    }
    assert len(authorizations) == len(report["audits"])
    assert set(authorizations) == {"Bearer secret-t"}
