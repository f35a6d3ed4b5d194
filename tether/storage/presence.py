"""Presence: recording that a device synced (lastSyncAt) outside any push."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import UpdateError

from tether.model.device import DeviceInfo
from tether.storage.base import guard
from tether.storage.clients import ClientState, sync_actions
from tether.storage.keys import client_key


def touch_client(pk: str, client_id: str, now: datetime, device: DeviceInfo | None) -> None:
    """Record that a device synced (lastSyncAt, and what it says about itself): one UpdateItem.

    Creates the device on its first pull; never touches its mutation position, and leaves a device
    that was revoked meanwhile as it is.
    """
    item = ClientState(pk=pk, sk=client_key(client_id), client_id=client_id)
    try:
        guard(
            lambda: item.update(
                actions=sync_actions(client_id, now, None, device),
                condition=ClientState.pk.does_not_exist() | (ClientState.revoked == False),  # noqa: E712
            )
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
