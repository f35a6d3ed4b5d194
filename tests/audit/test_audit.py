"""The audit trail: a hash chain that names its first broken link, whatever was edited or deleted."""

from __future__ import annotations

import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from ulid import ULID

from localdev import cli
from tether import audit
from tether.audit import AuditLog, entry_hash
from tether.settings import Settings
from tether.storage.audit import AuditEntryItem, AuditHeadItem, entry_key

KEY = b"test-audit-key"


@pytest.fixture
def log(settings: Settings) -> AuditLog:
    """A chain of its own: tests that tamper with it never touch the deployment's chain."""
    return AuditLog(KEY, partition=f"AUDIT#test-{ULID()}")


def fill(log: AuditLog, count: int) -> None:
    for number in range(count):
        log.record(audit.CONSENT_CHANGED, f"user-{number}", consent="privacy", granted=True, version="1")


def item(log: AuditLog, number: int) -> AuditEntryItem:
    found = AuditEntryItem.get(log.partition, entry_key(number), consistent_read=True)
    assert isinstance(found, AuditEntryItem)
    return found


def test_entries_form_a_chain_with_hashed_user_ids(log: AuditLog) -> None:
    first = log.record(audit.FIRST_SIGN_IN, "user-ada")
    second = log.record(audit.CONSENT_CHANGED, "user-ada", consent="privacy", granted=True, version="2026-01")
    assert (first.number, second.number) == (1, 2)
    assert first.prev == "0" * 64
    assert second.prev == first.hash
    assert second.hash == entry_hash(
        2, second.kind, second.subject, second.at, item(log, 2).details, first.hash
    )
    assert first.subject == second.subject != "user-ada"
    assert "user-ada" not in str(item(log, 1).serialize())
    # Without the deployment's key, hashing known user ids finds nothing.
    assert AuditLog(b"another-key").subject("user-ada") != first.subject
    assert [(e.number, e.kind, e.details) for e in log.entries()] == [
        (1, "first_sign_in", {}),
        (2, "consent_changed", {"consent": "privacy", "granted": True, "version": "2026-01"}),
    ]
    assert log.verify() == audit.Verification(checked=2)


def test_an_edited_entry_is_named(log: AuditLog) -> None:
    fill(log, 5)
    edited = item(log, 3)
    edited.update(actions=[AuditEntryItem.kind.set("first_sign_in")])
    result = log.verify()
    assert (result.ok, result.broken_at, result.checked) == (False, 3, 2)
    assert result.problem == "entry 3 was edited: its hash does not match its content"


def test_an_edited_and_rehashed_entry_breaks_the_next_link(log: AuditLog) -> None:
    fill(log, 5)
    forged = item(log, 3)
    details = '{"consent":"privacy","granted":false,"version":"1"}'
    forged_hash = entry_hash(3, forged.kind, forged.subject, forged.at, details, forged.prev)
    forged.update(actions=[AuditEntryItem.details.set(details), AuditEntryItem.hash.set(forged_hash)])
    result = log.verify()
    assert result.broken_at == 4
    assert result.problem is not None
    assert "entry 4 does not link to entry 3" in result.problem


def test_a_deleted_entry_is_named(log: AuditLog) -> None:
    fill(log, 5)
    item(log, 2).delete()
    result = log.verify()
    assert (result.broken_at, result.problem) == (2, "entry 2 is missing: entry 3 follows entry 1")
    item(log, 3).delete()
    assert log.verify().problem == "entries 2-3 are missing: entry 4 follows entry 1"


def test_deleting_the_first_or_the_last_entries_is_detected(log: AuditLog) -> None:
    fill(log, 4)
    item(log, 4).delete()
    item(log, 3).delete()
    result = log.verify()
    assert (result.broken_at, result.problem) == (3, "entries 3-4 missing: the log ends at entry 2")
    item(log, 1).delete()
    assert log.verify().broken_at == 1


def test_a_rewritten_head_is_detected(log: AuditLog) -> None:
    fill(log, 3)
    AuditHeadItem(pk=log.partition, sk="HEAD", last=3, hash="f" * 64).save()
    assert log.verify().broken_at == 3


