from datetime import datetime
from enum import Enum

import strawberry

from resolvers.account.records import Preferences
from resolvers.context import Info
from resolvers.entitlements.records import Entitlement
from resolvers.offload import offload
from tether.accounts.consents import Consent as CoreConsent
from tether.accounts.devices import Device as CoreDevice
from tether.accounts.erasure import ErasureResult
from tether.accounts.export import FORMAT, VERSION
from tether.accounts.export import DataExport as CoreDataExport
from tether.accounts.grace import Scheduled
from tether.accounts.profiles import Profile
from tether.accounts.signout import SignedOut
from tether.auth import User as CoreUser


@strawberry.type(
    description="The signed-in user: id, email and name from the token; the rest from the server."
)
class User:
    id: strawberry.ID
    email: str | None
    name: str | None
    is_admin: bool = strawberry.field(description="Member of the Cognito group `admin` (catalog editors).")
    created_at: datetime = strawberry.field(description="When the server first saw this user.")
    last_seen_at: datetime = strawberry.field(
        description="When the user was last seen (updated every few minutes)."
    )
    preferences: Preferences

    @strawberry.field(
        description="Every grant the account holds (expired and revoked ones too); also synced (`entitlements` of syncPull)."
    )
    async def entitlements(self, info: Info) -> list[Entitlement]:
        records = await offload(info.context.services.entitlements.records, str(self.id))
        return [Entitlement.from_record(record) for record in records]

    @strawberry.field(description="The named features the user's plan opens (from the plans file), sorted.")
    async def features(self, info: Info) -> list[str]:
        return sorted((await info.context.access()).features)

    @classmethod
    def from_core(cls, user: CoreUser, profile: Profile) -> "User":
        preferences = (
            Preferences.from_record(profile.preferences)
            if profile.preferences is not None
            else Preferences.unsaved(profile.created_at)
        )
        return cls(
            id=strawberry.ID(user.id),
            email=user.email,
            name=user.name,
            is_admin=user.is_admin,
            created_at=profile.created_at,
            last_seen_at=profile.last_seen_at,
            preferences=preferences,
        )


@strawberry.type(description="An app installation (a clientId that pushed or pulled).")
class Device:
    client_id: strawberry.ID
    name: str | None = strawberry.field(description="As the app describes itself (`device` of a push).")
    platform: str | None
    app_version: str | None
    first_seen_at: datetime | None
    last_sync_at: datetime | None = strawberry.field(
        description="The last push that changed something (pulls update it at most every few minutes)."
    )
    last_mutation_id: int
    revoked: bool = strawberry.field(
        description="Revoked devices can no longer push or pull, and their sign-in (if bound) nothing at all."
    )
    sign_in_bound: bool = strawberry.field(
        description="Whether the device is bound to its sign-in (its tokens carry `origin_jti`: Cognito): "
        "revoking it refuses that sign-in for every operation. False for Google and Apple sign-ins, "
        "where revoking refuses its clientId only; signOutEverywhere cuts off their tokens."
    )

    @classmethod
    def from_core(cls, device: CoreDevice) -> "Device":
        return cls(
            client_id=strawberry.ID(device.client_id),
            name=device.name,
            platform=device.platform,
            app_version=device.app_version,
            first_seen_at=device.first_seen_at,
            last_sync_at=device.last_sync_at,
            last_mutation_id=device.last_mutation_id,
            revoked=device.revoked,
            sign_in_bound=device.sign_in is not None,
        )


@strawberry.type(description="signOutEverywhere's answer.")
class SignedOutEverywhere:
    signed_out_at: datetime = strawberry.field(
        description="Every token authenticated at or before this time is refused (UNAUTHENTICATED, "
        "reason SESSION_REVOKED); signing in again afterwards works."
    )
    refresh_tokens_revoked: bool = strawberry.field(
        description="Whether the sign-in service (Cognito) signed the user out too, so no device can "
        "refresh its tokens (false locally and for Google or Apple sign-ins)."
    )

    @classmethod
    def from_core(cls, result: SignedOut) -> "SignedOutEverywhere":
        return cls(signed_out_at=result.at, refresh_tokens_revoked=result.directory)


@strawberry.type(description="One consent decision. Decisions are never overwritten; the latest counts.")
class Consent:
    kind: str = strawberry.field(
        description="What it is about: terms, privacy, ai_chat, analytics, research, ..."
    )
    granted: bool
    version: str = strawberry.field(description="The version of the policy the user saw.")
    recorded_at: datetime

    @classmethod
    def from_core(cls, consent: CoreConsent) -> "Consent":
        return cls(
            kind=consent.kind,
            granted=consent.granted,
            version=consent.version,
            recorded_at=consent.recorded_at,
        )


@strawberry.input
class RecordConsentInput:
    kind: str = strawberry.field(description="1-40 of a-z 0-9 _, starting with a letter.")
    granted: bool
    version: str = strawberry.field(description="Policy version: 1-40 of A-Z a-z 0-9 . _ : + -")
    profile_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A managed profile you are OWNER or GUARDIAN of (a learner's consents); default: your own.",
    )


@strawberry.type(description="A data export: one JSON document (format in docs/accounts.md).")
class DataExport:
    url: str = strawberry.field(description="Presigned download URL.")
    expires_at: datetime = strawberry.field(description="When the URL stops working (15 minutes).")
    format: str = strawberry.field(description="`tether-export`.")
    version: int = strawberry.field(description="The format's version.")
    size_bytes: int
    records: int = strawberry.field(description="Synced records in the export (tombstones included).")

    @classmethod
    def from_core(cls, export: CoreDataExport) -> "DataExport":
        return cls(
            url=export.url,
            expires_at=export.expires_at,
            format=FORMAT,
            version=VERSION,
            size_bytes=export.size,
            records=export.counts["records"],
        )


@strawberry.enum(description="Where one step of an erasure stands.")
class ErasureStatus(Enum):
    DONE = "DONE"
    ALREADY_DONE = "ALREADY_DONE"
    NOT_CONFIGURED = "NOT_CONFIGURED"
    PENDING = "PENDING"


@strawberry.type(
    description="What deleteMyAccount erased. `complete: false`: call it again to finish, or, with "
    "`scheduledFor` set, the account is locked and will be erased then (cancelAccountDeletion stops it)."
)
class AccountErasure:
    complete: bool
    items_deleted: int = strawberry.field(description="Database items deleted by this call.")
    objects_deleted: int = strawberry.field(description="S3 object versions deleted by this call.")
    media: ErasureStatus = strawberry.field(description="S3 objects under the user's prefix.")
    cognito_user: ErasureStatus = strawberry.field(
        description="The Cognito user (NOT_CONFIGURED locally, where there is no user pool)."
    )
    scheduled_for: datetime | None = strawberry.field(
        default=None, description="When a pending deletion erases the account (the grace period's end)."
    )

    @classmethod
    def from_core(cls, result: ErasureResult | Scheduled) -> "AccountErasure":
        if isinstance(result, Scheduled):
            pending = ErasureStatus.PENDING
            return cls(
                complete=False,
                items_deleted=0,
                objects_deleted=0,
                media=pending,
                cognito_user=pending,
                scheduled_for=result.due_at,
            )
        return cls(
            complete=result.complete,
            items_deleted=result.items_deleted,
            objects_deleted=result.objects_deleted,
            media=ErasureStatus(result.media.value),
            cognito_user=ErasureStatus(result.cognito_user.value),
        )
