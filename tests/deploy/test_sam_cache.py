"""The SAM dependencies cache keeps the lock versions in use and removes the rest."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tests.deploy.sam_cache import prune


def cache_entry(root: Path, name: str, used_at: int) -> Path:
    directory = root / name
    (directory / "deps").mkdir(parents=True)
    (directory / "deps" / "wheel.whl").write_bytes(b"x" * 64)
    lock = directory / ".lock"
    lock.touch()
    os.utime(lock, (used_at, used_at))
    return directory


def test_only_the_most_recently_used_dependency_caches_are_kept(tmp_path: Path) -> None:
    old, older, recent, newest = (
        cache_entry(tmp_path, name, at)
        for name, at in (("old", 2_000), ("older", 1_000), ("recent", 3_000), ("newest", 4_000))
    )

    removed = prune(tmp_path, keep=2)

    assert sorted(removed) == sorted([old, older])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newest", "recent"]
    assert (recent / "deps" / "wheel.whl").is_file()
    assert (newest / "deps" / "wheel.whl").is_file()


def test_a_cache_another_build_is_using_is_not_removed(tmp_path: Path) -> None:
    busy = cache_entry(tmp_path, "busy", 1_000)
    cache_entry(tmp_path, "a", 3_000)
    cache_entry(tmp_path, "b", 4_000)

    with (busy / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert prune(tmp_path, keep=2) == []
    assert (busy / "deps" / "wheel.whl").is_file()
    assert prune(tmp_path, keep=2) == [busy]
