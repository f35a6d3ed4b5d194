"""What a push or a pull admits with its first read: the caller's sign-in and account state.

The engine knows nothing of sign-ins or deletions. A `Gate` (tether/accounts/gate.py builds one
per request) names the items to read in the push's or pull's own first BatchGetItem, so admitting
the caller costs no round trip, and the sign-in to bind the device to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from tether.model.device import DeviceInfo
from tether.storage.base import TetherModel


class Gate(Protocol):
    @property
    def keys(self) -> Sequence[tuple[str, str]]:
        """The items to read with the first BatchGetItem."""
        ...

    @property
    def sign_in(self) -> str | None:
        """The caller's sign-in (`origin_jti`), recorded on the device item it syncs with."""
        ...

    def admit(self, items: Sequence[TetherModel]) -> None:
        """Raise if the items read refuse the caller (a revoked sign-in, a locked account)."""
        ...


def gate_keys(gate: Gate | None) -> list[tuple[str, str]]:
    return list(gate.keys) if gate is not None else []


def bind_device(device: DeviceInfo | None, gate: Gate | None) -> DeviceInfo | None:
    """The device description with the caller's sign-in (written only where the device item is)."""
    if gate is None or gate.sign_in is None:
        return device
    return replace(device or DeviceInfo(), sign_in=gate.sign_in)
