"""Where the blocking core runs (resolvers/offload.py): inline when its task is alone on the loop,
else in a worker thread while the loop keeps serving."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

import pytest

from resolvers import offload as offloading
from resolvers.offload import offload

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="unset")


def _where() -> str:
    MARK.set("changed by the call")  # must not leak into the caller's context
    return threading.current_thread().name


def test_a_task_alone_on_its_loop_calls_inline_and_keeps_its_context(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted: list[Any] = []
    real = offloading._POOL.submit

    def counted(*args: Any, **kwargs: Any) -> Any:
        submitted.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(offloading._POOL, "submit", counted)

    async def alone() -> tuple[str, str]:
        return await offload(_where), MARK.get()

    name, mark = asyncio.run(alone())
    assert name == threading.current_thread().name
    assert mark == "unset"
    assert submitted == []  # no hand-off to the pool


def test_with_other_tasks_the_call_runs_in_a_worker_while_the_loop_serves_them() -> None:
    released = threading.Event()

    def blocking() -> tuple[str, bool]:
        # Only another task on the loop can set the event: inline, this would wait in vain.
        return threading.current_thread().name, released.wait(timeout=10)

    async def other() -> None:
        released.set()

    async def both() -> tuple[str, bool]:
        task = asyncio.get_running_loop().create_task(other())
        result = await offload(blocking)
        await task
        return result

    name, served = asyncio.run(both())
    assert served
    assert name.startswith("tether-core")
