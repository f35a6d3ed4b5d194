"""The sign-in directory (the Cognito user pool) behind a small interface: disable, enable, delete,
sign out everywhere. `CognitoDirectory` calls AWS with boto3; `NoDirectory` is what runs without
a user pool (locally), where each step reports NOT_CONFIGURED."""

from __future__ import annotations

from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tether.errors import Unavailable
from tether.settings import Settings
from tether.telemetry import logger


class SignInDirectory(Protocol):
    configured: bool

    def disable(self, username: str) -> bool: ...
    def enable(self, username: str) -> bool: ...
    def global_sign_out(self, username: str) -> bool: ...


class NoDirectory:
    configured = False

    def disable(self, username: str) -> bool:
        return False

    def enable(self, username: str) -> bool:
        return False

    def global_sign_out(self, username: str) -> bool:
        return False


class CognitoDirectory:
    """A Cognito user pool: AdminDisableUser, AdminEnableUser, AdminUserGlobalSignOut.

    Each returns False when the user no longer exists (already erased), True when done.
    """

    configured = True

    def __init__(self, pool_id: str, client: Any) -> None:
        self.pool_id, self.client = pool_id, client

    def disable(self, username: str) -> bool:
        return self._call("AdminDisableUser", self.client.admin_disable_user, username)

    def enable(self, username: str) -> bool:
        return self._call("AdminEnableUser", self.client.admin_enable_user, username)

    def global_sign_out(self, username: str) -> bool:
        return self._call("AdminUserGlobalSignOut", self.client.admin_user_global_sign_out, username)

    def _call(self, name: str, call: Any, username: str) -> bool:
        try:
            call(UserPoolId=self.pool_id, Username=username)
        except self.client.exceptions.UserNotFoundException:
            return False
        except (BotoCoreError, ClientError) as error:
            logger.warning(f"Cognito {name} failed", extra={"error": type(error).__name__})
            raise Unavailable(
                "The sign-in service did not answer; try again", reason="COGNITO_UNAVAILABLE"
            ) from error
        return True


def cognito_client(settings: Settings) -> Any:
    return boto3.session.Session().client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.cognito_endpoint,
        config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}),
    )


def build_directory(settings: Settings) -> SignInDirectory:
    if not settings.user_pool_id:
        return NoDirectory()
    return CognitoDirectory(settings.user_pool_id, cognito_client(settings))
