"""What makes an editor's change valid: field limits, required fields and the catalog's integrity
(unique slugs and ids, existing parents, no cycles). Shared by the admin API and the file loader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tether.catalog.model import COLLECTIONS, SERVER_FIELDS, TRACKS
from tether.errors import BadUserInput
from tether.model.record import Record
from tether.sync.collection import Collection

MAX_DEPTH = 20  # collections nest at most this deep
# Field names as editors write them (the admin API's input and the catalog file).
NAMES = {
    "default_language": "defaultLanguage",
    "cover_image": "coverImage",
    "parent_id": "parentId",
    "collection_id": "collectionId",
    "duration_seconds": "durationSeconds",
    "media_audio": "media.audio",
    "media_transcript": "media.transcript",
    "media_image": "media.image",
    "published_at": "publishedAt",
    "hidden_by_parent": "hiddenByParent",
    "required_entitlement": "requiredEntitlement",
}


def public_name(name: str) -> str:
    return NAMES.get(name, name)


@dataclass(frozen=True)
class Items:
    """The catalog's items as stored (drafts and tombstones too), by id."""

    collections: Mapping[str, Record]
    tracks: Mapping[str, Record]

    def of(self, kind: Collection) -> Mapping[str, Record]:
        return self.collections if kind is COLLECTIONS else self.tracks


