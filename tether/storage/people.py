"""Profiles, memberships, invites and access logs in DynamoDB (docs/people.md#storage).

A profile's items live in its partition `USER#<profileId>` (the account's own profile is the
account's partition, so nothing moves). Each membership is written twice, in one transaction:
`MEMBER#<account>` in the profile's partition (what every read and write of the profile checks,
in the same BatchGetItem as the items the operation reads) and `REACH#<profile>` in the member's
own partition (the `profiles` list, and the mark an account keeps after losing access).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from tether.storage.audit import Operation
from tether.storage.base import TetherModel, batch_get, client
from tether.storage.base import guard as _guard
from tether.storage.keys import user_key

__all__ = ["user_key"]

INFO = "PEOPLE#PROFILE"
MEMBER_PREFIX = "MEMBER#"
REACH_PREFIX = "REACH#"
ACCESS_PREFIX = "ACCESS#"
INVITE_REF_PREFIX = "INVITE#"
GUESS_PREFIX = "INVITEGUESS#"
INVITE_SK = "INVITE"


def member_key(account_id: str) -> str:
    return f"{MEMBER_PREFIX}{account_id}"


def reach_key(profile_id: str) -> str:
    return f"{REACH_PREFIX}{profile_id}"


def invite_pk(digest: str) -> str:
    return f"INVITE#{digest}"


class ProfileInfoItem(TetherModel, discriminator="people_profile"):
    """`USER#<profile>` / `PEOPLE#PROFILE`: a managed profile (a learner without a sign-in)."""

    name = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class MemberItem(TetherModel, discriminator="member"):
    """`USER#<profile>` / `MEMBER#<account>`: a role on the profile, and its (narrowed) grant.

    `grant` counts the changes of this membership: a cursor carries the value it was issued
    under, and a pull with another value starts over (the device drops what it may no longer read).
    """

    account_id = UnicodeAttribute()
    role = UnicodeAttribute()
    read = ListAttribute[str](default=list)
    write = ListAttribute[str](default=list)
    grant = NumberAttribute(default=1)
    granted_at = UTCDateTimeAttribute()
    granted_by = UnicodeAttribute()
    name = UnicodeAttribute(null=True)


class ReachItem(TetherModel, discriminator="reach"):
    """`USER#<account>` / `REACH#<profile>`: a profile the account can reach (or could, `revoked`)."""

    profile_id = UnicodeAttribute()
    role = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    managed = BooleanAttribute(default=False)
    revoked = BooleanAttribute(default=False)
    changed_at = UTCDateTimeAttribute()


class InviteItem(TetherModel, discriminator="invite"):
    """`INVITE#<sha256 of the code>` / `INVITE`: a one-time invite (the code itself is never stored)."""

    profile_id = UnicodeAttribute()
    role = UnicodeAttribute()
    read = ListAttribute[str](null=True)
    write = ListAttribute[str](null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    used_by = UnicodeAttribute(null=True)
    used_at = UTCDateTimeAttribute(null=True)


class InviteRefItem(TetherModel, discriminator="invite_ref"):
    """`USER#<profile>` / `INVITE#<digest>`: so that erasing the profile removes its open invites."""

    digest = UnicodeAttribute()


class GuessItem(TetherModel, discriminator="invite_guesses"):
    """`USER#<account>` / `INVITEGUESS#<hour>`: failed invite codes tried in that hour."""

    failures = NumberAttribute(default=0)


class AccessItem(TetherModel, discriminator="access"):
    """`USER#<profile>` / `ACCESS#<time>#<ulid>`: who read or wrote what, when (never contents)."""

    account_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    operation = UnicodeAttribute()
    collections = ListAttribute[str](default=list)


@dataclass(frozen=True)
class StoredMember:
    profile_id: str
    account_id: str
    role: str
    read: tuple[str, ...]
    write: tuple[str, ...]
    grant: int
    granted_at: datetime
    granted_by: str
    name: str | None = None


@dataclass(frozen=True)
class StoredReach:
    profile_id: str
    role: str
    name: str | None
    managed: bool
    revoked: bool
    changed_at: datetime


@dataclass(frozen=True)
class StoredInfo:
    profile_id: str
    name: str
    owner_id: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class StoredInvite:
    digest: str
    profile_id: str
    role: str
    read: tuple[str, ...] | None
    write: tuple[str, ...] | None
    created_by: str
    created_at: datetime
    valid_until: datetime
    used_by: str | None


@dataclass(frozen=True)
class StoredAccess:
    key: str
    account_id: str
    at: datetime
    operation: str
    collections: tuple[str, ...]


@dataclass(frozen=True)
class AccessRead:
    """What one BatchGetItem says about an account and a profile (see `access_keys`)."""

    member: StoredMember | None
    reach: StoredReach | None


def profile_id_of(pk: str) -> str:
    return pk.removeprefix("USER#")


def _member(item: MemberItem) -> StoredMember:
    return StoredMember(
        profile_id=profile_id_of(item.pk),
        account_id=item.account_id,
        role=item.role,
        read=tuple(item.read or ()),
        write=tuple(item.write or ()),
        grant=int(item.grant or 1),
        granted_at=item.granted_at,
        granted_by=item.granted_by,
        name=item.name,
    )


def _reach(item: ReachItem) -> StoredReach:
    return StoredReach(
        profile_id=item.profile_id,
        role=item.role,
        name=item.name,
        managed=bool(item.managed),
        revoked=bool(item.revoked),
        changed_at=item.changed_at,
    )


def _info(item: ProfileInfoItem) -> StoredInfo:
    return StoredInfo(profile_id_of(item.pk), item.name, item.owner_id, item.created_by, item.created_at)


def _invite(item: InviteItem) -> StoredInvite:
    return StoredInvite(
        digest=item.pk.removeprefix("INVITE#"),
        profile_id=item.profile_id,
        role=item.role,
        read=tuple(item.read) if item.read is not None else None,
        write=tuple(item.write) if item.write is not None else None,
        created_by=item.created_by,
        created_at=item.created_at,
        valid_until=item.valid_until,
        used_by=item.used_by,
    )


# ---- the membership check, read with what an operation reads anyway


def access_keys(profile_id: str, account_id: str) -> list[tuple[str, str]]:
    """The keys that say whether `account_id` may reach `profile_id`: add them to the operation's
    own BatchGetItem (no round trip of their own)."""
    return [(user_key(profile_id), member_key(account_id)), (user_key(account_id), reach_key(profile_id))]


def access_from(items: Iterable[TetherModel], profile_id: str, account_id: str) -> AccessRead:
    """Pick the membership and the member's mark out of a batch's items."""
    member: StoredMember | None = None
    reach: StoredReach | None = None
    for item in items:
        if isinstance(item, MemberItem) and item.pk == user_key(profile_id) and item.account_id == account_id:
            member = _member(item)
        elif (
            isinstance(item, ReachItem) and item.pk == user_key(account_id) and item.profile_id == profile_id
        ):
            reach = _reach(item)
    return AccessRead(member, reach)


def batch(keys: Sequence[tuple[str, str]]) -> list[TetherModel]:
    """Items by key, strongly consistent: ONE BatchGetItem for up to 100 keys."""
    found: list[TetherModel] = []
    for start in range(0, len(keys), 100):
        chunk = list(dict.fromkeys(keys[start : start + 100]))
        found.extend(_guard(batch_get, chunk))
    return found


def read_access(
    profile_id: str, account_id: str, *also: tuple[str, str]
) -> tuple[AccessRead, list[TetherModel]]:
    """The membership (and the items `also` names) in one BatchGetItem."""
    items = batch([*access_keys(profile_id, account_id), *also])
    return access_from(items, profile_id, account_id), items


def info(profile_id: str) -> StoredInfo | None:
    try:
        item = _guard(lambda: ProfileInfoItem.get(user_key(profile_id), INFO, consistent_read=True))
    except ProfileInfoItem.DoesNotExist:
        return None
    return _info(item)


def infos(profile_ids: Sequence[str]) -> dict[str, StoredInfo]:
    found = batch([(user_key(pid), INFO) for pid in profile_ids])
    return {info.profile_id: info for info in (_info(i) for i in found if isinstance(i, ProfileInfoItem))}


def members(profile_id: str) -> list[StoredMember]:
    """Every membership of the profile, by account id (one Query per 1 MB)."""
    query = MemberItem.query(
        user_key(profile_id), MemberItem.sk.startswith(MEMBER_PREFIX), consistent_read=True
    )
    return [_member(item) for item in _guard(lambda: list(query)) if isinstance(item, MemberItem)]


def reaches(account_id: str) -> list[StoredReach]:
    """Every profile the account reaches or reached, by profile id."""
    query = ReachItem.query(user_key(account_id), ReachItem.sk.startswith(REACH_PREFIX), consistent_read=True)
    return [_reach(item) for item in _guard(lambda: list(query)) if isinstance(item, ReachItem)]


def reach_page(account_id: str, *, first: int, after: str | None) -> tuple[list[StoredReach], str | None]:
    """Up to `first` live reaches after the profile id `after`, by profile id; and where the next starts."""
    found: list[StoredReach] = []
    start: dict[str, Any] | None = (
        {"pk": {"S": user_key(account_id)}, "sk": {"S": reach_key(after)}} if after else None
    )
    while len(found) <= first:
        data = _guard(
            TetherModel._get_connection().query,
            user_key(account_id),
            range_key_condition=TetherModel.sk.startswith(REACH_PREFIX),
            consistent_read=True,
            exclusive_start_key=start,
            limit=first + 1 - len(found),
        )
        for raw in data.get("Items", []):
            item = TetherModel.from_raw_data(dict(raw))
            if isinstance(item, ReachItem) and not item.revoked:
                found.append(_reach(item))
        start = data.get("LastEvaluatedKey")
        if not start:
            break
    page = found[:first]
    return page, (page[-1].profile_id if len(found) > first else None)


# ---- writes (each an Operation: one item of an audited transaction)


def put_info(profile_id: str, name: str, owner_id: str, created_by: str, now: datetime) -> Operation:
    def add(transaction: TransactWrite) -> None:
        transaction.save(
            ProfileInfoItem(
                pk=user_key(profile_id),
                sk=INFO,
                name=name,
                owner_id=owner_id,
                created_by=created_by,
                created_at=now,
            ),
            condition=ProfileInfoItem.pk.does_not_exist(),
        )

    return add


def set_owner(profile_id: str, owner_id: str, previous: str) -> Operation:
    def add(transaction: TransactWrite) -> None:
        transaction.update(
            ProfileInfoItem(pk=user_key(profile_id), sk=INFO),
            actions=[ProfileInfoItem.owner_id.set(owner_id)],
            condition=ProfileInfoItem.owner_id == previous,
        )

    return add


def put_member(
    profile_id: str,
    account_id: str,
    *,
    role: str,
    read: Iterable[str],
    write: Iterable[str],
    grant: int,
    previous_grant: int | None,
    granted_by: str,
    now: datetime,
    name: str | None,
    profile_name: str | None,
    managed: bool,
) -> list[Operation]:
    """The membership and the member's mark, as two items of one transaction. `previous_grant`
    (None: there is none) conditions the write, so two changes of one membership never both win."""

    def add(transaction: TransactWrite) -> None:
        item = MemberItem(
            pk=user_key(profile_id),
            sk=member_key(account_id),
            account_id=account_id,
            role=role,
            read=sorted(read),
            write=sorted(write),
            grant=grant,
            granted_at=now,
            granted_by=granted_by,
            name=name,
        )
        condition = (
            MemberItem.pk.does_not_exist() if previous_grant is None else MemberItem.grant == previous_grant
        )
        transaction.save(item, condition=condition)
        transaction.save(
            ReachItem(
                pk=user_key(account_id),
                sk=reach_key(profile_id),
                profile_id=profile_id,
                role=role,
                name=profile_name,
                managed=managed,
                revoked=False,
                changed_at=now,
            )
        )

    return [add]


def remove_member(profile_id: str, account_id: str, grant: int, now: datetime) -> list[Operation]:
    """Delete the membership (conditioned on the grant that was read) and mark the member's reach
    revoked: its next pull or push of the profile is ACCESS_REVOKED."""

    def add(transaction: TransactWrite) -> None:
        transaction.delete(
            MemberItem(pk=user_key(profile_id), sk=member_key(account_id)),
            condition=MemberItem.grant == grant,
        )
        transaction.update(
            ReachItem(pk=user_key(account_id), sk=reach_key(profile_id)),
            actions=[ReachItem.revoked.set(True), ReachItem.changed_at.set(now), ReachItem.name.remove()],
            condition=ReachItem.pk.exists(),
        )

    return [add]


def mark_revoked(account_id: str, profile_id: str, now: datetime) -> None:
    """Mark one reach revoked (the profile is gone); a missing reach stays missing."""
    try:
        _guard(
            lambda: ReachItem(pk=user_key(account_id), sk=reach_key(profile_id)).update(
                actions=[ReachItem.revoked.set(True), ReachItem.changed_at.set(now), ReachItem.name.remove()],
                condition=ReachItem.pk.exists(),
            )
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def delete_member(profile_id: str, account_id: str) -> None:
    """Remove a membership outright (the member's account is being erased)."""
    _guard(lambda: MemberItem(pk=user_key(profile_id), sk=member_key(account_id)).delete())


def put_invite(invite: StoredInvite, expires_at: datetime) -> Operation:
    def add(transaction: TransactWrite) -> None:
        transaction.save(
            InviteItem(
                pk=invite_pk(invite.digest),
                sk=INVITE_SK,
                profile_id=invite.profile_id,
                role=invite.role,
                read=list(invite.read) if invite.read is not None else None,
                write=list(invite.write) if invite.write is not None else None,
                created_by=invite.created_by,
                created_at=invite.created_at,
                valid_until=invite.valid_until,
                expires_at=expires_at,
            ),
            condition=InviteItem.pk.does_not_exist(),
        )
        transaction.save(
            InviteRefItem(
                pk=user_key(invite.profile_id),
                sk=f"{INVITE_REF_PREFIX}{invite.digest}",
                digest=invite.digest,
                expires_at=expires_at,
            )
        )

    return add


def use_invite(digest: str, account_id: str, now: datetime) -> Operation:
    """Spend the invite: only once, only before its time is up."""

    def add(transaction: TransactWrite) -> None:
        transaction.update(
            InviteItem(pk=invite_pk(digest), sk=INVITE_SK),
            actions=[InviteItem.used_by.set(account_id), InviteItem.used_at.set(now)],
            condition=InviteItem.pk.exists()
            & InviteItem.used_by.does_not_exist()
            & (InviteItem.valid_until > now),
        )

    return add


def invite_and_guesses(digest: str, account_id: str, window: str) -> tuple[StoredInvite | None, int]:
    """The invite of a code and the account's failed tries this hour: one BatchGetItem."""
    items = batch([(invite_pk(digest), INVITE_SK), (user_key(account_id), f"{GUESS_PREFIX}{window}")])
    invite = next((_invite(item) for item in items if isinstance(item, InviteItem)), None)
    guesses = next((int(item.failures or 0) for item in items if isinstance(item, GuessItem)), 0)
    return invite, guesses


def count_failure(account_id: str, window: str, expires_at: datetime) -> None:
    """One more failed try this hour (one UpdateItem; the item expires with its hour)."""
    item = GuessItem(pk=user_key(account_id), sk=f"{GUESS_PREFIX}{window}")
    _guard(
        lambda: item.update(
            actions=[
                GuessItem.item_type.set(GuessItem),
                GuessItem.failures.add(1),
                GuessItem.expires_at.set(expires_at),
            ]
        )
    )


def invite_refs(profile_id: str) -> list[str]:
    query = InviteRefItem.query(
        user_key(profile_id), InviteRefItem.sk.startswith(INVITE_REF_PREFIX), consistent_read=True
    )
    return [item.digest for item in _guard(lambda: list(query)) if isinstance(item, InviteRefItem)]


def delete_invite(digest: str) -> None:
    _guard(lambda: InviteItem(pk=invite_pk(digest), sk=INVITE_SK).delete())


# ---- the access log


def _access_item(profile_id: str, entry: StoredAccess) -> AccessItem:
    return AccessItem(
        pk=user_key(profile_id),
        sk=f"{ACCESS_PREFIX}{entry.key}",
        account_id=entry.account_id,
        at=entry.at,
        operation=entry.operation,
        collections=sorted(set(entry.collections)),
    )


def log_access(profile_id: str, entry: StoredAccess) -> None:
    """One entry of the profile's access log (one PutItem)."""
    _guard(_access_item(profile_id, entry).save)


def access_page(profile_id: str, *, first: int, after: str | None) -> tuple[list[StoredAccess], str | None]:
    """Up to `first` entries, newest first, after the entry key `after`."""
    start = {"pk": {"S": user_key(profile_id)}, "sk": {"S": f"{ACCESS_PREFIX}{after}"}} if after else None
    data = _guard(
        lambda: TetherModel._get_connection().query(
            user_key(profile_id),
            range_key_condition=TetherModel.sk.startswith(ACCESS_PREFIX),
            consistent_read=True,
            exclusive_start_key=start,
            limit=first + 1,
            scan_index_forward=False,
        )
    )
    entries = []
    for raw in data.get("Items", []):
        item = TetherModel.from_raw_data(dict(raw))
        if isinstance(item, AccessItem):
            entries.append(
                StoredAccess(
                    item.sk.removeprefix(ACCESS_PREFIX),
                    item.account_id,
                    item.at,
                    item.operation,
                    tuple(item.collections or ()),
                )
            )
    page = entries[:first]
    return page, (page[-1].key if len(entries) > first else None)


# ---- the class overview: raw batch reads (counter items have attributes no model declares)


def raw_batch(keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Raw items by key, strongly consistent: one BatchGetItem per 100 keys (plus a retry of
    what DynamoDB leaves unprocessed, which only happens under throttling)."""
    table = str(TetherModel.Meta.table_name)
    found: list[dict[str, Any]] = []
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 100):
        request: dict[str, Any] = {
            table: {
                "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in unique[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        while request:
            data = _guard(client().batch_get_item, RequestItems=request)
            found.extend(data.get("Responses", {}).get(table, []))
            request = data.get("UnprocessedKeys") or {}
    return found


def log_accesses(entries: Sequence[tuple[str, StoredAccess]], token: str) -> None:
    """Entries of several profiles' access logs (profile, entry) in ONE request (a
    TransactWriteItems of up to 100 puts)."""
    if not entries:
        return
    transaction = TransactWrite(
        connection=TetherModel._get_connection().connection, client_request_token=token
    )
    for profile_id, entry in entries:
        transaction.save(_access_item(profile_id, entry))
    _guard(transaction._commit)


def member_unchanged(profile_id: str, account_id: str, grant: int) -> Operation:
    """A transaction's condition that the membership is still the one that was read: a revocation
    or a changed grant committed meanwhile cancels the whole transaction."""

    def add(transaction: TransactWrite) -> None:
        transaction.condition_check(
            MemberItem, user_key(profile_id), member_key(account_id), condition=MemberItem.grant == grant
        )

    return add
