"""sqlite:/// costs what one entry costs, whatever the file holds: the work done, counted, never timed.

SQLite's progress handler counts virtual-machine steps and its trace callback the statements run, so
a write path that reads the whole table (a `count(*), sum(size)` per prune used to) shows up as steps
that grow with the table, and a hit that writes shows up as a statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.backends.sqlite import SQLiteBackend
from tests.llm.cache.conftest import FakeClock, Upstream

VALUE = b'{"response":{"text":"' + b"x" * 300 + b'"},"usage":{"input_tokens":1,"output_tokens":1}}'


def filled(path: Path, clock: FakeClock, entries: int, **options: Any) -> ResponseCache:
    """A cache whose file holds `entries` entries, written in one transaction (the triggers count them)."""
    cache = ResponseCache(f"sqlite:///{path}", registry=CollectorRegistry(), clock=clock, **options)
    cache.get_or_compute("first", Upstream(), prompt="p", version="1")  # creates the file and schema
    db = sqlite3.connect(path, isolation_level=None)
    with db:
        db.execute("BEGIN")
        rows = (
            (f"old-{n:07d}", VALUE, len(VALUE), clock() + 86400, clock() - 3600 + n / entries)
            for n in range(entries)
        )
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
    db.close()
    return cache


@contextmanager
def counting(cache: ResponseCache) -> Iterator[dict[str, Any]]:
    """VM steps (in hundreds) and the statements run on this thread's connection meanwhile."""
    backend = cache.backend
    assert isinstance(backend, SQLiteBackend)
    db = backend._pool.connection()
    work: dict[str, Any] = {"steps": 0, "statements": []}

    def step() -> int:
        work["steps"] += 1
        return 0

    db.set_progress_handler(step, 100)
    db.set_trace_callback(work["statements"].append)
    try:
        yield work
    finally:
        db.set_progress_handler(None, 0)
        db.set_trace_callback(None)


def write_path_work(tmp_path: Path, entries: int) -> dict[str, Any]:
    clock = FakeClock()
    # at its bound, with a prune on every write: each write evicts the least recently used entry
    cache = filled(tmp_path / f"{entries}.db", clock, entries, max_entries=entries, prune_every=1)
    with counting(cache) as work:
        for n in range(50):
            clock.advance(1)
            cache.get_or_compute(f"new-{n}", Upstream(), prompt="p", version="1")
    assert cache.stats().entries == entries
    return work


def test_a_write_at_the_bound_does_the_same_work_at_2k_and_at_40k_entries(tmp_path: Path) -> None:
    small, large = write_path_work(tmp_path, 2_000), write_path_work(tmp_path, 40_000)
    # a whole-table count at 40k entries is thousands of steps per write; what remains is B-tree depth
    assert large["steps"] <= small["steps"] * 1.3 + 20
    statements = [text for text in large["statements"] if not text.startswith("--")]
    assert not [text for text in statements if "count(" in text or "sum(" in text]


def test_no_statement_of_the_write_path_scans_the_table(tmp_path: Path) -> None:
    work = write_path_work(tmp_path, 2_000)
    db = sqlite3.connect(tmp_path / "2000.db")
    plans = {}
    for text in {
        text for text in work["statements"] if not text.startswith(("--", "BEGIN", "COMMIT", "PRAGMA"))
    }:
        parameters = [0] * text.count("?")
        plans[text] = " / ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {text}", parameters))
    full_scans = {
        text: plan for text, plan in plans.items() if "SCAN entries" in plan and "INDEX" not in plan
    }
    assert full_scans == {}
    assert any("USING COVERING INDEX entries_lru" in plan for plan in plans.values())  # the LRU order


def test_the_byte_bound_reads_only_the_entries_it_removes(tmp_path: Path) -> None:
    def work(entries: int) -> int:
        clock = FakeClock()
        cache = filled(
            tmp_path / f"bytes-{entries}.db", clock, entries, max_bytes=entries * len(VALUE), prune_every=1
        )
        with counting(cache) as counted:
            for n in range(30):
                cache.get_or_compute(f"new-{n}", Upstream(), prompt="p", version="1")
        return int(counted["steps"])

    assert work(40_000) <= work(2_000) * 1.3 + 20


def test_a_hit_on_an_old_entry_is_one_select_and_its_touch_rides_on_the_next_write(tmp_path: Path) -> None:
    # a hit on an entry last read more than touch_interval ago used to write accessed_at, every time
    clock = FakeClock()
    cache = filled(tmp_path / "r.db", clock, 1_000, prune_every=10_000)
    with counting(cache) as hits:
        for n in range(100):
            assert cache.get_or_compute(f"old-{n:07d}", Upstream(), prompt="p", version="1")[1] is True
    assert [text.split()[0] for text in hits["statements"]] == ["SELECT"] * 100
    with counting(cache) as write:
        cache.get_or_compute("new", Upstream(), prompt="p", version="1")
    touches = [text for text in write["statements"] if text.startswith("UPDATE entries SET accessed_at")]
    assert len(touches) == 100  # in the write's one transaction
    db = sqlite3.connect(tmp_path / "r.db")
    query = "SELECT count(*) FROM entries WHERE key LIKE 'old-%' AND accessed_at = ?"
    assert db.execute(query, (clock(),)).fetchone()[0] == 100


def test_the_counts_follow_every_kind_of_write(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = filled(tmp_path / "r.db", clock, 500, prune_every=10_000)
    backend = cache.backend
    assert backend.count() == 501
    backend.set("old-0000001", b'{"a":1}', 60)  # an overwrite: same count, fewer bytes
    backend.delete("old-0000002")
    clock.advance(86401)
    cache.get_or_compute("fresh", Upstream(), prompt="p", version="1")
    assert cache.prune() == 500  # every entry but the one written after the clock moved
    db = sqlite3.connect(tmp_path / "r.db")
    assert (
        db.execute("SELECT entries, bytes FROM totals").fetchone()
        == db.execute("SELECT count(*), sum(size) FROM entries").fetchone()
    )
    assert backend.count() == 1


def test_a_miss_writes_twice_the_lock_then_the_value_with_the_unlock(tmp_path: Path) -> None:
    cache = filled(tmp_path / "r.db", FakeClock(), 10)
    with counting(cache) as miss:
        assert cache.get_or_compute("new", Upstream(), prompt="p", version="1")[1] is False
    # the trace repeats a statement for each trigger program it runs: one entry per statement here
    statements = [
        text for n, text in enumerate(miss["statements"]) if miss["statements"][n - 1 : n] != [text]
    ]
    assert [text.split()[0] for text in statements] == [
        "SELECT",  # the lookup
        "BEGIN",  # the lock row, in one transaction
        "DELETE",
        "INSERT",
        "COMMIT",
        "SELECT",  # stored by another process just before we locked?
        "BEGIN",  # the value and the unlock, in one transaction
        "INSERT",
        "DELETE",
        "COMMIT",
    ]
