"""The single DynamoDB table: its PynamoDB base model, indexes, connection and local creation, and
`guard`, which every storage call goes through to turn DynamoDB's refusals into core errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, ParamSpec, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pynamodb.attributes import (
    DiscriminatorAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from tether.errors import Busy, StaleRead, Throttled
from tether.settings import Settings
from tether.storage.botocore_data import use_data_loader
from tether.storage.user_agent import cache_user_agent

TTL_ATTRIBUTE = "expiresAt"
T = TypeVar("T")
P = ParamSpec("P")


class SeqIndex(LocalSecondaryIndex["TetherModel"]):
    """A partition's records in change order: the sync change feed (strongly consistent)."""

    class Meta:
        index_name = "bySeq"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)


class LookupIndex(LocalSecondaryIndex["TetherModel"]):
    """A partition's records by a collection-defined key, e.g. the sessions of one piece (keys only)."""

    class Meta:
        index_name = "byLookup"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    lk = UnicodeAttribute(range_key=True)


class TimeIndex(LocalSecondaryIndex["TetherModel"]):
    """A partition's records by a collection-defined time key, e.g. sessions by start (keys only)."""

    class Meta:
        index_name = "byTime"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    tk = UnicodeAttribute(range_key=True)


class TetherModel(Model):
    """Base of every item. `pk`/`sk` like `USER#<sub>` / `PIECE#<id>`; `type` says which model."""

    class Meta:
        table_name = "tether-local"
        region = "us-east-1"
        host: str | None = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        connect_timeout_seconds = 1
        read_timeout_seconds = 4
        max_retry_attempts = 3
        aws_access_key_id: str | None = None
        aws_secret_access_key: str | None = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    item_type = DiscriminatorAttribute(attr_name="type")
    seq = NumberAttribute(null=True)
    lk = UnicodeAttribute(null=True)
    tk = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True, attr_name=TTL_ATTRIBUTE)

    by_seq: ClassVar[SeqIndex] = SeqIndex()
    by_lookup: ClassVar[LookupIndex] = LookupIndex()
    by_time: ClassVar[TimeIndex] = TimeIndex()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        # Every model shares one connection (one botocore client): one place for timeouts,
        # retries and the event hooks that count round trips.
        if cls is not TetherModel:
            return TetherModel._get_connection()
        fresh = cls._connection is None
        connection = super()._get_connection()
        if fresh:  # its botocore data (the service model, endpoint rules) read by botocore_data's loader
            use_data_loader(connection.connection.session)
        return connection


def configure(settings: Settings) -> None:
    """Point every model at the configured table and endpoint, with explicit timeouts and retries."""
    meta = TetherModel.Meta
    meta.table_name = settings.table_name
    meta.region = settings.region
    meta.host = settings.dynamodb_endpoint
    meta.connect_timeout_seconds = settings.dynamodb_connect_timeout  # type: ignore[assignment]
    meta.read_timeout_seconds = settings.dynamodb_read_timeout  # type: ignore[assignment]
    meta.max_retry_attempts = settings.dynamodb_max_attempts - 1
    local = settings.dynamodb_endpoint is not None and not os.environ.get("AWS_ACCESS_KEY_ID")
    # DynamoDB Local needs some credentials to sign with; any will do.
    meta.aws_access_key_id = "local" if local else None
    meta.aws_secret_access_key = "local" if local else None
    TetherModel._connection = None


def client() -> Any:
    """The botocore DynamoDB client every model uses (for event hooks and raw calls), with its
    User-Agent header built once per set of features (tether/storage/user_agent.py; the app's init
    calls this, so the models' calls get it too)."""
    dynamodb = TetherModel._get_connection().connection.client
    cache_user_agent(dynamodb)
    return dynamodb


def table_schema() -> dict[str, Any]:
    """Keys, indexes and TTL attribute of the table, as the code creates it."""
    schema = TetherModel._get_schema()
    return {
        "key_schema": schema["key_schema"],
        "attribute_definitions": schema["attribute_definitions"],
        "local_secondary_indexes": schema["local_secondary_indexes"],
        "global_secondary_indexes": schema["global_secondary_indexes"],
        "ttl_attribute": TTL_ATTRIBUTE,
    }


def create_table() -> bool:
    """Create the table (on-demand, with its indexes and TTL) unless it exists. True if created."""
    if TetherModel.exists():
        return False
    TetherModel.create_table(wait=True, billing_mode=PAY_PER_REQUEST_BILLING_MODE)
    return True


def guard(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a DynamoDB call, `call(*args, **kwargs)`; a failed transaction condition raises StaleRead,
    throttling Throttled, a transaction conflict or a timeout Busy (see `classify`). Other errors
    pass unchanged."""
    try:
        return call(*args, **kwargs)
    except TransactWriteError as error:
        reasons = [reason.code for reason in (error.cancellation_reasons or []) if reason is not None]
        if "ConditionalCheckFailed" in reasons:
            raise StaleRead(",".join(str(reason) for reason in reasons)) from error
        if "TransactionConflict" in reasons:
            raise Busy("TRANSACTION_CONFLICT", retry_now=True) from error
        if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in reasons):
            raise Throttled(retry_now=True) from error
        raise classify(error) from error
    except (PynamoDBException, BotoCoreError, ClientError) as error:
        raise classify(error) from error


def batch_get(keys: Sequence[tuple[str, str]]) -> list[TetherModel]:
    """The items with these keys (at most 100), strongly consistent: ONE BatchGetItem (unprocessed
    keys are sent again by PynamoDB)."""
    return list(TetherModel.batch_get(keys, consistent_read=True))


def classify(error: Exception) -> Exception:
    """The core error a failed DynamoDB call means (Throttled, Busy), or the error itself."""
    code = getattr(error, "cause_response_code", None) or _client_error_code(error)
    if code in ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"):
        return Throttled()
    if code in ("TransactionConflictException", "TransactionInProgressException"):
        return Busy("TRANSACTION_CONFLICT")
    if _is_timeout(error):
        return Busy("TIMEOUT")
    return error


def _client_error_code(error: Exception) -> str | None:
    cause = error.__cause__ if not isinstance(error, ClientError) else error
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code"))
    return None


def _is_timeout(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, (ReadTimeoutError, ConnectTimeoutError, BotoConnectionError)):
            return True
        error = error.__cause__ or error.__context__
    return False
