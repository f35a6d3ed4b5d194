"""The demo catalog's media, generated (a tone per track, a one-page transcript, a cover image)
and uploaded to the local S3 by `make dev`, so that a new developer can play the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localdev import samples

CONTENT_TYPES = {"wav": "audio/wav", "pdf": "application/pdf", "png": "image/png"}


def media_keys(catalog: Path) -> list[str]:
    """Every media key the catalog file names (tracks' media, collections' cover images)."""
    document: dict[str, Any] = json.loads(catalog.read_text(encoding="utf-8"))
    keys = [key for track in document.get("tracks", []) for key in (track.get("media") or {}).values() if key]
    keys += [c["coverImage"] for c in document.get("collections", []) if c.get("coverImage")]
    return sorted(set(keys))


def content(key: str) -> bytes:
    kind = key.rsplit(".", 1)[-1]
    if kind == "wav":
        return samples.wav(seconds=3.0, frequency=220.0 + 20 * (sum(key.encode()) % 12))
    if kind == "pdf":
        return samples.pdf(f"Transcript of {key.split('/')[1]}")
    if kind == "png":
        return samples.png(64, 64)
    raise ValueError(f"no demo media of type {kind!r} ({key})")


def upload(client: Any, bucket: str, catalog: Path) -> int:
    """Upload the files that are missing; returns how many were uploaded."""
    listing = client.list_objects_v2(Bucket=bucket, Prefix="catalog/")
    present = {item["Key"] for item in listing.get("Contents", [])}
    uploaded = 0
    for key in media_keys(catalog):
        if key in present:
            continue
        kind = key.rsplit(".", 1)[-1]
        client.put_object(Bucket=bucket, Key=key, Body=content(key), ContentType=CONTENT_TYPES[kind])
        uploaded += 1
    return uploaded
