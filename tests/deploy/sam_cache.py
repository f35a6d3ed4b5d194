"""`sam build`'s dependency step, kept between runs and clones for one lock (like pip's own cache).

`sam build` (cached = true in samconfig.toml) keeps the dependencies it downloaded under
`.aws-sam/deps/<id>` of its working directory and their manifest hash in `build.toml`; it downloads
again whenever `function/requirements.txt`, the runtime or the architecture differ. Running it from a
user-level directory per lock (and SAM CLI version) lets a fresh clone reuse the arm64 wheels a
previous run resolved (about 100 s of pip on these machines) while the code is copied anew each time.
Only the most recently used `KEPT` locks are kept (each is ~140 MB); older ones are removed when
nobody holds them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

GRAPH = "build.toml"  # where SAM keeps the build definitions: next to the --build-dir
CODEURI = re.compile(r'^codeuri = ".*"$', re.MULTILINE)
KEPT = 2  # lock versions whose dependencies stay cached (the current one and the one before)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tether" / "sam-deps"


def cache_key(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(version("aws-sam-cli").encode())
    return digest.hexdigest()[:16]


@contextmanager
def dependencies_cache(requirements: Path, build_dir: Path, codeuri: Path) -> Iterator[Path]:
    """The working directory to run `sam build --build-dir build_dir` in, with the dependencies a
    previous build of the same requirements left (locked: one build at a time uses it). SAM's
    build definitions are put beside `build_dir` with this clone's code path, and kept afterwards."""
    directory = cache_root() / cache_key(requirements)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept, graph = directory / GRAPH, build_dir.parent / GRAPH
        if kept.is_file():
            graph.write_text(CODEURI.sub(f'codeuri = "{codeuri}"', kept.read_text()))
        yield directory
        if graph.is_file():
            shutil.copyfile(graph, kept)
        os.utime(directory / ".lock")
    prune(cache_root(), keep=KEPT)


def prune(root: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` most recently used cache directories under `root` that nobody is
    building in (a held lock is skipped); the removed ones are returned."""
    entries = [d for d in root.iterdir() if d.is_dir() and (d / ".lock").is_file()]
    entries.sort(key=lambda d: (d / ".lock").stat().st_mtime, reverse=True)
    removed = []
    for directory in entries[keep:]:
        with (directory / ".lock").open("a") as lock:  # "a": opening must not touch its mtime
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(directory)
            removed.append(directory)
    return removed
