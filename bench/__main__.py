"""Run every benchmark: `make bench` (or `python -m bench [name ...]`)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "handler_bench",
    "load_bench",
    "coldstart_bench",
    "sync_bench",
    "cost",
    "worker_memory",
    "progress_bench",
    "catalog_bench",
    "account_bench",
    "clients_bench",
    "ratelimit_bench",
    "chat_bench",
]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
