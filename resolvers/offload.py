"""Run the (blocking, boto-based) core in a worker thread so the event loop keeps serving."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

T = TypeVar("T")


async def offload(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `function(*args, **kwargs)` in a worker thread (context variables carried over)."""
    return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))
