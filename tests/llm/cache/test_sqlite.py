"""sqlite:///: several processes on one file, bounds, schema version, and files that are not right."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.backends import default_path
from tests.llm.cache.conftest import FakeClock, Upstream, response_value
from tests.llm.cache.workers import calls, run_processes

PROCESSES = 4


def errors(registry: CollectorRegistry, operation: str) -> float:
    labels = {"backend": "sqlite", "operation": operation}
    return registry.get_sample_value("promptgit_response_cache_errors_total", labels) or 0.0


def test_the_default_is_a_file_under_the_user_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: CollectorRegistry
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "promptgit" / "responses.db"
    cache = ResponseCache(registry=registry)
    cache.get_or_compute("k", Upstream(), prompt="p", version="1")
    assert cache.backend.path == default_path()
    assert default_path().is_file()
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_path() == Path.home() / ".cache" / "promptgit" / "responses.db"


def test_four_processes_share_one_file_and_call_upstream_once_per_key(tmp_path: Path) -> None:
    url, counter = f"sqlite:///{tmp_path}/responses.db", tmp_path / "calls"
    keys = [f"key-{n}" for n in range(12)]
    results = run_processes(PROCESSES, url, keys, counter, hold=0.02)
    assert sorted(calls(counter)) == sorted(keys)  # every key computed, none twice
    assert sum(hits for hits, _ in results) == PROCESSES * len(keys) - len(keys)
    cache = ResponseCache(url, registry=CollectorRegistry())
    assert cache.stats().entries == len(keys)


def test_sixteen_threads_on_one_file(tmp_path: Path, registry: CollectorRegistry) -> None:
    cache = ResponseCache(f"sqlite:///{tmp_path}/responses.db", registry=registry)
    upstream, lock = Upstream(), threading.Lock()

    def compute() -> dict[str, Any]:
        with lock:
            return upstream()

    def run() -> None:
        for n in range(20):
            cache.get_or_compute(f"k{n}", compute, prompt="p", version="1")

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert upstream.calls == 20
    assert (cache.stats().hits, cache.stats().misses) == (16 * 20 - 20, 20)
    assert errors(registry, "get") == errors(registry, "set") == 0


def test_the_least_recently_used_entries_are_pruned(tmp_path: Path, clock: FakeClock) -> None:
    options: dict[str, Any] = {"clock": clock, "max_entries": 3, "prune_every": 1, "touch_interval": 0}
    cache = ResponseCache(f"sqlite:///{tmp_path}/r.db", registry=CollectorRegistry(), **options)
    for name in "abc":
        clock.advance(1)
        cache.get_or_compute(name, Upstream(), prompt="p", version="1")
    clock.advance(1)
    assert cache.get_or_compute("a", Upstream(), prompt="p", version="1")[1] is True  # a used last now
    clock.advance(1)
    cache.get_or_compute("d", Upstream(), prompt="p", version="1")
    assert cache.stats().entries == 3
    assert cache.get_or_compute("b", Upstream(), prompt="p", version="1")[1] is False


def test_the_byte_bound_prunes_the_oldest(tmp_path: Path, clock: FakeClock) -> None:
    options: dict[str, Any] = {"clock": clock, "max_bytes": 600, "prune_every": 1000}
    cache = ResponseCache(f"sqlite:///{tmp_path}/r.db", registry=CollectorRegistry(), **options)
    for n in range(4):
        clock.advance(1)
        cache.get_or_compute(f"k{n}", Upstream(), prompt="p", version="1")  # ~400 bytes each
    assert cache.prune() == 3
    assert cache.get_or_compute("k3", Upstream(), prompt="p", version="1")[1] is True


def test_a_file_that_is_not_a_database_is_left_alone_and_fails_open(
    tmp_path: Path, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    # only a file whose header says it is promptgit's is ever moved aside: this one may be the user's
    path = tmp_path / "responses.db"
    path.write_bytes(b"this is not an SQLite file" * 100)
    cache = ResponseCache(f"sqlite:///{path}", registry=registry, retry_after=0)
    with caplog.at_level(logging.WARNING, "promptgit.llm.cache"):
        assert cache.get_or_compute("k", Upstream(), prompt="p", version="1") == (response_value(), False)
    assert sorted(found.name for found in tmp_path.iterdir()) == ["responses.db"]
    assert path.read_bytes() == b"this is not an SQLite file" * 100
    assert "is not a promptgit response cache" in caplog.text
    assert errors(registry, "get") == 1


def test_a_database_with_damaged_pages_is_moved_aside(tmp_path: Path, registry: CollectorRegistry) -> None:
    path = tmp_path / "responses.db"
    cache = ResponseCache(f"sqlite:///{path}", registry=registry, retry_after=0)
    for n in range(200):
        cache.get_or_compute(f"k{n}", Upstream(), prompt="p", version="1")
    cache.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xa5" * (4096 * 4)  # garbage over pages 3 to 6
    path.write_bytes(bytes(data))
    cache = ResponseCache(f"sqlite:///{path}", registry=registry, retry_after=0)
    for n in range(200):  # some lookups reach a damaged page; every one still returns its value
        assert cache.get_or_compute(f"k{n}", Upstream(), prompt="p", version="1")[0] == response_value()
    assert errors(registry, "get") >= 1
    assert list(tmp_path.glob("responses.db.corrupt-*"))


def test_a_value_that_is_not_json_is_a_counted_miss(tmp_path: Path, registry: CollectorRegistry) -> None:
    path = tmp_path / "responses.db"
    cache = ResponseCache(f"sqlite:///{path}", registry=registry)
    cache.get_or_compute("k", Upstream(), prompt="p", version="1")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE entries SET value = ? WHERE key = 'k'", (b"\xff{not json",))
    upstream = Upstream()
    assert cache.get_or_compute("k", upstream, prompt="p", version="1") == (response_value(), False)
    assert errors(registry, "decode") == 1
    assert cache.get_or_compute("k", upstream, prompt="p", version="1")[1] is True  # rewritten
    assert upstream.calls == 1


def test_a_file_of_another_schema_version_is_left_alone(
    tmp_path: Path, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "responses.db"
    ResponseCache(f"sqlite:///{path}", registry=registry).get_or_compute(
        "k", Upstream(), prompt="p", version="1"
    )
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    cache = ResponseCache(f"sqlite:///{path}", registry=CollectorRegistry())
    with caplog.at_level(logging.WARNING, "promptgit.llm.cache"):
        assert cache.get_or_compute("k", Upstream(), prompt="p", version="1")[1] is False
    assert "schema version 99, this promptgit reads 2" in caplog.text
    assert path.is_file() and not list(tmp_path.glob("*.corrupt-*"))


def test_an_unwritable_directory_fails_open(tmp_path: Path, registry: CollectorRegistry) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    cache = ResponseCache(f"sqlite:///{blocker}/sub/responses.db", registry=registry)
    assert cache.get_or_compute("k", Upstream(), prompt="p", version="1") == (response_value(), False)
    assert errors(registry, "get") == 1
    assert cache.stats().entries is None


def test_a_file_locked_past_the_busy_timeout_fails_open(tmp_path: Path, registry: CollectorRegistry) -> None:
    path = tmp_path / "responses.db"
    cache = ResponseCache(f"sqlite:///{path}", registry=registry, busy_timeout=0.05, retry_after=0)
    cache.get_or_compute("k", Upstream(), prompt="p", version="1")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    upstream = Upstream()
    assert cache.get_or_compute("new", upstream, prompt="p", version="1") == (response_value(), False)
    assert errors(registry, "lock") + errors(registry, "set") >= 1
    holder.execute("ROLLBACK")
    holder.close()
    assert cache.get_or_compute("new", upstream, prompt="p", version="1")[1] is False  # nothing was stored
    assert cache.get_or_compute("new", upstream, prompt="p", version="1")[1] is True
    assert upstream.calls == 2


def test_processes_opening_a_new_file_together_all_get_it(tmp_path: Path) -> None:
    # switching a new file to WAL needs it alone, and SQLite says "database is locked" at once to the
    # others (no busy wait): before the retry, 6 processes at one barrier lost 6 runs in 15
    import multiprocessing

    from tests.llm.cache.workers import open_new_file

    context = multiprocessing.get_context("spawn")
    outcomes = []
    for attempt in range(4):
        barrier, results = context.Barrier(6), context.Queue()
        path = str(tmp_path / f"new-{attempt}.db")
        processes = [context.Process(target=open_new_file, args=(path, barrier, results)) for _ in range(6)]
        for process in processes:
            process.start()
        outcomes += [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(60)
    assert outcomes == ["ok"] * 24
