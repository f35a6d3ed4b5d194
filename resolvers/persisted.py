"""Persisted documents over HTTP: Apollo's Automatic Persisted Queries, trusted documents, `documentId`.

A request names its document in one of three ways:
- `query`: the text (runs in `off` mode; in `manifest` mode only when it is a manifest document);
- `extensions.persistedQuery {version: 1, sha256Hash}` (Apollo's APQ, with or without `query`);
- `documentId: "sha256:<hex>"` (the GraphQL-over-HTTP persisted-documents proposal).

A hash alone that is unknown answers `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`,
status 200), which Apollo's links (Web, iOS, Kotlin) answer by sending the hash with the text;
that text must hash to the given value, and once it validates it is registered for every
instance (`tether.persisted.DocumentRegistry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from resolvers.refused import RequestRefused
from tether.persisted import DocumentRegistry, Manifest, sha256_hex
from tether.settings import Settings

APQ_VERSION = 1
PERSISTED_QUERY_NOT_FOUND = "PersistedQueryNotFound"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class DocumentRefused(RequestRefused):
    """The request's document cannot be run (unknown, not trusted, or its hash is wrong)."""


class _StoreNeeded(Exception):
    """Only the registry's DynamoDB item can tell (`resolve_in_memory`)."""


@dataclass(frozen=True)
class Document:
    """The text to run; `sha256` and `register` say whether to keep it once it validates."""

    query: str
    sha256: str | None = None
    source: str = "text"  # text, manifest, registry or registering (for the request log)

    @property
    def register(self) -> bool:
        return self.source == "registering"


class PersistedDocuments:
    """Resolves a request's document according to the mode (`off`, `apq`, `manifest`)."""

    def __init__(self, settings: Settings, registry: DocumentRegistry, manifest: Manifest) -> None:
        self.mode = settings.persisted_mode
        self.registry = registry
        self.manifest = manifest

    def resolve_in_memory(self, raw: dict[str, Any]) -> Document | None:
        """`resolve` where it needs no DynamoDB read (the text, the manifest, the registry's cache);
        None where only `resolve` can tell (in a worker thread)."""
        try:
            return self.resolve(raw, read_store=False)
        except _StoreNeeded:
            return None

    def resolve(self, raw: dict[str, Any], *, read_store: bool = True) -> Document:
        """The document of one request (its decoded JSON body or GET parameters)."""
        query = raw.get("query")
        if query is not None and (not isinstance(query, str) or not query.strip()):
            raise DocumentRefused(400, "`query` must be a non-empty string")
        sha256 = _requested_hash(raw)
        if sha256 is None:
            if query is None:
                raise DocumentRefused(
                    400,
                    "The request has no GraphQL document: send `query`, "
                    "`extensions.persistedQuery` or `documentId`",
                )
            return self._by_text(query, read_store)
        known = self._known(sha256, read_store)
        if query is None:
            if known is None:
                raise DocumentRefused(200, PERSISTED_QUERY_NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
            return Document(known[0], sha256, known[1])
        if sha256_hex(query) != sha256:
            raise DocumentRefused(
                400,
                "The persisted query's sha256Hash is not the SHA-256 of its query",
                reason="PERSISTED_QUERY_HASH_MISMATCH",
            )
        if known is not None:
            return Document(query, sha256, known[1])
        if self.mode == "manifest":
            raise _not_in_manifest()
        return Document(query, sha256, "registering")

    def remember(self, document: Document) -> None:
        """Register a document that validated (sent by hash and text, not known yet)."""
        if document.register and document.sha256 is not None:
            self.registry.register(document.sha256, document.query)

    def _by_text(self, query: str, read_store: bool) -> Document:
        if self.mode == "off":
            return Document(query)
        sha256 = sha256_hex(query)
        known = self._known(sha256, read_store)
        if known is not None:
            return Document(query, sha256, known[1])
        if self.mode == "manifest":
            raise _not_in_manifest()
        raise DocumentRefused(
            400,
            "This deployment runs persisted documents only: send the query's SHA-256 in "
            "`extensions.persistedQuery` (Automatic Persisted Queries) or a manifest `documentId`",
            reason="PERSISTED_QUERY_REQUIRED",
        )

    def _known(self, sha256: str, read_store: bool) -> tuple[str, str] | None:
        body = self.manifest.get(sha256)
        if body is not None:
            return body, "manifest"
        if self.mode != "manifest":
            body = self.registry.cached(sha256)
            if body is None and not read_store:
                raise _StoreNeeded
            body = body or self.registry.lookup(sha256)
            if body is not None:
                return body, "registry"
        return None


def _requested_hash(raw: dict[str, Any]) -> str | None:
    document_id = raw.get("documentId")
    if document_id is not None:
        if not isinstance(document_id, str):
            raise DocumentRefused(400, "`documentId` must be a string like `sha256:<64 hex digits>`")
        scheme, _, value = document_id.partition(":")
        if scheme != "sha256" or not _HEX64.fullmatch(value):
            raise DocumentRefused(
                400,
                "`documentId` must be `sha256:<64 hex digits>` (the SHA-256 of the document)",
                reason="INVALID_DOCUMENT_ID",
            )
        return value.lower()
    extensions = raw.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise DocumentRefused(400, "`extensions.persistedQuery` must be an object")
    if persisted.get("version") != APQ_VERSION:
        raise DocumentRefused(
            400,
            "Unsupported persisted query version: send `version: 1`",
            reason="PERSISTED_QUERY_VERSION",
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise DocumentRefused(
            400,
            "`extensions.persistedQuery.sha256Hash` must be 64 hex digits",
            reason="INVALID_DOCUMENT_ID",
        )
    return sha256.lower()


def _not_in_manifest() -> DocumentRefused:
    return DocumentRefused(
        403,
        "This deployment runs only the trusted documents of its manifest, and this is not one of them",
        "FORBIDDEN",
        reason="DOCUMENT_NOT_IN_MANIFEST",
    )
