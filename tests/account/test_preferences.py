"""Preferences: one synced record per user, merged field by field (and `custom` key by key)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id


def pull_preferences(device: Device) -> dict[str, Any] | None:
    found: dict[str, Any] | None = None
    while True:
        payload = device.pull()
        if payload["preferences"]:
            found = payload["preferences"][0]
        if not payload["hasMore"]:
            return found


def custom(preferences: dict[str, Any]) -> dict[str, str]:
    return {entry["key"]: entry["value"] for entry in preferences["custom"]}


def test_preferences_are_saved_pulled_and_shown_in_me(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.change(
        at(0),
        savePreferences={
            "language": "haw",
            "contentLanguage": "en-US",
            "timeZone": "Pacific/Honolulu",
            "notifications": True,
            "dailyGoalMinutes": 20,
            "custom": [{"key": "theme", "value": "dark"}, {"key": "voice.speed", "value": "0.9"}],
        },
    )
    result = phone.push()["results"][0]
    assert result["status"] == "APPLIED"
    saved = result["record"]
    assert saved["__typename"] == "Preferences"
    assert (saved["id"], saved["version"], saved["language"], saved["timeZone"]) == (
        "me",
        1,
        "haw",
        "Pacific/Honolulu",
    )
    assert saved["custom"] == [{"key": "theme", "value": "dark"}, {"key": "voice.speed", "value": "0.9"}]
    pulled = pull_preferences(Device(gql, "tablet"))
    assert pulled is not None
    assert {key: pulled[key] for key in saved if key != "__typename"} == {
        key: saved[key] for key in saved if key != "__typename"
    }
    me = gql.data(operation("Me"))["me"]["preferences"]
    assert me["dailyGoalMinutes"] == 20
    assert me["contentLanguage"] == "en-US"
    assert me["notifications"] is True


def test_preferences_edited_offline_on_two_devices_converge(gql: GraphQLClient) -> None:
    phone, tablet = Device(gql, "phone"), Device(gql, "tablet")
    phone.change(at(0), savePreferences={"language": "en", "custom": [{"key": "theme", "value": "light"}]})
    phone.push()
    pull_preferences(tablet)
    # Both offline now. The phone edits first, the tablet later; the tablet syncs first.
    phone.change(
        at(10),
        savePreferences={
            "language": "haw",
            "dailyGoalMinutes": 15,
            "custom": [{"key": "theme", "value": "dark"}, {"key": "font", "value": "large"}],
        },
    )
    tablet.change(
        at(20),
        savePreferences={
            "language": "ja",
            "timeZone": "Asia/Tokyo",
            "custom": [{"key": "font", "value": "small"}, {"key": "haptics", "value": "off"}],
        },
    )
    tablet.change(at(30), savePreferences={"custom": [{"key": "theme", "value": None}]})  # removed later
    assert [r["status"] for r in tablet.push()["results"]] == ["APPLIED", "APPLIED"]
    late = phone.push()["results"][0]
    assert late["status"] == "MERGED"  # its language, font and theme lost to the tablet's later edits
    assert sorted(late["conflictingFields"]) == ["custom", "language"]
    on_phone, on_tablet = pull_preferences(phone), pull_preferences(tablet)
    assert on_phone == on_tablet
    assert on_phone is not None
    assert on_phone["language"] == "ja"  # the later edit, though it synced first
    assert on_phone["timeZone"] == "Asia/Tokyo"
    assert on_phone["dailyGoalMinutes"] == 15  # different fields both win
    assert custom(on_phone) == {"font": "small", "haptics": "off"}  # key by key; theme removed last


def test_clearing_fields_and_every_custom_key(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.change(at(0), savePreferences={"timeZone": "UTC", "custom": [{"key": "a", "value": "1"}]})
    phone.change(at(1), savePreferences={"timeZone": None, "custom": None})
    record = phone.push()["results"][1]["record"]
    assert record["timeZone"] is None
    assert record["custom"] == []
    assert record["version"] == 2


def test_custom_holds_at_most_50_keys(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.change(at(0), savePreferences={"custom": [{"key": f"k{n}", "value": "v"} for n in range(40)]})
    phone.change(at(1), savePreferences={"custom": [{"key": f"other{n}", "value": "v"} for n in range(11)]})
    phone.change(at(2), savePreferences={"custom": [{"key": f"k{n}", "value": None} for n in range(10)]})
    results = phone.push()["results"]
    assert [r["status"] for r in results] == ["APPLIED", "REJECTED", "APPLIED"]
    assert results[1]["code"] == "TOO_MANY_KEYS"
    assert len(results[2]["record"]["custom"]) == 30


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"timeZone": "../../etc/passwd"}, "timeZone"),
        ({"language": "en_US"}, "language"),
        ({"language": "english"}, "language"),
        ({"contentLanguage": "xx-XX"}, "contentLanguage"),
        ({"dailyGoalMinutes": 1441}, "dailyGoalMinutes"),
        ({"custom": [{"key": "bad key", "value": "x"}]}, "custom"),
        ({"custom": [{"key": "a", "value": "x" * 1001}]}, "custom"),
        ({"custom": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}, "custom"),
        ({"custom": [{"key": f"k{n}", "value": "v"} for n in range(51)]}, "custom"),
    ],
)
def test_invalid_preferences_are_bad_user_input_and_nothing_is_applied(
    gql: GraphQLClient, change: dict[str, Any], field: str
) -> None:
    phone = Device(gql, "phone")
    phone.change(at(0), savePreferences={"notifications": False})
    phone.change(at(1), savePreferences=change)
    body = phone.push_raw()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == f"mutations[1].change.savePreferences.{field}"
    assert pull_preferences(Device(gql, "tablet")) is None


@pytest.mark.parametrize(
    ("first", "re_save", "older", "expected"),
    [
        # a field set to the value it already has, later
        ({"dailyGoalMinutes": 10}, {"dailyGoalMinutes": 10}, {"dailyGoalMinutes": 30}, {"goal": 10}),
        # a custom key set to the value it already has, later
        (
            {"custom": [{"key": "theme", "value": "dark"}]},
            {"custom": [{"key": "theme", "value": "dark"}]},
            {"custom": [{"key": "theme", "value": "light"}]},
            {"custom": {"theme": "dark"}},
        ),
        # a custom key removed again, later (it was already absent)
        (
            {"custom": [{"key": "theme", "value": None}]},
            {"custom": [{"key": "theme", "value": None}]},
            {"custom": [{"key": "theme", "value": "light"}]},
            {"custom": {}},
        ),
        # a key removed that was never set, later than an older set of it arriving afterwards
        (
            {"notifications": True},
            {"custom": [{"key": "theme", "value": None}]},
            {"custom": [{"key": "theme", "value": "light"}]},
            {"custom": {}},
        ),
    ],
)
def test_a_re_save_of_an_unchanged_preference_keeps_its_newer_time_in_every_order(
    client: Any,
    make_token: Any,
    first: dict[str, Any],
    re_save: dict[str, Any],
    older: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    """A sets; B re-saves the same later; C's older edit of it syncs before or after B: B wins."""
    for order in ("BC", "CB"):
        user = GraphQLClient(client, make_token(f"prefs-{order}-{new_id()}"))
        a, b, c = Device(user, "a"), Device(user, "b"), Device(user, "c")
        a.change(at(0), savePreferences=first)
        a.push()
        b.change(at(20), savePreferences=re_save)
        c.change(at(10), savePreferences=older)
        for name in order:
            {"B": b, "C": c}[name].push()
        pulled = pull_preferences(Device(user, "reader"))
        assert pulled is not None
        if "goal" in expected:
            assert pulled["dailyGoalMinutes"] == expected["goal"], order
        if "custom" in expected:
            assert custom(pulled) == expected["custom"], order
