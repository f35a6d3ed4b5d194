"""The roles table is data, and docs/people.md shows exactly that data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.collections import COLLECTIONS
from tether.errors import BadUserInput
from tether.people.roles import EVERYTHING, ROLES, Area, Role, area_of, grant_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "people.md"


def _cell(areas: frozenset[Area]) -> str:
    if areas == EVERYTHING:
        return "everything"
    return ", ".join(sorted(area.name for area in areas)) or "nothing"


def test_docs_show_the_roles_table_of_the_code() -> None:
    lines = DOCS.read_text().splitlines()
    start = lines.index("| role | read | write | chat |")
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        role, read, write, chat = (cell.strip() for cell in line.strip("|").split("|"))
        rows[role] = (read, write, chat)
    assert rows == {
        role.value: (_cell(grant.read), _cell(grant.write), "yes" if grant.chat else "no")
        for role, grant in ROLES.items()
    }


def test_every_collection_of_a_profile_belongs_to_an_area() -> None:
    shared = {"collection", "track"}  # the catalog: not a profile's data
    account_only = {"entitlement"}  # the account's own purchases and grants: never shared with members
    for collection in COLLECTIONS:
        unshared = collection.name in shared | account_only
        assert (area_of(collection.name) is None) == unshared, collection.name


def test_a_grant_narrows_but_never_widens_beyond_the_role() -> None:
    narrowed = grant_for(Role.TEACHER, read=frozenset({Area.PIECES}), write=frozenset())
    assert (narrowed.read, narrowed.write) == (frozenset({Area.PIECES}), frozenset())
    chat = grant_for(Role.CAREGIVER, read=ROLES[Role.CAREGIVER].read | {Area.CHAT})
    assert Area.CHAT in chat.read  # the private areas may be granted explicitly
    with pytest.raises(BadUserInput):
        grant_for(Role.CAREGIVER, write=frozenset({Area.PIECES}))
    with pytest.raises(BadUserInput):
        grant_for(Role.TEACHER, read=frozenset({Area.PROGRESS}), write=frozenset({Area.PIECES}))
