"""The account services of one deployment (docs/accounts.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tether.accounts.consents import Consents, parse_requirements
from tether.accounts.devices import Devices
from tether.accounts.directory import build_directory
from tether.accounts.erasure import Erasure
from tether.accounts.export import Exports
from tether.accounts.gate import AccountGate
from tether.accounts.grace import DeletionGrace
from tether.accounts.profiles import Profiles
from tether.accounts.signout import SignOut
from tether.audit import AuditLog
from tether.media import Media
from tether.people.estate import Estate
from tether.settings import Settings


class Accounts:
    """The account services of one deployment, built once per process (see tether/services.py)."""

    def __init__(
        self,
        settings: Settings,
        log: AuditLog,
        media: Media | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        estate: Estate | None = None,
        gate: AccountGate | None = None,
    ) -> None:
        self.media = media or Media(settings)
        self.profiles = Profiles(log, timedelta(seconds=settings.presence_interval_seconds), clock)
        self.devices = Devices(log)
        directory = build_directory(settings)
        self.consents = Consents(log, parse_requirements(settings.required_consents), clock)
        self.exports = Exports(self.media, log, self.profiles, clock, estate=estate)
        self.erasure = Erasure(settings, log, self.media, estate=estate)
        self.grace = DeletionGrace(
            self.erasure,
            directory,
            log,
            grace=timedelta(days=settings.erasure_grace_days),
            clock=clock,
            gate=gate,
        )
        self.signout = SignOut(
            lambda user_id: self.gate.forget(user_id),
            directory,
            log,
            remember=timedelta(days=settings.revoked_sign_in_days),
            clock=clock,
        )

    @property
    def gate(self) -> AccountGate:
        """This container's account gate (revoked sign-ins and the deletion lock, one cached read)."""
        return self.grace.gate
