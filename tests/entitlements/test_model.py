"""Entitlement status by an injected clock, and store states merged in any order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from ulid import ULID

from tether.entitlements.model import Source, Status, status
from tether.entitlements.plans import ChatBudget, Plans
from tether.entitlements.service import Entitlements, Grant
from tether.errors import ConfigurationError
from tether.services import Services
from tether.storage.heads import read_head
from tether.storage.keys import user_key

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_status_follows_the_clock_through_grace_to_expiry(services: Services, clock: object) -> None:
    entitlements = services.entitlements
    account = f"user-{ULID()}"
    expires = START + timedelta(days=30)
    [record] = entitlements.apply(
        account,
        Grant(
            ("premium",),
            Source.APP_STORE,
            "1000",
            START,
            expires_at=expires,
            grace_expires_at=expires + timedelta(days=6),
        ),
    )
    assert status(record, START) is Status.ACTIVE
    assert status(record, expires - timedelta(seconds=1)) is Status.ACTIVE
    assert status(record, expires) is Status.GRACE
    assert status(record, expires + timedelta(days=6)) is Status.EXPIRED
    [revoked] = entitlements.apply(
        account,
        Grant(
            ("premium",),
            Source.APP_STORE,
            "1000",
            START + timedelta(days=1),
            expires_at=expires,
            revoked_at=START + timedelta(days=1),
            reason="REFUND",
        ),
    )
    assert status(revoked, START + timedelta(days=2)) is Status.REVOKED


STATES = [
    Grant(
        ("premium",), Source.APP_STORE, "77", START, expires_at=START + timedelta(days=30), reason="PURCHASED"
    ),
    Grant(
        ("premium",),
        Source.APP_STORE,
        "77",
        START + timedelta(days=30),
        expires_at=START + timedelta(days=60),
        reason="RENEWED",
    ),
    Grant(
        ("premium",),
        Source.APP_STORE,
        "77",
        START + timedelta(days=40),
        expires_at=START + timedelta(days=60),
        revoked_at=START + timedelta(days=40),
        reason="REFUND",
    ),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(STATES)))))
def test_store_states_merge_to_the_latest_in_every_order(services: Services, order: tuple[int, ...]) -> None:
    entitlements = services.entitlements
    account = f"user-{ULID()}"
    for index in order:
        entitlements.apply(account, STATES[index])
        entitlements.apply(account, STATES[index])  # a store retry: the same state again
    [record] = entitlements.records(account)
    assert record.data["reason"] == "REFUND"
    assert status(record, START + timedelta(days=41)) is Status.REVOKED
    # Re-saving the state it has, or an older one, writes nothing.
    version = record.version
    entitlements.apply(account, STATES[0])
    entitlements.apply(account, STATES[2])
    assert entitlements.records(account)[0].version == version


def test_a_grant_is_a_server_write_in_the_accounts_feed(services: Services) -> None:
    account = f"user-{ULID()}"
    services.entitlements.apply(account, STATES[0])
    pulled = services.sync.pull(account, "phone", None)
    assert [(record.collection, record.id) for record in pulled.records] == [
        ("entitlement", "premium:APP_STORE:77")
    ]
    assert read_head(user_key(account)).seq == 1


def test_the_plans_file_is_checked_at_startup() -> None:
    with pytest.raises(ConfigurationError, match="undeclared entitlements: gold"):
        Plans.parse({"entitlements": {"premium": {}}, "products": {"p1": ["gold"]}})
    with pytest.raises(ConfigurationError, match="dailyMessages"):
        Plans.parse({"entitlements": {"premium": {"chat": {"dailyTokens": 5}}}})
    plans = Plans.parse(
        {
            "entitlements": {
                "a": {"chat": {"dailyMessages": 5, "dailyTokens": 10}},
                "b": {"chat": {"dailyMessages": 2, "dailyTokens": 90}},
            },
            "features": {"x": ["b"]},
        }
    )
    default = ChatBudget(1, 1)
    assert plans.chat_budget(["a", "b"], default) == ChatBudget(5, 90)  # the best of each
    assert plans.chat_budget([], default) == default
    assert plans.features_of(["a"]) == []
    assert plans.features_of(["b"]) == ["x"]
    assert Plans.load().entitlements.keys() == {"premium"}  # the bundled file


def test_a_profile_is_covered_by_the_account_that_owns_it(services: Services) -> None:
    guardian, learner = f"user-{ULID()}", f"profile-{ULID()}"
    services.entitlements.apply(guardian, Grant(("premium",), Source.ADMIN, "grant", START))
    covered = Entitlements(
        services.sync,
        services.entitlements.plans,
        default_chat=ChatBudget(1, 1),
        owner=lambda profile: guardian if profile == learner else profile,
        clock=lambda: START + timedelta(days=1),
    )
    assert covered.access(learner).names == {"premium"}
    assert covered.access(learner).account_id == guardian
