"""Process workers for the multi-process tests: each opens its own ResponseCache on a shared URL and
counts the upstream calls it makes in a shared file (one line per call, appended atomically)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache


def record_call(counter: Path, key: str) -> None:
    descriptor = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{key}\n".encode())
    finally:
        os.close(descriptor)


def calls(counter: Path) -> list[str]:
    return counter.read_text().split() if counter.exists() else []


def lookups(url: str, keys: list[str], counter: str, hold: float, barrier: Any = None) -> tuple[int, int]:
    """Look every key up in order; a miss records its call and holds the flight `hold` seconds."""
    cache = ResponseCache(url, registry=CollectorRegistry(), wait_timeout=60, lock_ttl=60)
    if barrier is not None:
        barrier.wait(60)
    for key in keys:

        def compute(key: str = key) -> dict[str, Any]:
            record_call(Path(counter), key)
            time.sleep(hold)  # keep the flight open so the other processes meet it
            return {
                "response": {"key": key, "pid": os.getpid()},
                "usage": {"input_tokens": 1, "output_tokens": 1},
            }

        cache.get_or_compute(key, compute, prompt="p", version="1")
    stats = cache.stats()
    cache.close()
    return stats.hits, stats.misses


def _report(
    results: Any, index: int, url: str, keys: list[str], counter: str, hold: float, barrier: Any
) -> None:
    results.put((index, lookups(url, keys, counter, hold, barrier)))


def run_processes(count: int, url: str, keys: list[str], counter: Path, hold: float) -> list[tuple[int, int]]:
    """`count` spawned processes running `lookups` together (a barrier starts them); their (hits, misses)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count), context.Queue()
    processes = [
        context.Process(target=_report, args=(results, n, url, keys, str(counter), hold, barrier))
        for n in range(count)
    ]
    for process in processes:
        process.start()
    found = dict(results.get(timeout=180) for _ in processes)
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    return [found[n] for n in range(count)]


def open_new_file(path: str, barrier: Any, results: Any) -> None:
    """Open a ConnectionPool on `path` when the barrier lets every process go; report the error, if any."""
    from promptgit.llm.cache.backends.sqlite import ConnectionPool

    barrier.wait(60)
    try:
        ConnectionPool(Path(path), busy_timeout=2.0).connection()
        results.put("ok")
    except Exception as exc:  # the test reports what went wrong
        results.put(repr(exc))
