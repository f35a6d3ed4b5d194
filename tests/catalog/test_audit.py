"""Every editor's change to the catalog is in the audit trail (no personal data, the chain intact)."""

from __future__ import annotations

from tests.catalog.conftest import new_collection, new_track
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.services import Services


def test_every_admin_content_change_is_audited(admin: GraphQLClient, services: Services) -> None:
    log = services.audit
    before = max((entry.number for entry in log.entries()), default=0)
    collection = new_collection(admin)["id"]  # save + publish
    track = new_track(admin, collection)["id"]  # save + publish
    admin.data(operation("AdminUnpublish"), {"id": track})
    admin.data(
        operation("AdminMediaUploadUrl"),
        {"trackId": track, "kind": "AUDIO", "contentType": "audio/mpeg", "contentLength": 1000},
    )
    admin.data(operation("AdminDeleteTrack"), {"id": track})
    admin.data(operation("AdminDeleteCollection"), {"id": collection})
    me = admin.data(operation("Me"))["me"]["id"]
    entries = [entry for entry in log.entries() if entry.number > before and entry.kind == "catalog_changed"]
    mine = [entry for entry in entries if entry.subject == log.subject(me)]
    assert [(entry.details["action"], entry.details["item"]) for entry in mine] == [
        ("save", f"collection:{collection}"),
        ("publish", f"collection:{collection}"),
        ("save", f"track:{track}"),
        ("publish", f"track:{track}"),
        ("unpublish", f"track:{track}"),
        ("upload_url", f"track:{track}"),
        ("delete", f"track:{track}"),
        ("delete", f"collection:{collection}"),
    ]
    assert all(me not in str(entry) for entry in mine)  # the editor only as a keyed hash
    assert log.verify().ok
