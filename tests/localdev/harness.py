"""Helpers to run `python -m localdev.devserver` (what `make dev` runs) as a developer would, and to
see which processes and ports it leaves behind (through /proc: Linux only, like the dev setup)."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localdev import dynamodb

ROOT = Path(__file__).resolve().parent.parent.parent
BANNER_END = "Ctrl-C stops the API, the local S3, the local SQS and DynamoDB Local."
# The first start may have to download DynamoDB Local; later ones are quick (see the tests).
BANNER_TIMEOUT_SECONDS = 180.0
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def proc_state(pid: int) -> str | None:
    """The process's state letter from /proc (R, S, Z, ...), or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rpartition(")")[2].split()[0]


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a dead child its new parent has not reaped yet)."""
    state = proc_state(pid)
    return state is not None and state != "Z"


def _proc_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return raw.decode(errors="replace").split("\0")


def dynamodb_local_pids(port: int) -> list[int]:
    """Running DynamoDB Local JVMs listening (by their command line) on `port`."""
    found = []
    for pid in _proc_pids():
        argv = _cmdline(pid)
        if not any(arg.endswith("DynamoDBLocal.jar") for arg in argv):
            continue
        listens = any(a == "-port" and b == str(port) for a, b in itertools.pairwise(argv))
        if listens and is_running(pid):
            found.append(pid)
    return found


def process_group(pgid: int) -> list[int]:
    """Running processes of process group `pgid`."""
    members = []
    for pid in _proc_pids():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(pid)
    return members


def port_is_free(port: int) -> bool:
    """Nobody listens on the port, and a server could bind it again right away."""
    if dynamodb.port_in_use(port):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.05)


def free_ports(count: int) -> list[int]:
    """Distinct free ports (bound together, so the kernel cannot hand out one twice)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class DevServer:
    """One `python -m localdev.devserver` process in its own process group, like a terminal's job."""

    def __init__(self, data_dir: Path, api_port: int, dynamodb_port: int, reload: bool = False) -> None:
        self.data_dir, self.api_port, self.dynamodb_port = data_dir, api_port, dynamodb_port
        # A developer's own TETHER_* settings (an external endpoint, another table...) stay out.
        env = {key: value for key, value in os.environ.items() if not key.startswith("TETHER_")}
        s3_port, sqs_port = free_ports(2)
        env.update(
            {
                "TETHER_API_PORT": str(api_port),
                "TETHER_DYNAMODB_PORT": str(dynamodb_port),
                "TETHER_DATA_DIR": str(data_dir),
                "TETHER_S3_PORT": str(s3_port),
                "TETHER_SQS_PORT": str(sqs_port),
                "RELOAD": "1" if reload else "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localdev.devserver"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: what a terminal's Ctrl-C signals
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.url = self.token = ""
        self.dynamodb_pid = 0

    def _read(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            with self._changed:
                lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def output(self) -> str:
        with self._changed:
            return "stdout:\n" + "\n".join(self.stdout) + "\nstderr:\n" + "\n".join(self.stderr)

    def wait_for_banner(self, timeout: float = BANNER_TIMEOUT_SECONDS) -> None:
        """Wait until the banner is out; parse the URL, the token and DynamoDB Local's pid from it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while BANNER_END not in (line.strip() for line in self.stdout):
                if self.process.poll() is not None and not any(r.is_alive() for r in self._readers):
                    raise AssertionError(
                        f"the devserver exited ({self.process.returncode}) before its banner\n{self.output()}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no banner after {timeout}s\n{self.output()}")
                self._changed.wait(min(remaining, 0.5))
            text = "\n".join(self.stdout)
        url = re.search(r"GraphiQL explorer\s+(http://\S+)", text)
        ddb = re.search(r"DynamoDB Local\s+(http://\S+)\s+\(pid (\d+)", text)
        tokens = [line.strip() for line in text.splitlines() if JWT.match(line.strip())]
        assert url, f"no URL in the banner:\n{text}"
        assert ddb, f"no DynamoDB Local endpoint and pid in the banner:\n{text}"
        assert len(tokens) == 1, f"not exactly one token in the banner:\n{text}"
        self.url, self.token = url.group(1), tokens[0]
        assert ddb.group(1) == f"http://127.0.0.1:{self.dynamodb_port}"
        self.dynamodb_pid = int(ddb.group(2))

    def ctrl_c(self) -> None:
        """What Ctrl-C in a terminal does: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the devserver did not exit within {timeout}s\n{self.output()}") from None
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def kill_leftovers(self) -> None:
        """Teardown: never leave a devserver, its children or its JVM behind, whatever happened."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for pid in process_group(self.process.pid):
            os.kill(pid, signal.SIGKILL)
        for pid in dynamodb_local_pids(self.dynamodb_port):
            os.kill(pid, signal.SIGKILL)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    # ---- the API, as a client sees it ----

    def request(
        self, method: str, body: Any = None, headers: dict[str, str] | None = None, url: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        request = urllib.request.Request(url or self.url, data=data, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def graphql(self, query: str, token: str | None = None, *, status: int = 200) -> dict[str, Any]:
        """POST `query` asking for graphql-response+json; the answer must have `status`."""
        headers = {"Accept": "application/graphql-response+json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answered, _, text = self.request("POST", {"query": query}, headers)
        assert answered == status, text
        body: dict[str, Any] = json.loads(text)
        return body
