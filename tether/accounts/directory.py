"""The sign-in directory (the Cognito user pool) behind a small interface: disable, enable, delete,
sign out everywhere, revoke a refresh token. `CognitoDirectory` calls AWS with boto3; `NoDirectory` is what runs without
a user pool (locally), where each step reports NOT_CONFIGURED."""

from __future__ import annotations

from typing import Any, NoReturn, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tether.errors import BadUserInput, Unavailable
from tether.settings import Settings
from tether.telemetry import logger

# What Cognito answers RevokeToken for a token that is not this client's refresh token.
REFUSED_TOKEN_ERRORS = frozenset(
    {"UnsupportedTokenTypeException", "InvalidParameterException", "NotAuthorizedException"}
)


class SignInDirectory(Protocol):
    configured: bool

    def disable(self, username: str) -> bool: ...
    def enable(self, username: str) -> bool: ...
    def global_sign_out(self, username: str) -> bool: ...
    def revoke_token(self, refresh_token: str) -> bool: ...


class NoDirectory:
    configured = False

    def disable(self, username: str) -> bool:
        return False

    def enable(self, username: str) -> bool:
        return False

    def global_sign_out(self, username: str) -> bool:
        return False

    def revoke_token(self, refresh_token: str) -> bool:
        return False


class CognitoDirectory:
    """A Cognito user pool: AdminDisableUser, AdminEnableUser, AdminUserGlobalSignOut, RevokeToken.

    Each returns False when the user no longer exists (already erased), True when done.
    """

    configured = True

    def __init__(self, pool_id: str, client: Any, app_client_id: str | None = None) -> None:
        self.pool_id, self.client, self.app_client_id = pool_id, client, app_client_id

    def disable(self, username: str) -> bool:
        return self._call("AdminDisableUser", self.client.admin_disable_user, username)

    def enable(self, username: str) -> bool:
        return self._call("AdminEnableUser", self.client.admin_enable_user, username)

    def global_sign_out(self, username: str) -> bool:
        return self._call("AdminUserGlobalSignOut", self.client.admin_user_global_sign_out, username)

    def revoke_token(self, refresh_token: str) -> bool:
        """Revoke a refresh token of the app client (and the access tokens issued from it): the
        device cannot refresh its sign-in any more. False without an app client configured;
        BAD_USER_INPUT for a token Cognito refuses."""
        if not self.app_client_id:
            return False
        try:
            self.client.revoke_token(Token=refresh_token, ClientId=self.app_client_id)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in REFUSED_TOKEN_ERRORS:
                raise BadUserInput(
                    "refreshToken is not a refresh token of this app", field="refreshToken"
                ) from None
            self._unavailable("RevokeToken", error)
        except BotoCoreError as error:
            self._unavailable("RevokeToken", error)
        return True

    @staticmethod
    def _unavailable(name: str, error: Exception) -> NoReturn:
        logger.warning(f"Cognito {name} failed", extra={"error": type(error).__name__})
        raise Unavailable(
            "The sign-in service did not answer; try again", reason="COGNITO_UNAVAILABLE"
        ) from error

    def _call(self, name: str, call: Any, username: str) -> bool:
        try:
            call(UserPoolId=self.pool_id, Username=username)
        except self.client.exceptions.UserNotFoundException:
            return False
        except (BotoCoreError, ClientError) as error:
            self._unavailable(name, error)
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
    return CognitoDirectory(settings.user_pool_id, cognito_client(settings), settings.revoking_client_id)
