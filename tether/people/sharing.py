"""How a sync operation reaches a profile: whose partition, which device position, which extra
keys its one BatchGetItem reads, and what its transaction must still find (docs/people.md#sync-per-profile)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tether.errors import Forbidden
from tether.people.access import Access, check_profile_id, decide, own
from tether.storage import people as store
from tether.storage.audit import Operation
from tether.storage.base import TetherModel
from tether.storage.clients import ClientState
from tether.storage.keys import client_key, user_key


@dataclass(frozen=True)
class Scope:
    """One account syncing one profile (its own when `profile_id` is the account's id)."""

    account_id: str
    profile_id: str

    @classmethod
    def of(cls, account_id: str, profile_id: str | None) -> Scope:
        if profile_id is None or profile_id == account_id:
            return cls(account_id, account_id)
        return cls(account_id, check_profile_id(profile_id))

    @property
    def shared(self) -> bool:
        return self.profile_id != self.account_id

    @property
    def partition(self) -> str:
        return user_key(self.profile_id)

    def client(self, client_id: str) -> str:
        """The device's id in the profile's partition: the owner's as it is; a member's together
        with its account (`#` is never part of a clientId), so exactly-once holds per (profile,
        account, clientId) and no member can move another's position."""
        return client_id if not self.shared else f"{client_id}#{self.account_id}"

    def keys(self, client_id: str) -> list[tuple[str, str]]:
        """What the operation's BatchGetItem reads besides its own items: the membership, the
        account's mark, and the device in the account's own partition (revoked there = revoked)."""
        if not self.shared:
            return []
        return [
            *store.access_keys(self.profile_id, self.account_id),
            (user_key(self.account_id), client_key(client_id)),
        ]

    def binding(self) -> str:
        """What a cursor is signed for: the account alone for its own profile (unchanged), else
        (account, profile)."""
        return self.account_id if not self.shared else f"{self.account_id}\x1f{self.profile_id}"

    def decide(self, items: Iterable[TetherModel], client_id: str) -> Access:
        """The access the batch's items show, or FORBIDDEN (ACCESS_REVOKED, PROFILE_UNREACHABLE,
        DEVICE_REVOKED)."""
        if not self.shared:
            return own(self.account_id)
        found = list(items)
        access = decide(
            self.profile_id, self.account_id, store.access_from(found, self.profile_id, self.account_id)
        )
        device = user_key(self.account_id), client_key(client_id)
        if any(isinstance(i, ClientState) and (i.pk, i.sk) == device and i.revoked for i in found):
            raise Forbidden("This device was signed out; sign in again", reason="DEVICE_REVOKED")
        return access

    def conditions(self, access: Access) -> list[Operation]:
        """What a push transaction must still find: the membership as it was read."""
        if not self.shared:
            return []
        return [store.member_unchanged(self.profile_id, self.account_id, access.generation)]
