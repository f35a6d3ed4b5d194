"""Erasure (`deleteMyAccount`): every item of the user's partition, their S3 objects, their Cognito user.

Each step is idempotent and they run in that order, so a call cut short (a timeout, the time
budget) is finished by the next one. The audit log, which holds no personal data, is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tether import audit
from tether.accounts.directory import cognito_client
from tether.auth import User
from tether.errors import Unavailable
from tether.media import Media, s3_errors, user_prefix
from tether.model.deadline import Deadline
from tether.people.estate import Estate
from tether.settings import Settings
from tether.storage import partition
from tether.storage.keys import user_key
from tether.telemetry import logger

CONFIRMATION = "DELETE"
# Leave the Lambda (28 s) time to answer: a call that runs out says `complete: false`; call again.
BUDGET_SECONDS = 20.0


class Step(Enum):
    DONE = "DONE"
    ALREADY_DONE = "ALREADY_DONE"  # e.g. the Cognito user was deleted by an earlier call
    NOT_CONFIGURED = "NOT_CONFIGURED"  # e.g. no user pool locally: skipped
    PENDING = "PENDING"  # not reached yet: call again


@dataclass(frozen=True)
class ErasureResult:
    complete: bool
    items_deleted: int
    objects_deleted: int
    media: Step
    cognito_user: Step


class Erasure:
    def __init__(
        self,
        settings: Settings,
        log: audit.AuditLog,
        media: Media,
        *,
        budget_seconds: float = BUDGET_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        estate: Estate | None = None,
        release: Callable[[str], None] = lambda user_id: None,
    ) -> None:
        self.settings = settings
        self.audit = log
        self.media = media
        self.budget = budget_seconds
        self.monotonic = monotonic
        self.estate = estate  # the managed profiles and memberships (docs/people.md#erasure)
        # Lets go of what outside the partition names the user (their store purchases' claims).
        self.release = release

    @cached_property
    def cognito(self) -> Any:
        """The Cognito client (built on first use; tests replace it with a stubbed one)."""
        return cognito_client(self.settings)

    def erase(self, user: User) -> ErasureResult:
        """Erase everything the user owns; idempotent. `complete` is false when the time budget ran
        out first: nothing is half-done, and calling again carries on."""
        deadline = Deadline.after(self.budget, self.monotonic)
        self.release(user.id)
        released, done = self.estate.release_account(user.id, deadline) if self.estate else (0, True)
        if not done:
            return ErasureResult(False, released, 0, Step.PENDING, Step.PENDING)
        items, emptied = partition.delete_all(user_key(user.id), deadline=deadline)
        items += released
        if not emptied:
            return ErasureResult(False, items, 0, Step.PENDING, Step.PENDING)
        objects, media = 0, Step.NOT_CONFIGURED
        if self.media.configured:
            with s3_errors("erasure"):
                objects, cleared = self.media.delete_prefix(user_prefix(user.id), deadline)
            if not cleared:
                return ErasureResult(False, items, objects, Step.PENDING, Step.PENDING)
            media = Step.DONE
        cognito_user = self._delete_cognito_user(user)
        self.audit.record(audit.ACCOUNT_ERASED, user.id)
        return ErasureResult(True, items, objects, media, cognito_user)

    def _delete_cognito_user(self, user: User) -> Step:
        pool = self.settings.user_pool_id
        if not pool:
            return Step.NOT_CONFIGURED
        try:
            self.cognito.admin_delete_user(UserPoolId=pool, Username=user.username or user.id)
        except self.cognito.exceptions.UserNotFoundException:
            return Step.ALREADY_DONE
        except (BotoCoreError, ClientError) as error:
            logger.warning("Cognito AdminDeleteUser failed", extra={"error": type(error).__name__})
            raise Unavailable(
                "The sign-in service did not answer; call deleteMyAccount again to finish",
                reason="COGNITO_UNAVAILABLE",
            ) from error
        return Step.DONE
