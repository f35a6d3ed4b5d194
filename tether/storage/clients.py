"""A client (device) item: one app installation, its exactly-once position and what it says of itself."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.update import Action

from tether.model.device import ClientInfo, DeviceInfo
from tether.storage.base import TetherModel, guard
from tether.storage.keys import client_key


class ClientState(TetherModel, discriminator="client"):
    """`USER#<sub>` / `CLIENT#<id>`: one app installation (device) and its exactly-once position."""

    client_id = UnicodeAttribute()
    last_mutation_id = NumberAttribute(default=0)
    first_seen_at = UTCDateTimeAttribute(null=True)
    last_sync_at = UTCDateTimeAttribute(null=True)
    revoked = BooleanAttribute(default=False)
    name = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    app_version = UnicodeAttribute(null=True)
    sign_in = UnicodeAttribute(null=True)  # the origin_jti of the sign-in that last synced on it


def to_client_info(item: TetherModel | None) -> ClientInfo:
    """The ClientInfo of a client item; a blank one (exists=False) for a client not seen yet."""
    if not isinstance(item, ClientState):
        return ClientInfo()
    return ClientInfo(
        last_mutation_id=int(item.last_mutation_id or 0),
        revoked=bool(item.revoked),
        exists=True,
        first_seen_at=item.first_seen_at,
        last_sync_at=item.last_sync_at,
        device=DeviceInfo(item.name, item.platform, item.app_version, item.sign_in),
    )


def read_client(pk: str, client_id: str) -> ClientState | None:
    """The client item (one strongly consistent GetItem), None when the client is new."""
    try:
        return guard(lambda: ClientState.get(pk, client_key(client_id), consistent_read=True))
    except ClientState.DoesNotExist:
        return None


def sync_actions(
    client_id: str, now: datetime, last_mutation_id: int | None, device: DeviceInfo | None
) -> list[Action]:
    """The update of a client that synced now: created if new (first seen now), lastSyncAt, what
    the app says about itself, and its mutation position (left as it is when `last_mutation_id` is
    None). An update does not write the model's type itself, so it is set here."""
    position = ClientState.last_mutation_id | 0 if last_mutation_id is None else last_mutation_id
    return [
        ClientState.item_type.set(ClientState),
        ClientState.client_id.set(client_id),
        ClientState.last_mutation_id.set(position),
        ClientState.first_seen_at.set(ClientState.first_seen_at | now),
        ClientState.last_sync_at.set(now),
        ClientState.revoked.set(ClientState.revoked | False),
        *_device_actions(device),
    ]


def _device_actions(device: DeviceInfo | None) -> list[Action]:
    """What the app says about itself: only the parts it sent."""
    if device is None:
        return []
    return [
        attribute.set(value)
        for attribute, value in (
            (ClientState.name, device.name),
            (ClientState.platform, device.platform),
            (ClientState.app_version, device.app_version),
            (ClientState.sign_in, device.sign_in),
        )
        if value is not None
    ]
