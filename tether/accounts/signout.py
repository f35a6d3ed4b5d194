"""Signing out for real: `revokeDevice` refuses the device's clientId AND its sign-in (the
`origin_jti` its tokens carry, recorded by its first push or pull) for every operation;
`signOutEverywhere` refuses every token authenticated until now. In AWS the Cognito side follows:
RevokeToken for the refresh token the app hands over, AdminUserGlobalSignOut (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tether import audit
from tether.accounts.directory import SignInDirectory
from tether.auth import User
from tether.errors import BadUserInput, NotFound
from tether.identity import issuers
from tether.people.sharing import Scope
from tether.storage import accounts as store
from tether.storage import people, signins
from tether.storage.audit import Operation
from tether.storage.keys import client_key, user_key
from tether.storage.signins import SignIns
from tether.sync.engine import CLIENT_ID

MAX_REVOKED = 50  # revoked sign-ins kept per account (the oldest go first); keeps the item < 4 KB
MAX_REFRESH_TOKEN = 4096


@dataclass(frozen=True)
class SignedOut:
    """signOutEverywhere's answer: tokens authenticated up to `at` are refused; `directory` says
    whether the sign-in directory (Cognito) signed the user out too (refresh tokens revoked)."""

    at: datetime
    directory: bool


class SignOut:
    def __init__(
        self,
        forget: Callable[[str], None],
        directory: SignInDirectory,
        log: audit.AuditLog,
        *,
        remember: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # `forget`: this container's account gate reads the account again at its next request.
        self.forget, self.directory, self.audit = forget, directory, log
        self.remember, self.clock = remember, clock

    def revoke_device(
        self, user: User, client_id: str, refresh_token: str | None = None
    ) -> store.StoredDevice:
        """Refuse the device's clientId (push, pull) and its sign-in (every operation), and revoke
        the refresh token the app hands over. NOT_FOUND for an unknown id; revoking twice is
        harmless (audited once). The device, the account's sign-ins and the audit entry are
        written in one transaction."""
        if not CLIENT_ID.match(client_id):
            raise BadUserInput(
                "clientId must be 1-128 characters of letters, digits and . _ : -", field="clientId"
            )
        _check_refresh_token(refresh_token)
        pk = user_key(user.id)

        def prepare(attempt: int) -> Sequence[Operation] | None:
            device = store.get_device(pk, client_id)
            if device is not None:
                operations = [] if device.revoked else [store.revoke_device(pk, client_id)]
                sign_ins = {device.sign_in}
            else:
                seen = _seen_in_reached_profiles(user.id, client_id)
                if not seen:
                    raise NotFound("No device of yours has this clientId", field="clientId")
                latest = max(seen, key=lambda d: d.last_sync_at or datetime.min.replace(tzinfo=UTC))
                operations = [store.put_revoked_device(pk, client_id, latest)]
                sign_ins = {d.sign_in for d in seen}
            newly = sorted(s for s in sign_ins if s is not None)
            previous = self._sign_ins(user.id) if newly else None
            if previous is not None and any(s not in previous.revoked for s in newly):
                revoked = {**{s: self._now() for s in newly}, **previous.revoked}
                operations.append(signins.save(user.id, previous, self._kept(previous, revoked)))
            return operations or None

        self.audit.append(audit.DEVICE_REVOKED, user.id, {}, prepare)
        self.forget(user.id)  # this container refuses the sign-in from the next request on
        if refresh_token is not None:
            self.directory.revoke_token(refresh_token)
        device = store.get_device(pk, client_id)
        if device is None:  # erased meanwhile
            raise NotFound("No device of yours has this clientId", field="clientId")
        return device

    def everywhere(self, user: User) -> SignedOut:
        """Refuse every token of the account authenticated until now (`auth_time`, else `iat`): every
        device signs in again. In AWS, Cognito's AdminUserGlobalSignOut revokes the refresh tokens."""
        now = self._now()

        def prepare(attempt: int) -> Sequence[Operation]:
            previous = self._sign_ins(user.id)
            # Every revoked sign-in was authenticated before now: the cut-off refuses them all.
            return [signins.save(user.id, previous, replace(previous, signed_out_at=now, revoked={}))]

        self.audit.append(audit.SIGNED_OUT_EVERYWHERE, user.id, {}, prepare)
        self.forget(user.id)
        directory = False
        if self.directory.configured and user.issuer == issuers.COGNITO:
            directory = self.directory.global_sign_out(user.username or user.id)
        return SignedOut(datetime.fromtimestamp(now, UTC), directory)

    def _sign_ins(self, user_id: str) -> SignIns:
        return signins.from_items(signins.read_items([signins.key(user_id)]), user_id)

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _kept(self, previous: SignIns, revoked: Mapping[str, int]) -> SignIns:
        """The revoked sign-ins still worth refusing: younger than `remember` (a refresh token
        outlives no longer), the newest MAX_REVOKED."""
        oldest = self._now() - int(self.remember.total_seconds())
        alive = sorted(((at, origin) for origin, at in revoked.items() if at >= oldest), reverse=True)
        return replace(previous, revoked={origin: at for at, origin in alive[:MAX_REVOKED]})


def _check_refresh_token(token: str | None) -> None:
    if token is not None and not 0 < len(token) <= MAX_REFRESH_TOKEN:
        raise BadUserInput(
            f"refreshToken must be 1-{MAX_REFRESH_TOKEN} characters",
            field="refreshToken",
            limit=MAX_REFRESH_TOKEN,
        )


def _seen_in_reached_profiles(account_id: str, client_id: str) -> list[store.StoredDevice]:
    """The account's device of this clientId in the profiles it reaches (a member's device item is
    in the profile's partition): a device that never synced the account's own profile."""
    profiles = [reach.profile_id for reach in people.reaches(account_id)]
    keys = [(user_key(p), client_key(Scope(account_id, p).client(client_id))) for p in profiles]
    return store.devices_by_key(keys)