def check_patch(kind: Collection, patch: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`id` plus each given field in its stored form (None clears it); limits as BAD_USER_INPUT."""
    if "id" not in patch:
        raise BadUserInput(f"{where}.id is required", field=f"{where}.id")
    checked: dict[str, Any] = {"id": kind.id_field.check(patch["id"], f"{where}.id")}
    for name, value in patch.items():
        if name == "id":
            continue
        path = f"{where}.{public_name(name)}"
        spec = kind.fields.get(name)
        if spec is None or name in SERVER_FIELDS:
            raise BadUserInput(f"{path} is not a field editors set", field=path)
        if value is None:
            if spec.required:
                raise BadUserInput(f"{path} is required and cannot be cleared", field=path)
            checked[name] = None
        else:
            checked[name] = spec.check(value, path)
    return checked


def merged(existing: Record | None, patch: Mapping[str, Any]) -> dict[str, Any]:
    """The item's data once the patch is applied."""
    data = dict(existing.data) if existing is not None and not existing.deleted else {}
    for name, value in patch.items():
        if name == "id":
            continue
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def check_item(kind: Collection, item_id: str, data: Mapping[str, Any], items: Items, where: str) -> None:
    """The catalog stays consistent with this item saved as `data`, or BAD_USER_INPUT says why."""
    existing = items.of(kind).get(item_id)
    if existing is not None and existing.deleted:
        raise BadUserInput(
            f"{where}.id: {kind.name} {item_id} was deleted; deletes are final (use a new id)",
            field=f"{where}.id",
            reason="RECORD_DELETED",
        )
    other = TRACKS if kind is COLLECTIONS else COLLECTIONS
    if item_id in items.of(other):
        raise BadUserInput(
            f"{where}.id: {item_id} is already the id of a {other.name}; catalog ids are unique",
            field=f"{where}.id",
            reason="ID_TAKEN",
        )
    missing = [public_name(name) for name, spec in kind.fields.items() if spec.required and name not in data]
    if missing:
        raise BadUserInput(
            f"a new {kind.name} needs {', '.join(missing)}",
            field=f"{where}.{missing[0]}",
            reason="REQUIRED_FIELD",
        )
    if kind is COLLECTIONS:
        _check_collection(item_id, data, items, where)
    else:
        _check_track(data, items, where)


def _check_collection(item_id: str, data: Mapping[str, Any], items: Items, where: str) -> None:
    slug = data["slug"]
    for record in items.collections.values():
        if record.id != item_id and not record.deleted and record.data.get("slug") == slug:
            raise BadUserInput(
                f"{where}.slug: {slug} is already the slug of collection {record.id}",
                field=f"{where}.slug",
                reason="SLUG_TAKEN",
            )
    default = data["default_language"]
    if default not in data["title"]:
        raise BadUserInput(
            f"{where}.title has no text in the default language {default}",
            field=f"{where}.title",
            reason="DEFAULT_LANGUAGE_MISSING",
        )
    parent_id = data.get("parent_id")
    depth = 0
    while parent_id is not None:
        parent = items.collections.get(parent_id)
        if parent is None or parent.deleted:
            raise BadUserInput(
                f"{where}.parentId: there is no collection {parent_id}", field=f"{where}.parentId"
            )
        depth += 1
        if parent_id == item_id or depth > MAX_DEPTH:
            raise BadUserInput(
                f"{where}.parentId: a collection can't be inside itself, nor nest deeper than {MAX_DEPTH}",
                field=f"{where}.parentId",
                reason="CYCLE",
            )
        parent_id = parent.data.get("parent_id")


def _check_track(data: Mapping[str, Any], items: Items, where: str) -> None:
    collection_id = data["collection_id"]
    parent = items.collections.get(collection_id)
    if parent is None or parent.deleted:
        raise BadUserInput(
            f"{where}.collectionId: there is no collection {collection_id}", field=f"{where}.collectionId"
        )


Patches = dict[tuple[str, str], dict[str, Any]]  # (kind name, id) -> patch with `id`


def cascade(items: Items, patches: Patches) -> Patches:
    """The patches, plus the `hidden_by_parent` and `required_entitlement` updates that keep every
    item's flags true to the catalog as it will be once they are applied (an unpublished collection
    hides what it holds; a collection's `requires` is inherited by everything in it)."""
    after: dict[str, Mapping[str, Any] | None] = {}
    for item_id, record in items.collections.items():
        after[item_id] = None if record.deleted else record.data
    for (kind, item_id), patch in patches.items():
        if kind == COLLECTIONS.name:
            after[item_id] = merged(items.collections.get(item_id), patch)
    shown: dict[str, bool] = {}

    def visible(collection_id: str | None, depth: int = 0) -> bool:
        """The collection exists, is published, and so is every collection above it."""
        if collection_id is None:
            return True
        if collection_id not in shown:
            data = after.get(collection_id)
            shown[collection_id] = (
                data is not None
                and bool(data.get("published_at"))
                and depth <= MAX_DEPTH
                and visible(data.get("parent_id"), depth + 1)
            )
        return shown[collection_id]

    required: dict[str, str | None] = {}

    def requirement(collection_id: str | None, depth: int = 0) -> str | None:
        """The entitlement a collection needs: its own `requires`, else the nearest one's above it."""
        if collection_id is None or depth > MAX_DEPTH:
            return None
        if collection_id not in required:
            data = after.get(collection_id) or {}
            own = data.get("requires")
            required[collection_id] = (
                own if own is not None else requirement(data.get("parent_id"), depth + 1)
            )
        return required[collection_id]

    result = {key: dict(patch) for key, patch in patches.items()}
    for kind, table, parent_field in (
        (COLLECTIONS.name, items.collections, "parent_id"),
        (TRACKS.name, items.tracks, "collection_id"),
    ):
        ids = {item_id for item_id, record in table.items() if not record.deleted}
        ids |= {item_id for key_kind, item_id in patches if key_kind == kind}
        for item_id in ids:
            data = merged(table.get(item_id), result.get((kind, item_id), {}))
            hidden = data.get(parent_field) is not None and not visible(data.get(parent_field))
            if hidden != bool(data.get("hidden_by_parent")):
                patch = result.setdefault((kind, item_id), {"id": item_id})
                patch["hidden_by_parent"] = True if hidden else None
            needs = data.get("requires") or requirement(data.get(parent_field))
            if needs != data.get("required_entitlement"):
                patch = result.setdefault((kind, item_id), {"id": item_id})
                patch["required_entitlement"] = needs
    return result


def check_requires(name: str | None, known: frozenset[str] | None, field: str) -> None:
    """BAD_USER_INPUT (UNKNOWN_ENTITLEMENT) when `requires` names an entitlement the plans file does
    not declare (`known`; None: any name goes)."""
    if name is not None and known is not None and name not in known:
        raise BadUserInput(
            f"{field}: {name!r} is not an entitlement of this deployment (the plans file "
            f"declares {', '.join(sorted(known)) or 'none'})",
            field=field,
            reason="UNKNOWN_ENTITLEMENT",
        )
