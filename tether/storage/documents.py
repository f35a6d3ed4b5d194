"""Registered GraphQL documents (Automatic Persisted Queries): text by SHA-256, with a TTL and a quota."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from tether.storage.base import TetherModel

DOCUMENT = "DOCUMENT"
QUOTA_PARTITION = "APQ#QUOTA"


def document_key(sha256: str) -> str:
    return f"APQ#{sha256}"


class PersistedDocumentItem(TetherModel, discriminator="persisted_document"):
    """`APQ#<sha256>` / `DOCUMENT`: one registered document's text (DynamoDB's TTL removes it)."""

    body = UnicodeAttribute()


class DocumentQuotaItem(TetherModel, discriminator="persisted_quota"):
    """`APQ#QUOTA` / `WINDOW#<n>`: how many documents were registered in one TTL window."""

    registered = NumberAttribute(default=0)


def load(sha256: str, now: datetime) -> tuple[str, datetime] | None:
    """The registered text of `sha256` and when it expires, or None (also once its TTL passed)."""
    try:
        item = PersistedDocumentItem.get(document_key(sha256), DOCUMENT)
    except PersistedDocumentItem.DoesNotExist:
        return None
    if item.expires_at is None or item.expires_at <= now:
        return None
    return item.body, item.expires_at


def register(
    sha256: str,
    body: str,
    *,
    now: datetime,
    expires_at: datetime,
    window: int,
    limit: int,
    window_expires_at: datetime,
) -> bool:
    """Store `body` under `sha256` unless the window already holds `limit` documents.

    True when the document is stored (now or before, still live); False when the quota is full.
    One transaction: the document (new, or replacing an expired one) and the window's count.
    """
    item = PersistedDocumentItem(document_key(sha256), DOCUMENT, body=body, expires_at=expires_at)
    quota = DocumentQuotaItem(QUOTA_PARTITION, f"WINDOW#{window}")
    try:
        with TransactWrite(connection=TetherModel._get_connection().connection) as transaction:
            transaction.save(
                item,
                condition=PersistedDocumentItem.pk.does_not_exist()
                | (PersistedDocumentItem.expires_at <= now),
            )
            transaction.update(
                quota,
                actions=[
                    DocumentQuotaItem.registered.add(1),
                    DocumentQuotaItem.item_type.set(DocumentQuotaItem),  # an update does not write it itself
                    DocumentQuotaItem.expires_at.set(window_expires_at),
                ],
                condition=DocumentQuotaItem.registered.does_not_exist()
                | (DocumentQuotaItem.registered < limit),
            )
    except TransactWriteError as error:
        reasons = [reason.code if reason is not None else None for reason in error.cancellation_reasons or []]
        if len(reasons) == 2 and reasons[0] == "ConditionalCheckFailed":
            return True  # registered already (by another instance, or an earlier retry), still live
        if len(reasons) == 2 and reasons[1] == "ConditionalCheckFailed":
            return False
        raise
    return True
