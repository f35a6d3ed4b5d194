"""The cyclic garbage collector paused while a page of records is built.

A pull's page of 1,000 records is ~5,000 container objects (each record, its fields' map and
lists, each row the writer answers) that all stay alive until the response is sent, and that hold
no cycles. Built with the collector on, it set off ~13 young collections and one of the middle
generation a page, each walking what the page had built so far: ~125 ms of a 10,000-record initial
sync's ~450 ms of CPU outside DynamoDB (bench/handler_bench.py, gc.callbacks). Paused, the objects
are walked once by the first young collection after the page is built.

The collector is the process's: a pause by one thread pauses it for all, which only delays what
they leave for it until the pause ends (a page's build: milliseconds). Pauses nest, from any
thread; the collector resumes when the last one ends, if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic collection while active (see the module's docstring)."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
