"""DynamoDB Local: fetch the official jar (from npm), verify it, run it as a child process."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The official AWS DynamoDB Local jar ships inside this npm package (package/emulator/).
PACKAGE = "amplify-dynamodb-simulator"
VERSION = "2.9.30"
SHA256 = "3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9"

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
PR_SET_PDEATHSIG = 1


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be installed or started."""


def emulator_dir(cache: Path = CACHE) -> Path:
    return cache / "dynamodb-local" / VERSION


def ensure_installed(cache: Path = CACHE) -> Path:
    """Return the emulator folder, downloading and verifying the pinned tarball only if needed."""
    target = emulator_dir(cache)
    if (target / "DynamoDBLocal.jar").is_file():
        return target
    tarball = cache / f"{PACKAGE}-{VERSION}.tgz"
    if not tarball.is_file() or _sha256(tarball) != SHA256:
        _download(tarball)
    digest = _sha256(tarball)
    if digest != SHA256:
        tarball.unlink()
        raise DynamoDBLocalError(
            f"{tarball.name}: sha256 {digest} does not match the pinned {SHA256}; refusing to use it"
        )
    staging = Path(tempfile.mkdtemp(prefix="ddb-", dir=cache))
    try:
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/emulator/")]
            archive.extractall(staging, members=members, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        (staging / "package" / "emulator").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download(tarball: Path) -> None:
    tarball.parent.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    spec = f"{PACKAGE}@{VERSION}"
    print(f"[setup] Downloading DynamoDB Local ({spec}, ~57 MB) into {tarball.parent} ...", file=sys.stderr)
    if npm:
        subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(tarball.parent), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return
    # Without npm, fetch the same tarball straight from the registry.
    url = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=120) as response, tarball.open("wb") as out:
            shutil.copyfileobj(response, out)
    except urllib.error.URLError as exc:
        raise DynamoDBLocalError(f"could not download {url}: {exc}") from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def java_binary() -> str:
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(
            "Java 17+ is needed for DynamoDB Local and was not found. "
            "Install it with: sudo apt-get install -y default-jre-headless "
            "(or run `make` as root, which installs it)."
        )
    return java


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when we die, so no stray JVM outlives us.

    PR_SET_PDEATHSIG fires when the *thread* that started the child exits: start DynamoDB Local
    from a thread that lives as long as it should (the main thread, a session fixture's thread).
    libc is loaded here, before the fork: the child only makes two system calls.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:  # pragma: no cover - runs in the child between fork and exec
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # we died before prctl took effect: nobody will signal
            os._exit(1)

    return preexec


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local process."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> DynamoDBLocal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    port: int | None = None,
    db_path: Path | None = None,
    cache: Path = CACHE,
    timeout: float = 60.0,
    heap_mb: int = 512,
) -> DynamoDBLocal:
    """Start DynamoDB Local: in memory, or persistent under db_path. Returns once it answers."""
    emulator = ensure_installed(cache)
    port = port or free_port()
    if port_in_use(port):
        raise DynamoDBLocalError(
            f"port {port} is already in use; stop whatever listens there or choose another port "
            "(TETHER_DYNAMODB_PORT)"
        )
    command = [
        java_binary(),
        "-Xms64m",
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",
        # The quick JIT only (C1): a third less CPU at start and under a test suite's load, measured on
        # 2 cores; a local emulator gains nothing from C2's slower, deeper compiles.
        "-XX:TieredStopAtLevel=1",
        f"-Djava.library.path={emulator / 'DynamoDBLocal_lib'}",
        "-jar",
        str(emulator / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-sharedDb",
    ]
    if db_path is None:
        command.append("-inMemory")
    else:
        db_path.mkdir(parents=True, exist_ok=True)
        command += ["-dbPath", str(db_path)]
    log_path = cache / "dynamodb-local.log"
    with log_path.open("ab") as log:
        # Its own session: a terminal's Ctrl-C reaches only us, and we stop it after the API.
        process = subprocess.Popen(
            command,
            cwd=emulator,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(),
            start_new_session=True,
        )
    server = DynamoDBLocal(process=process, port=port)
    try:
        _wait_until_ready(server, timeout, log_path)
    except BaseException:  # including Ctrl-C while it starts: never leave it running
        server.stop()
        raise
    return server


def _wait_until_ready(server: DynamoDBLocal, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise DynamoDBLocalError(
                f"DynamoDB Local exited with status {server.process.returncode}; see {log_path}"
            )
        if port_in_use(server.port):
            return
        time.sleep(0.1)
    raise DynamoDBLocalError(f"DynamoDB Local did not answer on port {server.port} in {timeout}s")
