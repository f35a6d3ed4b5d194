"""Persisted documents: the trusted-documents manifest and the registry of Automatic Persisted Queries.

Both map a document's SHA-256 (hex of its UTF-8 text) to the text. The manifest is Apollo's
persisted-query manifest (`make manifest` writes it from graphql/operations/ and the Lambda package
ships it); the registry keeps what clients registered, in DynamoDB with a TTL (so every Lambda
instance shares it) behind a bounded in-memory LRU per instance.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tether.errors import ConfigurationError
from tether.settings import Settings
from tether.storage import documents as store
from tether.telemetry import logger

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
MANIFEST_NAME = "persisted-query-manifest.json"
_ROOT = Path(__file__).resolve().parent.parent
# The Lambda package has the manifest at its root (function/ links it); a checkout has it in graphql/.
DEFAULT_MANIFESTS = (_ROOT / MANIFEST_NAME, _ROOT / "graphql" / MANIFEST_NAME)


def sha256_hex(text: str) -> str:
    """The document id clients compute: SHA-256 of the UTF-8 text, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ManifestOperation:
    id: str
    name: str
    type: str
    body: str


class Manifest:
    """The trusted documents, by id."""

    def __init__(self, operations: list[ManifestOperation]) -> None:
        self.operations = {operation.id: operation for operation in operations}

    def get(self, sha256: str) -> str | None:
        operation = self.operations.get(sha256)
        return operation.body if operation else None

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read and check a manifest: Apollo's format, version 1, every id the hash of its body."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"cannot read the persisted-query manifest {path}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
            raise ConfigurationError(f"{path} is not an {MANIFEST_FORMAT} (version 1)")
        operations = []
        for entry in data.get("operations", []):
            operation = ManifestOperation(entry["id"], entry["name"], entry["type"], entry["body"])
            if sha256_hex(operation.body) != operation.id:
                raise ConfigurationError(f"{path}: the id of {operation.name} is not the SHA-256 of its body")
            operations.append(operation)
        return cls(operations)

    @classmethod
    def for_settings(cls, settings: Settings) -> Manifest:
        """The bundled manifest and any listed in TETHER_PERSISTED_MANIFEST (comma-separated), together."""
        paths = [path for path in DEFAULT_MANIFESTS[:1] if path.is_file()] or [
            path for path in DEFAULT_MANIFESTS[1:] if path.is_file()
        ]
        extra = settings.persisted_manifest or ""
        paths += [Path(part.strip()) for part in extra.split(",") if part.strip()]
        if not paths and settings.persisted_mode == "manifest":
            raise ConfigurationError(
                f"TETHER_PERSISTED_DOCUMENTS=manifest needs {MANIFEST_NAME} (run `make manifest`) "
                "or TETHER_PERSISTED_MANIFEST"
            )
        return cls([operation for path in paths for operation in cls.load(path).operations.values()])


class DocumentRegistry:
    """Documents registered by clients (APQ): DynamoDB with a TTL, cached per instance (LRU)."""

    def __init__(
        self,
        *,
        ttl: timedelta,
        max_documents: int,
        max_document_bytes: int,
        cache_size: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ttl = ttl
        self.max_documents = max_documents
        self.max_document_bytes = max_document_bytes
        self.cache_size = cache_size
        self.clock = clock
        self._cache: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def for_settings(
        cls, settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> DocumentRegistry:
        return cls(
            ttl=timedelta(seconds=settings.apq_ttl_seconds),
            max_documents=settings.apq_max_documents,
            max_document_bytes=settings.apq_max_document_bytes,
            cache_size=settings.apq_cache_size,
            clock=clock,
        )

    def lookup(self, sha256: str) -> str | None:
        """The registered text of `sha256`: from memory, else one DynamoDB read; None if unknown."""
        cached = self.cached(sha256)
        if cached is not None:
            return cached
        found = store.load(sha256, self.clock())
        if found is None:
            return None
        body, expires_at = found
        self._remember(sha256, body, expires_at)
        return body

    def cached(self, sha256: str) -> str | None:
        """The registered text of `sha256` if this instance holds it (no read)."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(sha256)
            if cached is not None and cached[1] > now:
                self._cache.move_to_end(sha256)
                return cached[0]
        return None

    def register(self, sha256: str, body: str) -> bool:
        """Keep `body` (whose SHA-256 the caller checked) for a TTL; False if over a bound."""
        size = len(body.encode("utf-8"))
        if size > self.max_document_bytes:
            logger.warning("persisted query too large to register", extra={"bytes": size})
            return False
        now = self.clock()
        window_seconds = int(self.ttl.total_seconds())
        window = int(now.timestamp()) // window_seconds
        window_end = datetime.fromtimestamp((window + 1) * window_seconds, UTC)
        stored = store.register(
            sha256,
            body,
            now=now,
            expires_at=now + self.ttl,
            window=window,
            limit=self.max_documents,
            window_expires_at=window_end + self.ttl,
        )
        if not stored:
            logger.warning("persisted query quota reached", extra={"limit": self.max_documents})
            return False
        self._remember(sha256, body, now + self.ttl)
        return True

    def _remember(self, sha256: str, body: str, until: datetime) -> None:
        with self._lock:
            self._cache[sha256] = (body, until)
            self._cache.move_to_end(sha256)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
