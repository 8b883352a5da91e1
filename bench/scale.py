"""Costs that should grow with the change, not the library (run by hand: `python bench/scale.py`).

Prints one table: each curve at three sizes, our cost per operation beside its floor (the raw operation
underneath) and the ratio, with the target the ratio must stay under. `--quick` uses smaller sizes,
`--only NAME` runs the curves whose name contains NAME.

Adding a curve: write `def my_curve(size: int, scratch: Path, rounds: int) -> list[Row]` (build the
world of that size under `scratch`, then measure with `per_call`, which interleaves the functions it
compares) and append a `Curve` to CURVES with its sizes. Both sides of a row pay the same key hashing,
as in bench/cache.py. Curves present:
- response cache, SQLite at 10k / 100k / 1M entries (at its max_entries bound, so writes prune): a
  miss+store through ResponseCache, and the backend's store alone, against a raw INSERT into a plain
  table of the same rows in the same file with the same pragmas (no index, no trigger); a hit on an
  entry last read long ago (so LRU bookkeeping is due) against a raw SELECT by key; and, for reference,
  the whole-table `count(*), sum(size)` every 256th write used to run;
- response cache, Redis stats at 1k / 10k / 100k keys against DBSIZE, and, for reference, the SCAN
  count it used to run.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cache_setup import RedisProcess, response_value
from loader_setup import per_call
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.keys_and_values import encode, request_key


@dataclass(frozen=True)
class Row:
    curve: str
    size: int
    ours: float  # seconds per operation
    floor: float  # seconds per operation of the raw operation underneath
    floor_name: str
    target: float | None = None  # the ratio ours/floor must stay under, if there is one

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")


@dataclass(frozen=True)
class Curve:
    name: str
    measure: Callable[[int, Path, int], list[Row]]  # (size, scratch directory, rounds) -> rows
    sizes: tuple[int, ...]
    quick_sizes: tuple[int, ...]


# --- the response cache on SQLite ---------------------------------------------------------------

VALUE = response_value(7, 400, 120)
DATA = encode(VALUE)
LONG_AGO = 3600.0  # seconds since the filled entries were last read: every hit on one is "old"


def key_of(n: int) -> str:
    """The key of request number `n`, hashed as the call path hashes it (both sides of a row pay it)."""
    return request_key(
        {
            "prompt": "content/p",
            "version": "1.0.0",
            "blob_sha": "a" * 40,
            "messages": [
                {"role": "system", "content": "You write opening lines for blog posts. Be brief and vivid."},
                {"role": "user", "content": f"Topic: subject number {n}. Audience: home bakers."},
            ],
            "model": "gpt-4o-mini",
            "params": {"temperature": 0},
        }
    )


def sqlite_file(path: Path, entries: int) -> None:
    """A promptgit cache file holding `entries` entries (schema by ResponseCache, rows in bulk), and
    the same rows in `raw_entries`, the floor's table."""
    cache = ResponseCache(f"sqlite:///{path}", registry=CollectorRegistry())
    cache.backend.set(key_of(-1), DATA, 86400)
    cache.close()
    db = sqlite3.connect(path, isolation_level=None)
    # the floor: the same rows in a plain table of the same shape, with no index or trigger of ours,
    # written in the same (hash) order so that both B-trees are alike
    db.execute(
        "CREATE TABLE raw_entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL,"
        " expires_at REAL NOT NULL, accessed_at REAL NOT NULL) WITHOUT ROWID"
    )
    now = time.time()
    db.execute("BEGIN")
    for start in range(0, entries, 50_000):
        rows = [
            (key_of(n), DATA, len(DATA), now + 86400, now - LONG_AGO)
            for n in range(start, min(start + 50_000, entries))
        ]
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO raw_entries VALUES (?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def raw_connection(path: Path) -> sqlite3.Connection:
    """A plain connection with the pragmas the backend uses, so the floor is like for like."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def sqlite_curve(size: int, scratch: Path, rounds: int) -> list[Row]:
    path = scratch / f"sqlite-{size}.db"
    sqlite_file(path, size)
    cache = ResponseCache(f"sqlite:///{path}", registry=CollectorRegistry(), max_entries=size)
    backend = cache.backend
    raw = raw_connection(path)
    fresh = iter(range(10**9))
    old = itertools.cycle(random.Random(size).sample(range(size), min(size, rounds * 6 + 10)))

    def miss_and_store() -> object:
        key = key_of(-next(fresh) - 2)
        return cache.get_or_compute(key, lambda: VALUE, prompt="content/p", version="1.0.0")

    def store() -> None:
        backend.set(key_of(-next(fresh) - 2), DATA, 86400)

    def raw_insert() -> None:
        row = (key_of(-next(fresh) - 2), DATA, len(DATA), time.time() + 86400, time.time())
        raw.execute("INSERT INTO raw_entries VALUES (?, ?, ?, ?, ?)", row)

    def old_hit() -> object:
        return cache.get_or_compute(key_of(next(old)), dict, prompt="content/p", version="1.0.0")

    def raw_select() -> object:
        return raw.execute("SELECT value FROM raw_entries WHERE key = ?", (key_of(next(old)),)).fetchone()

    # reads first: the writes push the cache over its bound, and prunes evict the old entries
    reads = per_call({"ours": old_hit, "raw": raw_select}, rounds, repeat=3)
    writes = per_call({"ours": miss_and_store, "store": store, "raw": raw_insert}, rounds, repeat=5)
    started = time.perf_counter()
    raw.execute("SELECT count(*), coalesce(sum(size), 0) FROM entries").fetchone()
    whole_table = time.perf_counter() - started
    cache.close()
    raw.close()
    return [
        Row("sqlite: miss+store (ResponseCache)", size, writes["ours"], writes["raw"], "raw INSERT", 1.5),
        Row("sqlite: store (backend.set)", size, writes["store"], writes["raw"], "raw INSERT", 1.5),
        Row("sqlite: old-entry hit", size, reads["ours"], reads["raw"], "raw SELECT", 1.5),
        Row("sqlite: before: count(*), sum(size)", size, whole_table / 256, writes["raw"], "raw INSERT"),
    ]


# --- the response cache on Redis ----------------------------------------------------------------


def redis_curve(size: int, scratch: Path, rounds: int) -> list[Row]:
    del scratch
    if not RedisProcess.available():
        return []
    import redis as redis_py

    server = RedisProcess()
    try:
        cache = ResponseCache(server.url, registry=CollectorRegistry())
        backend = cache.backend
        client = redis_py.Redis.from_url(server.url)
        for start in range(0, size, 1000):
            with client.pipeline(transaction=False) as pipe:
                for n in range(start, min(start + 1000, size)):
                    backend._set(
                        keys=[backend._values + key_of(n), backend._index],
                        args=[DATA, 86_400_000, key_of(n)],
                        client=pipe,
                    )
                pipe.execute()
        assert cache.stats().entries == size
        times = per_call({"ours": cache.stats, "raw": client.dbsize}, rounds, repeat=5)
        started = time.perf_counter()
        scanned = sum(1 for _ in client.scan_iter(match="promptgit:response:v:*", count=1000))
        scan = time.perf_counter() - started
        assert scanned == size
        cache.close()
    finally:
        server.close()
    return [
        Row("redis: stats()", size, times["ours"], times["raw"], "DBSIZE", None),
        Row("redis: before: SCAN count", size, scan, times["raw"], "DBSIZE"),
    ]


CURVES = [
    Curve("sqlite", sqlite_curve, (10_000, 100_000, 1_000_000), (1_000, 10_000, 100_000)),
    Curve("redis", redis_curve, (1_000, 10_000, 100_000), (1_000, 10_000, 100_000)),
]


# --- the table ----------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = ("curve", "size", "ours", "floor", "ratio", "target")
    lines = [
        (
            row.curve,
            f"{row.size:,}",
            f"{row.ours * 1e6:,.1f} us",
            f"{row.floor * 1e6:,.1f} us {row.floor_name}",
            f"{row.ratio:.2f}x",
            "" if row.target is None else f"<= {row.target}x",
        )
        for row in sorted(rows, key=lambda row: (row.curve, row.size))
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, *lines]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds (a smoke run)")
    parser.add_argument("--only", action="append", default=[], help="run the curves whose name has this")
    args = parser.parse_args()
    rounds = 200 if args.quick else 1_000
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        for curve in CURVES:
            if args.only and not any(name in curve.name for name in args.only):
                continue
            for size in curve.quick_sizes if args.quick else curve.sizes:
                print(f"{curve.name} at {size:,} ...", file=sys.stderr, flush=True)
                rows += curve.measure(size, Path(scratch), rounds)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
