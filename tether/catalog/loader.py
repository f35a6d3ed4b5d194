"""Loading a catalog file (docs/catalog.md describes the format): `make seed [FILE=path]`.

The file states how its items should be: every item it lists is created or brought to exactly that
state (a field missing from the file is cleared), through the same checks as the admin API and the
same change feed, in as few transactions as the engine needs. Items already in that state are not
written, so loading the same file twice changes nothing. Items the file does not list are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tether.catalog.catalog import Catalog
from tether.catalog.model import COLLECTIONS, KINDS, SERVER_FIELDS, TRACKS, is_visible
from tether.catalog.rules import NAMES, Items, Patches, cascade, check_item, check_patch, check_requires
from tether.errors import BadUserInput
from tether.model.record import Record
from tether.sync.collection import REJECTED, Collection
from tether.sync.engine import ServerChange, SyncEngine

FILE_NAMES = {public: name for name, public in NAMES.items() if "." not in public}
MEDIA = {"audio": "media_audio", "transcript": "media_transcript", "image": "media_image"}
SECTIONS = {"collections": COLLECTIONS, "tracks": TRACKS}


@dataclass(frozen=True)
class LoadReport:
    created: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.changed} changed, {self.unchanged} unchanged"


def load_file(
    path: Path, engine: SyncEngine, catalog: Catalog, *, entitlements: frozenset[str] | None = None
) -> LoadReport:
    """Load a catalog file (JSON) into the catalog (`requires` checked against `entitlements`)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BadUserInput(f"{path} is not valid JSON: {error}") from None
    return load_catalog(document, engine, catalog, entitlements=entitlements)


def load_catalog(
    document: Any,
    engine: SyncEngine,
    catalog: Catalog,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    entitlements: frozenset[str] | None = None,
) -> LoadReport:
    """Bring every item of a parsed catalog file to the state the file gives it; a `requires` must
    name one of `entitlements` (the plans file's; None: any), as the admin API checks it."""
    if not isinstance(document, dict) or set(document) - {"collections", "tracks"}:
        raise BadUserInput('A catalog file is a JSON object with "collections" and "tracks" lists')
    current = catalog.items()
    wanted: dict[tuple[str, str], tuple[Collection, dict[str, Any], bool, str]] = {}
    for section, kind in SECTIONS.items():
        entries = document.get(section, [])
        if not isinstance(entries, list):
            raise BadUserInput(f'"{section}" must be a list', field=section)
        for index, entry in enumerate(entries):
            where = f"{section}[{index}]"
            data, published = _entry(kind, entry, where)
            if (kind.name, data["id"]) in wanted:
                raise BadUserInput(f"{where}.id: {data['id']} is listed twice", field=f"{where}.id")
            wanted[(kind.name, data["id"])] = (kind, data, published, where)
    # The catalog as it will be: the file's items over the current ones (for parents and slugs).
    tables = {COLLECTIONS.name: dict(current.collections), TRACKS.name: dict(current.tracks)}
    for kind, data, _, _ in wanted.values():
        existing = current.of(kind).get(data["id"])
        if existing is None or not existing.deleted:  # a tombstone stays: check_item reports it
            tables[kind.name][data["id"]] = Record(collection=kind.name, id=data["id"], data=_fields(data))
    overlay = Items(tables[COLLECTIONS.name], tables[TRACKS.name])
    patches: Patches = {}
    created = changed = 0
    now = clock()
    for kind, data, published, where in wanted.values():
        check_item(kind, data["id"], _fields(data), overlay, where)
        check_requires(data.get("requires"), entitlements, f"{where}.requires")
        existing = current.of(kind).get(data["id"])
        patch = _difference(existing, data)
        if existing is None or is_visible(existing) != published:
            patch["published_at"] = now if published else None
        if existing is None:
            patch = {name: value for name, value in patch.items() if value is not None}
            created += 1
        elif len(patch) > 1:
            changed += 1
        else:
            continue
        patches[(kind.name, data["id"])] = patch
    changes = [
        ServerChange(KINDS[kind], "save", patch) for (kind, _), patch in cascade(current, patches).items()
    ]
    if changes:
        for result in engine.write(catalog.partition, changes):
            if result.status == REJECTED:
                raise BadUserInput(result.message or "A change was refused", reason=result.code)
    catalog.publish()  # also when nothing changed: a catalog loaded before the index existed gets one
    return LoadReport(created, changed, len(wanted) - created - changed)


def _entry(kind: Collection, entry: Any, where: str) -> tuple[dict[str, Any], bool]:
    """The item's full state in stored form (absent fields None), and whether it is published."""
    if not isinstance(entry, dict):
        raise BadUserInput(f"{where} must be an object", field=where)
    patch: dict[str, Any] = {name: None for name, spec in kind.fields.items() if not spec.required}
    for name in SERVER_FIELDS:
        patch.pop(name)
    published = entry.get("published", True)
    if not isinstance(published, bool):
        raise BadUserInput(f"{where}.published must be true or false", field=f"{where}.published")
    for key, value in entry.items():
        if key == "published":
            continue
        if key == "media" and kind is TRACKS:
            if not isinstance(value, dict) or set(value) - set(MEDIA):
                raise BadUserInput(
                    f"{where}.media has only audio, transcript and image", field=f"{where}.media"
                )
            patch.update({MEDIA[name]: media_key for name, media_key in value.items()})
            continue
        name = FILE_NAMES.get(str(key), str(key))
        if name != "id" and (name not in kind.fields or name in SERVER_FIELDS or name.startswith("media_")):
            raise BadUserInput(f"{where}.{key} is not a field of a {kind.name}", field=f"{where}.{key}")
        patch[name] = value
    return check_patch(kind, patch, where), published


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name != "id" and value is not None}


def _difference(existing: Record | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """`id` and the fields whose stored value differs from the wanted one."""
    current = existing.data if existing is not None else {}
    patch: dict[str, Any] = {"id": data["id"]}
    for name, value in data.items():
        if name != "id" and current.get(name) != value:
            patch[name] = value
    return patch
