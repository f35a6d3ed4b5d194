"""Account items in the user's partition: the profile, consent history, and device (client) items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from tether.model.record import Record
from tether.storage.audit import Operation
from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.clients import ClientState
from tether.storage.heads import UserHead, positions_of
from tether.storage.keys import HEAD, client_key
from tether.storage.record_items import RecordItem, to_record

PROFILE = "PROFILE"
CONSENT_PREFIX = "CONSENT#"


class ProfileItem(TetherModel, discriminator="profile"):
    """`USER#<sub>` / `PROFILE`: when we first and last saw the user (name and email stay in the token)."""

    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()


class ConsentItem(TetherModel, discriminator="consent"):
    """`USER#<sub>` / `CONSENT#<kind>#<ULID>`: one consent decision; written once, never changed."""

    kind = UnicodeAttribute()
    granted = BooleanAttribute()
    version = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()


@dataclass(frozen=True)
class StoredProfile:
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class StoredConsent:
    key: str
    kind: str
    granted: bool
    version: str
    recorded_at: datetime


@dataclass(frozen=True)
class StoredDevice:
    client_id: str
    name: str | None
    platform: str | None
    app_version: str | None
    first_seen_at: datetime | None
    last_sync_at: datetime | None
    last_mutation_id: int
    revoked: bool
    sign_in: str | None = None  # the origin_jti of the sign-in that last synced on it


def _profile(item: ProfileItem) -> StoredProfile:
    return StoredProfile(item.created_at, item.last_seen_at)


def _consent(item: ConsentItem) -> StoredConsent:
    return StoredConsent(item.sk, item.kind, bool(item.granted), item.version, item.recorded_at)


def _device(item: ClientState, heads: Sequence[TetherModel] = ()) -> StoredDevice:
    """A device as its item shows it; its position from its partition's head when that has one
    (`heads`: the head item read with it)."""
    positions = positions_of(heads[0]) if heads else None
    position = positions.get(item.client_id) if positions else None
    return StoredDevice(
        client_id=item.client_id,
        name=item.name,
        platform=item.platform,
        app_version=item.app_version,
        first_seen_at=item.first_seen_at,
        last_sync_at=item.last_sync_at,
        last_mutation_id=position if position is not None else int(item.last_mutation_id or 0),
        revoked=bool(item.revoked),
        sign_in=item.sign_in,
    )


# ---- profile


def read_profile(pk: str, *record_keys: str) -> tuple[StoredProfile | None, dict[str, Record]]:
    """The profile and the named records (e.g. the preferences): one strongly consistent BatchGetItem."""
    keys = [(pk, PROFILE), *((pk, key) for key in record_keys)]
    profile: StoredProfile | None = None
    records: dict[str, Record] = {}
    for item in guard(batch_get, keys):
        if isinstance(item, ProfileItem):
            profile = _profile(item)
        elif isinstance(item, RecordItem):
            records[item.sk] = to_record(item)
    return profile, records


def profile_exists(pk: str) -> bool:
    return read_profile(pk)[0] is not None


def create_profile(pk: str, now: datetime) -> Operation:
    """The profile of a user seen for the first time (fails if another request created it first)."""

    def add(transaction: TransactWrite) -> None:
        transaction.save(
            ProfileItem(pk=pk, sk=PROFILE, created_at=now, last_seen_at=now),
            condition=ProfileItem.pk.does_not_exist(),
        )

    return add


def touch_profile(pk: str, now: datetime, before: datetime) -> bool:
    """Set lastSeenAt to `now` if it is older than `before` (one conditional UpdateItem)."""
    try:
        guard(
            lambda: ProfileItem(pk=pk, sk=PROFILE).update(
                actions=[ProfileItem.last_seen_at.set(now)],
                condition=ProfileItem.pk.exists() & (ProfileItem.last_seen_at < before),
            )
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False  # someone else refreshed it, or the account was just erased
        raise
    return True


# ---- consents


def put_consent(pk: str, key: str, kind: str, granted: bool, version: str, now: datetime) -> Operation:
    """A new consent decision under a fresh key: history is appended, never overwritten."""

    def add(transaction: TransactWrite) -> None:
        transaction.save(
            ConsentItem(pk=pk, sk=key, kind=kind, granted=granted, version=version, recorded_at=now),
            condition=ConsentItem.pk.does_not_exist(),
        )

    return add


def consent_key(kind: str, unique: str) -> str:
    return f"{CONSENT_PREFIX}{kind}#{unique}"


def get_consent(pk: str, key: str) -> StoredConsent | None:
    try:
        item = guard(lambda: ConsentItem.get(pk, key, consistent_read=True))
    except ConsentItem.DoesNotExist:
        return None
    return _consent(item)


def consents(pk: str, kind: str | None = None, *, newest_first: bool = True) -> list[StoredConsent]:
    """The consent history (of one kind, or all), by kind and then time."""
    prefix = CONSENT_PREFIX if kind is None else f"{CONSENT_PREFIX}{kind}#"
    query = ConsentItem.query(
        pk, ConsentItem.sk.startswith(prefix), consistent_read=True, scan_index_forward=not newest_first
    )
    return [_consent(item) for item in guard(lambda: list(query)) if isinstance(item, ConsentItem)]


def latest_consent(pk: str, kind: str) -> StoredConsent | None:
    """The user's latest decision on one kind (one Query of one item), or None."""
    query = ConsentItem.query(
        pk,
        ConsentItem.sk.startswith(f"{CONSENT_PREFIX}{kind}#"),
        consistent_read=True,
        scan_index_forward=False,
        limit=1,
    )
    found = [item for item in guard(lambda: list(query)) if isinstance(item, ConsentItem)]
    return _consent(found[0]) if found else None


