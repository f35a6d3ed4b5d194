"""Run the (blocking, boto-based) core in a worker thread so the event loop keeps serving.

The workers are one pool per process, kept between requests. (anyio's `to_thread` ties its workers
to the root task: under Mangum every Lambda invocation is a new root task, so every invocation
started a new thread and stopped it again; on a busy machine that was most of an idle pull.)

When the calling task is the only task of its loop (a Lambda invocation: Mangum runs the request
as the loop's one task, and one operation executes one blocking call at a time), there is nothing
for the loop to serve meanwhile: the call runs right there, without two thread wake-ups (handing
the call over, handing the result back), which cost an idle pull most of its overhead on a busy
machine. Sibling fields, batch entries or other requests on the loop are tasks of their own, and
then the call goes to a worker as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# As many blocking calls at once as anyio's default limiter allowed (a long poll holds one).
WORKERS = 40
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="tether-core")


async def offload(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `function(*args, **kwargs)` in a worker thread (context variables carried over), or
    right here when nothing else could run on the loop meanwhile (see the module's docstring)."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    if _alone():
        return call()
    return await asyncio.get_running_loop().run_in_executor(_POOL, call)


def _alone() -> bool:
    """The current task is the running loop's only task."""
    return len(asyncio.all_tasks()) == 1
