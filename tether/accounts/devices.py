"""Devices: every clientId that pushes or pulls. Revoking one (tether/accounts/signout.py) refuses its
pushes and pulls for good, and its sign-in everywhere."""

from __future__ import annotations

from tether import audit
from tether.storage import accounts as store
from tether.storage.keys import user_key

Device = store.StoredDevice


class Devices:
    def __init__(self, log: audit.AuditLog) -> None:
        self.audit = log

    def list(self, user_id: str) -> list[Device]:
        """Every device of the user (revoked ones too), by client id. The positions of other
        accounts' devices that sync this profile (`<clientId>#<account>`, docs/people.md) are theirs."""
        return [device for device in store.devices(user_key(user_id)) if "#" not in device.client_id]
