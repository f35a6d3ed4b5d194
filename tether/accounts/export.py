"""Data export (`exportMyData`): everything the user owns as one ZIP in S3: `data.json` (the
documented, versioned document) and every attachment's file as `attachments/<id>/<name>`.

The user's partition is read page by page (one Query per 1 MB) and each file is read from S3 in
1 MB chunks; all of it is written as it is read through a streaming ZIP writer into a streamed
(multipart) upload, so memory stays flat whatever the account's size (2 GB of files need no
2 GB of memory). The format is documented, with its version, in docs/accounts.md ("Data export").
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import IO, Any

from ulid import ULID

from tether import audit
from tether.accounts.profiles import Profiles
from tether.attachments import ATTACHMENTS, UPLOADED, object_key, profile_of
from tether.auth import User
from tether.errors import TetherError
from tether.media import PART_SIZE, Media, StreamedUpload, s3_errors, user_prefix
from tether.model.record import Record
from tether.people.estate import Estate, owned_profiles
from tether.storage import partition
from tether.storage.accounts import ConsentItem, ProfileItem
from tether.storage.base import TTL_ATTRIBUTE
from tether.storage.clients import ClientState
from tether.storage.heads import positions_of
from tether.storage.keys import user_key
from tether.storage.raw import raw_record_id, record_times
from tether.sync import reads
from tether.sync.fields import format_time

FORMAT = "tether-export"
VERSION = 2  # 2: collections under the API's names (chatThread), the profile always present
URL_SECONDS = 15 * 60
CONTENT_TYPE = "application/zip"
DOCUMENT = "data.json"
# Exports are tagged so the bucket's lifecycle rule removes them after a day.
TAGS = "tether-kind=export"
# Items of the partition that are bookkeeping, not the user's data.
INTERNAL_TYPES = {"head"}


@dataclass(frozen=True)
class DataExport:
    url: str
    expires_at: datetime
    key: str
    size: int
    counts: dict[str, int]


@dataclass
class Counts:
    records: dict[str, int] = field(default_factory=dict)
    devices: int = 0
    consents: int = 0
    counters: int = 0
    other: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "records": sum(self.records.values()),
            "devices": self.devices,
            "consents": self.consents,
            "counters": self.counters,
            "other": self.other,
        }


class Exports:
    def __init__(
        self,
        media: Media,
        log: audit.AuditLog,
        profiles: Profiles,
        clock: Callable[[], datetime],
        *,
        part_size: int = PART_SIZE,
        estate: Estate | None = None,
    ) -> None:
        self.media = media
        self.audit = log
        self.profiles = profiles
        self.clock = clock
        self.part_size = part_size
        self.estate = estate

    def export(self, user: User) -> DataExport:
        """Write the user's export to `users/<sub>/exports/<id>.json`; a URL valid 15 minutes."""
        if not self.media.configured:
            raise TetherError(
                "Data export needs a media bucket (TETHER_MEDIA_BUCKET)", reason="NOT_CONFIGURED"
            )
        self.audit.record(audit.EXPORT_REQUESTED, user.id)
        # The user is here: the profile (createdAt, lastSeenAt) exists before the partition is read,
        # so the export is complete even for a user whose app never asked for `me`.
        self.profiles.seen(user.id)
        now = self.clock()
        name = f"tether-export-{now.strftime('%Y%m%d-%H%M%S')}.zip"
        key = f"{user_prefix(user.id)}exports/{ULID()}.zip"
        with (
            s3_errors("export"),
            self.media.upload(key, content_type=CONTENT_TYPE, tags=TAGS, part_size=self.part_size) as upload,
            zipfile.ZipFile(_Appender(upload), mode="w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            owned = [User(r.profile_id, name=r.name) for r in owned_profiles(user.id)] if self.estate else []
            entry = zipfile.ZipInfo(DOCUMENT, date_time=now.astimezone(UTC).timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, mode="w", force_zip64=True) as document:
                counts = write_document(lambda text: _write(document, text), user, now, owned)
            for owner in (user, *owned):  # the files of the managed profiles it owns, too
                write_files(archive, self.media, owner, now)
        with s3_errors("export"):
            url = self.media.presign(key, URL_SECONDS, name)
        return DataExport(url, now + timedelta(seconds=URL_SECONDS), key, upload.size, counts.as_dict())


class _Appender:
    """A write-only, unseekable file over a streamed upload (the ZIP writer then uses data
    descriptors instead of seeking back)."""

    def __init__(self, upload: StreamedUpload) -> None:
        self.upload = upload

    def write(self, data: bytes) -> int:
        self.upload.write(bytes(data))
        return len(data)

    def tell(self) -> int:
        return self.upload.size

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None  # the upload is finished (or abandoned) by its own context


def _write(file: IO[bytes], text: str) -> None:
    file.write(text.encode())


def write_files(archive: zipfile.ZipFile, media: Media, user: User, now: datetime) -> int:
    """Every uploaded attachment's file as `attachments/<id>/<name>`, streamed; returns how many."""
    written = 0
    profile = profile_of(user.id)
    for record in uploaded_attachments(profile):
        entry = zipfile.ZipInfo(f"attachments/{record.id}/{safe_name(str(record.data.get('name')))}")
        uploaded = ATTACHMENTS.value(record, "uploaded_at") or now
        entry.date_time = uploaded.astimezone(UTC).timetuple()[:6]
        entry.compress_type = zipfile.ZIP_STORED  # photos, audio and PDFs are compressed already
        with archive.open(entry, mode="w", force_zip64=True) as file:
            for chunk in media.chunks(object_key(profile, record.id)):
                file.write(chunk)
        written += 1
    return written


def uploaded_attachments(profile: str) -> Iterable[Record]:
    after = None
    while True:
        page = reads.page(profile, ATTACHMENTS, first=reads.MAX_PAGE, after=after)
        yield from (record for record in page.records if record.data.get("status") == UPLOADED)
        if page.next_key is None:
            return
        after = page.next_key


def safe_name(name: str) -> str:
    """A file name that stays one path segment inside the ZIP."""
    cleaned = name.replace("/", "_").replace("\\", "_").strip()
    return cleaned if cleaned not in ("", ".", "..") else "file"


def write_document(
    write: Callable[[str], None], user: User, now: datetime, profiles: Sequence[User] = ()
) -> Counts:
    """Stream the export document of `user` through `write` (text, in order); return what it holds.

    `profiles` are the managed profiles the user owns: each is exported the same way, as one
    document of its own in the list `profiles` (docs/people.md#export).

    Synced records come grouped by collection, named as in the API (`piece`, `chatThread`): their
    sort keys are `<PREFIX>#<id>`, one prefix per collection, so each collection's records are
    contiguous in the partition's key order.
    """
    counts = Counts()
    devices: list[dict[str, Any]] = []
    consents: list[dict[str, Any]] = []
    counters: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    profile: dict[str, Any] = {}
    positions: dict[str, int] = {}
    write(_json({"format": FORMAT, "version": VERSION, "exportedAt": format_time(now)})[:-1] + ',"records":{')
    current: str | None = None
    for page in partition.pages(user_key(user.id)):
        chunk: list[str] = []
        for raw in page:
            kind = raw.get("type", {}).get("S")
            if kind == "head":  # the devices' positions are on it (after their items in key order)
                positions.update(positions_of(partition.model(raw)) or {})
            if kind in INTERNAL_TYPES:
                continue
            if kind == "record":  # the bulk of an account: converted straight from DynamoDB JSON
                collection = _camel(raw["collection"]["S"])
                if collection != current:
                    if collection in counts.records:
                        raise RuntimeError(f"records of {collection} are not contiguous")
                    chunk.append(("]," if current is not None else "") + _json(collection) + ":[")
                    current = collection
                    counts.records[collection] = 0
                elif counts.records[collection]:
                    chunk.append(",")
                chunk.append(_json(_record(raw)))
                counts.records[collection] += 1
                continue
            item = partition.model(raw)
            if isinstance(item, ClientState):
                devices.append(_device(item))
            elif isinstance(item, ConsentItem):
                consents.append(_consent_entry(item))
            elif isinstance(item, ProfileItem):
                profile = {"createdAt": _time(item.created_at), "lastSeenAt": _time(item.last_seen_at)}
            elif kind == "counter":
                counters.append({"key": raw["sk"]["S"], "values": _attributes(raw)})
            else:
                other.append({"key": raw["sk"]["S"], "type": kind, "attributes": _attributes(raw)})
        if chunk:
            write("".join(chunk))
    for entry in devices:
        entry["lastMutationId"] = positions.get(entry["clientId"], entry["lastMutationId"])
    counts.devices, counts.consents, counts.counters, counts.other = (
        len(devices),
        len(consents),
        len(counters),
        len(other),
    )
    rest = {
        "user": {"id": user.id, "email": user.email, "name": user.name, **profile},
        "devices": devices,
        "consents": consents,
        "counters": counters,
        "other": other,
        "counts": {**counts.as_dict(), "byCollection": counts.records},
    }
    tail = _json(rest)[1:]
    if not profiles:
        write(("]" if current is not None else "") + "}," + tail)
        return counts
    write(("]" if current is not None else "") + "}," + tail[:-1] + ',"profiles":[')
    for index, owned in enumerate(profiles):
        write("," if index else "")
        write_document(write, owned, now)
    write("]}")
    return counts


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


@cache
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _record(raw: dict[str, Any]) -> dict[str, Any]:
    created, updated = record_times(raw)
    entry: dict[str, Any] = {
        "id": raw_record_id(raw),
        "version": int(raw["version"]["N"]),
        "createdAt": format_time(created) if created is not None else None,
        "updatedAt": format_time(updated) if updated is not None else None,
        "deleted": bool(raw.get("deleted", {}).get("BOOL", False)),
        "fields": {
            _camel(name): partition.value(value) for name, value in raw.get("data", {}).get("M", {}).items()
        },
    }
    if TTL_ATTRIBUTE in raw:
        entry["expiresAt"] = format_time(datetime.fromtimestamp(int(raw[TTL_ATTRIBUTE]["N"]), UTC))
    return entry


def _device(item: ClientState) -> dict[str, Any]:
    return {
        "clientId": item.client_id,
        "name": item.name,
        "platform": item.platform,
        "appVersion": item.app_version,
        "firstSeenAt": _time(item.first_seen_at),
        "lastSyncAt": _time(item.last_sync_at),
        "lastMutationId": int(item.last_mutation_id or 0),
        "revoked": bool(item.revoked),
    }


def _consent_entry(item: ConsentItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "granted": bool(item.granted),
        "version": item.version,
        "recordedAt": _time(item.recorded_at),
    }


def _attributes(raw: dict[str, Any], skip: Iterable[str] = ("pk", "sk", "type")) -> dict[str, Any]:
    values = partition.plain(raw)
    for name in skip:
        values.pop(name, None)
    return values
