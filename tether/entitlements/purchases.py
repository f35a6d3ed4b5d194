"""Store purchases: redeemed by the app (`redeemPurchase`) and kept current by store notifications.

A purchase belongs to the first account that redeems it (its original transaction, or Play purchase
token): another account presenting it is FORBIDDEN. Each store state is applied with its own time
(the store's signedDate / event time), so a late or replayed older state never undoes a newer one
(a refunded purchase stays revoked when its old signed transaction is sent again). Notifications are
applied once by their id and answered 200 when they concern nothing this deployment sells.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from tether.entitlements.model import ENTITLEMENTS, Source, Status, record_id, status
from tether.entitlements.play import GRACE, REVOKED, USABLE, PlayApi, PlayState, PushVerifier
from tether.entitlements.service import Entitlements, Grant
from tether.errors import BadUserInput, ConfigurationError, Forbidden
from tether.model.record import Record
from tether.storage import purchases as store
from tether.telemetry import logger

if TYPE_CHECKING:
    from appstoreserverlibrary.models.JWSRenewalInfoDecodedPayload import JWSRenewalInfoDecodedPayload
    from appstoreserverlibrary.models.JWSTransactionDecodedPayload import JWSTransactionDecodedPayload
    from appstoreserverlibrary.models.ResponseBodyV2DecodedPayload import ResponseBodyV2DecodedPayload

    from tether.entitlements.apple import AppStore
    from tether.settings import Settings

REVOKING = {"REFUND", "REVOKE"}
REPLACED = "REPLACED"  # a Play purchase an upgrade or a new plan replaced (linkedPurchaseToken)


def from_millis(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def app_store_of(settings: Settings) -> Callable[[], AppStore | None]:
    """The deployment's App Store verifier, built on its first use: Apple's library (with cattrs,
    requests and asn1crypto, ~150 ms of imports) loads on the first App Store request, not at every
    cold start. Its configuration errors surface there (and in `AppStore.from_settings`'s tests)."""

    @cache
    def build() -> AppStore | None:
        from tether.entitlements.apple import AppStore

        return AppStore.from_settings(settings)

    return build


@dataclass(frozen=True)
class NotificationOutcome:
    """What became of one store notification (the route answers 200 for each of them)."""

    outcome: str  # APPLIED, DUPLICATE, IGNORED
    detail: str = ""


class Purchases:
    """Verifies purchases and applies them to accounts' entitlements (one per process)."""

    def __init__(
        self,
        entitlements: Entitlements,
        *,
        app_store: Callable[[], AppStore | None],
        play: PlayApi | None = None,
        play_package: str | None = None,
        push: PushVerifier | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.entitlements = entitlements
        self.app_store = app_store
        self.play = play
        self.play_package = play_package
        self.push = push
        self.clock = clock or entitlements.clock

    # ---- App Store

    def redeem_app_store(self, account_id: str, signed_transaction: str) -> list[Record]:
        """Verify a StoreKit 2 signed transaction and grant its product's entitlements to the account."""
        app_store = self._apple()
        if not isinstance(signed_transaction, str) or not 1 <= len(signed_transaction) <= 20_000:
            raise BadUserInput(
                "input.signedTransaction must be StoreKit's JWS", field="input.signedTransaction"
            )
        transaction = app_store.transaction(signed_transaction)
        names = self._names(transaction.productId, "input.signedTransaction")
        token = transaction.appAccountToken
        if token and token.lower() != account_id.lower():
            raise Forbidden(
                "This purchase was made for another account (its appAccountToken)",
                reason="PURCHASE_OF_ANOTHER_ACCOUNT",
            )
        grant = _apple_grant(transaction, None, names, transaction.signedDate, "PURCHASED")
        now = self.clock()
        if grant.revoked_at is not None:
            raise Forbidden("This purchase was refunded or revoked", reason="PURCHASE_REVOKED")
        if grant.expires_at is not None and grant.expires_at <= now:
            raise BadUserInput(
                f"This subscription expired at {grant.expires_at:%Y-%m-%d %H:%M} UTC; renew it in the App Store",
                field="input.signedTransaction",
                reason="PURCHASE_EXPIRED",
            )
        self._claim("APP_STORE", grant.ref, account_id, str(transaction.productId))
        return self._granted(account_id, grant)

    def app_store_notification(self, signed_payload: str) -> NotificationOutcome:
        """Apply an App Store Server Notification V2 (verified like a transaction), once."""
        app_store = self._apple()
        if not isinstance(signed_payload, str) or not 1 <= len(signed_payload) <= 100_000:
            raise BadUserInput("signedPayload is missing", field="signedPayload")
        notification = app_store.notification(signed_payload)
        notification_id = str(notification.notificationUUID or "")
        kind = str(notification.rawNotificationType or "")
        if not notification_id:
            raise BadUserInput("The notification has no notificationUUID", field="signedPayload")
        if store.was_applied("APP_STORE", notification_id):
            return NotificationOutcome("DUPLICATE")
        outcome = self._apply_apple(notification_id, kind, notification)
        store.mark_applied("APP_STORE", notification_id, kind, self.clock())
        return outcome

    def _apply_apple(
        self, notification_id: str, kind: str, notification: ResponseBodyV2DecodedPayload
    ) -> NotificationOutcome:
        app_store = self._apple()
        data = notification.data
        if data is None or not data.signedTransactionInfo:
            return NotificationOutcome("IGNORED", f"{kind}: no transaction")  # TEST, summaries...
        transaction = app_store.transaction(data.signedTransactionInfo, "signedTransactionInfo")
        renewal = app_store.renewal(data.signedRenewalInfo) if data.signedRenewalInfo else None
        names = self.entitlements.plans.granted_by(str(transaction.productId or ""))
        if not names:
            return NotificationOutcome("IGNORED", f"{kind}: a product the plans file doesn't sell")
        ref = str(transaction.originalTransactionId)
        account = store.claimed_by("APP_STORE", ref)
        if account is None and transaction.appAccountToken:
            token = transaction.appAccountToken.lower()
            account = store.claim("APP_STORE", ref, token, str(transaction.productId), self.clock())
        if account is None:
            logger.warning(
                "app store notification for an unknown account",
                extra={"notification": notification_id, "type": kind},
            )
            return NotificationOutcome("IGNORED", f"{kind}: no account (no appAccountToken, never redeemed)")
        subtype = notification.rawSubtype
        reason = f"{kind}.{subtype}" if subtype else kind
        grant = _apple_grant(transaction, renewal, names, notification.signedDate, reason[:60])
        if kind in REVOKING and grant.revoked_at is None:
            grant = _revoked(grant)
        self.entitlements.apply(account, grant)
        return NotificationOutcome("APPLIED", kind)

    # ---- Google Play

    def redeem_play(self, account_id: str, token: str, product_id: str) -> list[Record]:
        """Ask the Play Developer API what the token is worth; grant the product's entitlements."""
        play = self._play()
        if not 1 <= len(token) <= 4096:
            raise BadUserInput(
                "input.purchaseToken must be the Play Billing Library's token", field="input.purchaseToken"
            )
        names = self._names(product_id, "input.productId")
        state = PlayState.of(play.subscription(token), product_id)
        if state is None:
            raise BadUserInput(
                f"This purchase is not of {product_id!r}", field="input.productId", reason="WRONG_PRODUCT"
            )
        if state.account_hint and state.account_hint != account_id:
            raise Forbidden(
                "This purchase was made for another account (its obfuscatedAccountId)",
                reason="PURCHASE_OF_ANOTHER_ACCOUNT",
            )
        ref = token_ref(token)
        self._refuse_revoked(account_id, names, Source.PLAY, ref)
        if self._is_replaced(account_id, ref):
            raise Forbidden(
                "This subscription was replaced by an upgrade or a new plan; redeem the new purchase",
                reason="PURCHASE_REPLACED",
            )
        grant = _play_grant(state, names, ref, product_id, self.clock(), "PURCHASED")
        if state.state == "SUBSCRIPTION_STATE_PENDING":
            raise BadUserInput(
                "The payment is still pending; redeem it once it completes",
                reason="PURCHASE_PENDING",
                field="input.purchaseToken",
            )
        if (
            grant.expires_at is not None
            and grant.expires_at <= self.clock()
            and grant.grace_expires_at is None
        ):
            raise BadUserInput(
                "This subscription has expired", field="input.purchaseToken", reason="PURCHASE_EXPIRED"
            )
        self._claim("PLAY", ref, account_id, product_id)
        records = self._granted(account_id, grant)
        self._retire_replaced(account_id, state)
        if not state.acknowledged:
            play.acknowledge(product_id, token)
        return records

    def play_notification(self, authorization: str | None, body: Mapping[str, Any]) -> NotificationOutcome:
        """A Real-time Developer Notification pushed by Pub/Sub: verified, then applied once."""
        play = self._play()
        if self.push is None:
            raise ConfigurationError("RTDN pushes need TETHER_PLAY_PUSH_AUDIENCE")
        self.push.verify(authorization, self.clock())
        message = body.get("message")
        if not isinstance(message, Mapping) or not message.get("messageId"):
            raise BadUserInput("Not a Pub/Sub push: no message.messageId")
        message_id = str(message["messageId"])
        try:
            data = json.loads(base64.b64decode(str(message.get("data") or ""), validate=True))
        except (ValueError, binascii.Error):
            raise BadUserInput("message.data is not base64 JSON") from None
        if not isinstance(data, Mapping):
            raise BadUserInput("message.data is not a developer notification")
        if data.get("packageName") != self.play_package:
            return NotificationOutcome("IGNORED", "another app's notification")
        if store.was_applied("PLAY", message_id):
            return NotificationOutcome("DUPLICATE")
        outcome = self._apply_play(play, data)
        store.mark_applied("PLAY", message_id, outcome.detail or "RTDN", self.clock())
        return outcome

    def _apply_play(self, play: PlayApi, data: Mapping[str, Any]) -> NotificationOutcome:
        subscription = data.get("subscriptionNotification")
        voided = data.get("voidedPurchaseNotification")
        if isinstance(voided, Mapping) and voided.get("purchaseToken"):
            return self._void(str(voided["purchaseToken"]))
        if not isinstance(subscription, Mapping) or not subscription.get("purchaseToken"):
            return NotificationOutcome(
                "IGNORED", "TEST" if "testNotification" in data else "not a subscription"
            )
        token, product_id = str(subscription["purchaseToken"]), str(subscription.get("subscriptionId") or "")
        kind = f"RTDN_{subscription.get('notificationType')}"
        names = self.entitlements.plans.granted_by(product_id)
        if not names:
            return NotificationOutcome("IGNORED", f"{kind}: a product the plans file doesn't sell")
        ref = token_ref(token)
        state = PlayState.of(play.subscription(token), product_id)
        account = store.claimed_by("PLAY", ref)
        if account is None and state is not None and state.account_hint:
            account = store.claim("PLAY", ref, state.account_hint, product_id, self.clock())
        if account is None or state is None:
            return NotificationOutcome(
                "IGNORED", f"{kind}: no account (no obfuscatedAccountId, never redeemed)"
            )
        grant = _play_grant(state, names, ref, product_id, self.clock(), kind)
        if subscription.get("notificationType") == REVOKED:
            grant = _revoked(grant)
        elif self._is_revoked(account, names, ref):
            return NotificationOutcome("IGNORED", f"{kind}: already revoked")
        elif self._is_replaced(account, ref):
            return NotificationOutcome("IGNORED", f"{kind}: replaced by a newer purchase")
        self.entitlements.apply(account, grant)
        self._retire_replaced(account, state)
        return NotificationOutcome("APPLIED", kind)

    def _retire_replaced(self, account_id: str, state: PlayState) -> None:
        """An upgrade, downgrade or resubscription names the token it replaces (linkedPurchaseToken):
        that token's grants end now, so the account does not hold both plans until the old one expires.
        Only the account's own purchase is retired; a token it never redeemed changes nothing."""
        if state.replaces is None:
            return
        old = token_ref(state.replaces)
        if store.claimed_by("PLAY", old) != account_id:
            return
        now = self.clock()
        for record in self._records_of(account_id, old):
            if record.data.get("revoked_at") or record.data.get("reason") == REPLACED:
                continue
            expires = ENTITLEMENTS.value(record, "expires_at")
            grant = Grant(
                (str(record.data["name"]),),
                Source.PLAY,
                old,
                event_at=now,
                product_id=record.data.get("product_id"),
                expires_at=now if expires is None or expires > now else expires,
                reason=REPLACED,
                environment=record.data.get("environment"),
                will_renew=False,
            )
            self.entitlements.apply(account_id, grant)

    def _records_of(self, account_id: str, ref: str) -> list[Record]:
        return [
            record for record in self.entitlements.records(account_id) if record.id.endswith(f":PLAY:{ref}")
        ]

    def _is_replaced(self, account_id: str, ref: str) -> bool:
        return any(record.data.get("reason") == REPLACED for record in self._records_of(account_id, ref))

    def _void(self, token: str) -> NotificationOutcome:
        """A refunded or charged-back purchase: revoke what it granted."""
        ref = token_ref(token)
        account = store.claimed_by("PLAY", ref)
        if account is None:
            return NotificationOutcome("IGNORED", "VOIDED: never redeemed")
        now = self.clock()
        for record in self._records_of(account, ref):
            if not record.data.get("revoked_at"):
                names = (str(record.data["name"]),)
                grant = Grant(
                    names,
                    Source.PLAY,
                    ref,
                    event_at=now,
                    product_id=record.data.get("product_id"),
                    expires_at=ENTITLEMENTS.value(record, "expires_at"),
                    revoked_at=now,
                    reason="REFUND",
                )
                self.entitlements.apply(account, grant)
        return NotificationOutcome("APPLIED", "VOIDED")

    def _is_revoked(self, account_id: str, names: tuple[str, ...], ref: str) -> bool:
        ids = {record_id(name, Source.PLAY, ref) for name in names}
        return any(
            record.id in ids and record.data.get("revoked_at")
            for record in self.entitlements.records(account_id)
        )

    def _refuse_revoked(self, account_id: str, names: tuple[str, ...], source: Source, ref: str) -> None:
        """A revoked Play purchase stays revoked (a new purchase has a new token)."""
        if self._is_revoked(account_id, names, ref):
            raise Forbidden("This purchase was refunded or revoked", reason="PURCHASE_REVOKED")

    def _play(self) -> PlayApi:
        if self.play is None:
            raise BadUserInput(
                "Google Play purchases are not set up on this deployment (TETHER_PLAY_PACKAGE_NAME)",
                field="input.store",
                reason="STORE_NOT_CONFIGURED",
            )
        return self.play

    # ---- shared

    def _apple(self) -> AppStore:
        app_store = self.app_store()
        if app_store is None:
            raise BadUserInput(
                "App Store purchases are not set up on this deployment (TETHER_APPLE_BUNDLE_ID)",
                field="input.store",
                reason="STORE_NOT_CONFIGURED",
            )
        return app_store

    def _names(self, product_id: str | None, where: str) -> tuple[str, ...]:
        names = self.entitlements.plans.granted_by(str(product_id or ""))
        if not names:
            raise BadUserInput(
                f"The product {product_id!r} grants nothing here (the plans file's products)",
                field=where,
                reason="UNKNOWN_PRODUCT",
            )
        return names

    def _claim(self, source: str, ref: str, account_id: str, product_id: str) -> None:
        owner = store.claim(source, ref, account_id, product_id, self.clock())
        if owner != account_id:
            raise Forbidden(
                "This purchase was already redeemed by another account", reason="PURCHASE_CLAIMED"
            )

    def _granted(self, account_id: str, grant: Grant) -> list[Record]:
        records = self.entitlements.apply(account_id, grant)
        now = self.clock()
        if any(status(record, now) is Status.REVOKED for record in records):
            # A newer state (a refund) is stored: this older signed data changes nothing.
            raise Forbidden("This purchase was refunded or revoked", reason="PURCHASE_REVOKED")
        return records


def _apple_grant(
    transaction: JWSTransactionDecodedPayload,
    renewal: JWSRenewalInfoDecodedPayload | None,
    names: tuple[str, ...],
    signed_at: int | None,
    reason: str,
) -> Grant:
    event = from_millis(signed_at or transaction.signedDate) or datetime.now(UTC)
    revoked = from_millis(transaction.revocationDate)
    return Grant(
        names,
        Source.APP_STORE,
        str(transaction.originalTransactionId),
        event_at=event,
        product_id=transaction.productId,
        expires_at=from_millis(transaction.expiresDate),
        grace_expires_at=from_millis(renewal.gracePeriodExpiresDate) if renewal else None,
        revoked_at=revoked,
        reason="REFUND" if revoked is not None and reason == "PURCHASED" else reason,
        environment=transaction.rawEnvironment,
        will_renew=(renewal.rawAutoRenewStatus == 1)
        if renewal and renewal.rawAutoRenewStatus is not None
        else None,
    )


def _play_grant(
    state: PlayState, names: tuple[str, ...], ref: str, product_id: str, now: datetime, reason: str
) -> Grant:
    """The Play state as a grant, as of `now` (the API's answer is the current state)."""
    expires, grace = state.expires_at, None
    if state.state == GRACE:
        expires, grace = now, state.expires_at  # Play's expiryTime is the grace period's end
    elif state.state not in USABLE and (expires is None or expires > now):
        expires = now  # on hold, paused, pending: not usable now
    return Grant(
        names,
        Source.PLAY,
        ref,
        event_at=now,
        product_id=product_id,
        expires_at=expires,
        grace_expires_at=grace,
        reason=(state.state.removeprefix("SUBSCRIPTION_STATE_") if reason.startswith("RTDN") else reason)[
            :60
        ],
        environment="Test" if state.test else "Production",
        will_renew=state.will_renew,
    )


def _revoked(grant: Grant) -> Grant:
    return dataclasses.replace(grant, revoked_at=grant.event_at)


def token_ref(token: str) -> str:
    """A stable, short id of a Play purchase token (tokens are long and secret-ish)."""
    return hashlib.sha256(token.encode()).hexdigest()[:40]