# ---- devices


def devices(pk: str) -> list[StoredDevice]:
    """Every client (device) item of the partition, by client id, with the positions on its head."""
    query = ClientState.query(pk, ClientState.sk.startswith("CLIENT#"), consistent_read=True)
    items = [item for item in guard(lambda: list(query)) if isinstance(item, ClientState)]
    head = guard(batch_get, [(pk, HEAD)]) if items else []
    return [_device(item, head) for item in items]


def get_device(pk: str, client_id: str) -> StoredDevice | None:
    """The device and its position (the client item and the head: one BatchGetItem)."""
    items = guard(batch_get, [(pk, client_key(client_id)), (pk, HEAD)])
    head = [item for item in items if isinstance(item, UserHead)]
    found = [item for item in items if isinstance(item, ClientState)]
    return _device(found[0], head) if found else None


def devices_by_key(keys: list[tuple[str, str]]) -> list[StoredDevice]:
    """The client items of these (partition, client key)s that exist: ONE BatchGetItem per 100."""
    found: list[StoredDevice] = []
    for start in range(0, len(keys), 100):
        items = guard(batch_get, keys[start : start + 100])
        found.extend(_device(item) for item in items if isinstance(item, ClientState))
    return found


def put_revoked_device(pk: str, client_id: str, seen: StoredDevice) -> Operation:
    """Record, revoked, a device the account has not synced its own profile with (`seen`: its item
    in a profile it reaches): refused from then on there, as a revoked own device is."""

    def add(transaction: TransactWrite) -> None:
        transaction.save(
            ClientState(
                pk=pk,
                sk=client_key(client_id),
                client_id=client_id,
                revoked=True,
                first_seen_at=seen.first_seen_at,
                last_sync_at=seen.last_sync_at,
                name=seen.name,
                platform=seen.platform,
                app_version=seen.app_version,
                sign_in=seen.sign_in,
            ),
            condition=ClientState.pk.does_not_exist(),
        )
        _mark_revoked_on_head(transaction, pk, client_id)

    return add


def revoke_device(pk: str, client_id: str) -> Operation:
    """Mark a known, not yet revoked client as revoked (its pushes and pulls are refused from then on)."""

    def add(transaction: TransactWrite) -> None:
        transaction.update(
            ClientState(pk=pk, sk=client_key(client_id)),
            actions=[ClientState.revoked.set(True)],
            condition=ClientState.pk.exists() & (ClientState.revoked == False),  # noqa: E712
        )
        _mark_revoked_on_head(transaction, pk, client_id)

    return add


def _mark_revoked_on_head(transaction: TransactWrite, pk: str, client_id: str) -> None:
    """The revocation on the partition's head too: a push that leaves the client item out of its
    read (its position is on the head) is refused all the same, and one in flight fails its
    condition on the head."""
    transaction.update(
        UserHead(pk=pk, sk=HEAD),
        actions=[UserHead.item_type.set(UserHead), UserHead.revoked_clients.add({client_id})],
    )
