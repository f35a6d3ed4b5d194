"""Devices: every clientId that pushes or pulls. Revoking one refuses its pushes and pulls for good."""

from __future__ import annotations

from collections.abc import Sequence

from tether import audit
from tether.errors import BadUserInput, NotFound
from tether.storage import accounts as store
from tether.storage.audit import Operation
from tether.storage.keys import user_key
from tether.sync.engine import CLIENT_ID

Device = store.StoredDevice


class Devices:
    def __init__(self, log: audit.AuditLog) -> None:
        self.audit = log

    def list(self, user_id: str) -> list[Device]:
        """Every device of the user (revoked ones too), by client id. The positions of other
        accounts' devices that sync this profile (`<clientId>#<account>`, docs/people.md) are theirs."""
        return [device for device in store.devices(user_key(user_id)) if "#" not in device.client_id]

    def revoke(self, user_id: str, client_id: str) -> Device:
        """Refuse this client's further pushes and pulls (a lost phone). NOT_FOUND for an unknown id;
        revoking twice is harmless. The device item and the audit entry are written together."""
        if not CLIENT_ID.match(client_id):
            raise BadUserInput(
                "clientId must be 1-128 characters of letters, digits and . _ : -", field="clientId"
            )
        pk = user_key(user_id)

        def prepare(attempt: int) -> Sequence[Operation] | None:
            device = store.get_device(pk, client_id)
            if device is None:
                raise NotFound("No device of yours has this clientId", field="clientId")
            if device.revoked:
                return None
            return [store.revoke_device(pk, client_id)]

        self.audit.append(audit.DEVICE_REVOKED, user_id, {}, prepare)
        device = store.get_device(pk, client_id)
        if device is None:  # erased meanwhile
            raise NotFound("No device of yours has this clientId", field="clientId")
        return device