def test_concurrent_appends_never_fork_the_chain(log: AuditLog) -> None:
    start = threading.Barrier(6)

    def append(worker: int) -> None:
        start.wait()
        for n in range(4):
            log.record(audit.EXPORT_REQUESTED, f"user-{worker}-{n}")

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list(log.entries())
    assert [entry.number for entry in entries] == list(range(1, 25))
    assert len({entry.subject for entry in entries}) == 24
    assert log.verify() == audit.Verification(checked=24)


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        ("First Sign In", {}),
        ("first_sign_in", {"email": "x" * 201}),
        ("first_sign_in", {"profile": {"name": "Ada"}}),
        ("first_sign_in", {"Bad-Name": 1}),
        ("first_sign_in", {f"d{n}": n for n in range(11)}),
    ],
)
def test_entries_take_only_small_plain_details(log: AuditLog, kind: str, details: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="audit"):
        log.record(kind, "user-ada", **details)
    assert list(log.entries()) == []


@pytest.fixture
def deployment_log(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    """`log` as the deployment's log for one test; the one configured before is restored after."""
    monkeypatch.setattr(audit, "_default", audit._default)
    audit.configure(log)
    return log


def test_record_appends_to_the_deployments_log(deployment_log: AuditLog) -> None:
    log = deployment_log
    entry = audit.record("catalog.track_changed", "editor-1", track="tr-12", action="update")
    assert entry.subject == log.subject("editor-1")
    assert list(log.entries())[-1].details == {"track": "tr-12", "action": "update"}


def test_audit_verify_command_names_the_first_broken_link(
    log: AuditLog, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TETHER_TABLE", settings.table_name)
    monkeypatch.setenv("TETHER_DYNAMODB_ENDPOINT", str(settings.dynamodb_endpoint))
    fill(log, 3)
    assert cli.main(["audit-verify", "--partition", log.partition]) == 0
    assert "audit log intact: 3 entries" in capsys.readouterr().out
    item(log, 2).delete()
    assert cli.main(["audit-verify", "--partition", log.partition]) == 1
    out = capsys.readouterr().out
    assert "first broken link: entry 2" in out
    assert "entry 2 is missing" in out


def test_audit_verify_uses_make_devs_settings_for_the_port(
    log: AuditLog, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shell that exported make dev's table and port (no endpoint) verifies that DynamoDB Local."""
    port = urlsplit(str(settings.dynamodb_endpoint)).port
    monkeypatch.delenv("TETHER_DYNAMODB_ENDPOINT", raising=False)
    monkeypatch.setenv("TETHER_DYNAMODB_PORT", str(port))
    monkeypatch.setenv("TETHER_TABLE", settings.table_name)
    fill(log, 2)
    assert cli.main(["audit-verify", "--partition", log.partition]) == 0
    assert f"audit log intact: 2 entries verified in {settings.table_name}" in capsys.readouterr().out


def test_audit_verify_says_plainly_that_dynamodb_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.delenv("TETHER_DYNAMODB_ENDPOINT", raising=False)
    monkeypatch.setenv("TETHER_DYNAMODB_PORT", str(port))
    assert cli.main(["audit-verify"]) == 1
    captured = capsys.readouterr()
    assert f"cannot reach DynamoDB at http://127.0.0.1:{port}" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "Busy" not in captured.err + captured.out


def test_the_audit_key_is_never_the_public_dev_key_outside_dev() -> None:
    from tether.secrets import DEV_AUDIT_KEY, audit_key

    prod = Settings(stage="prod", cursor_secret="a-prod-cursor-key")
    derived = audit_key(prod)
    assert derived != DEV_AUDIT_KEY  # derived from the cursor key when the audit key is unset
    own = audit_key(Settings(stage="prod", cursor_secret="a-prod-cursor-key", audit_secret="an-audit-key"))
    assert own not in (derived, DEV_AUDIT_KEY)
    assert audit_key(Settings()) == DEV_AUDIT_KEY
