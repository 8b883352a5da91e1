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
  count it used to run;
- commit: the pre-commit hook (a new process, as git runs it) for one staged prompt in a library of
  10 / 100 / 1,000 prompts x 100 releases (library_setup.py), against the same commit at 10 prompts
  (target 1.5x), and, for reference, against one `git for-each-ref --merged=HEAD` of every tag;
- cold `x@production` at 1k / 10k / 100k tags (the same libraries: every prompt labelled in production
  and staging) against `git show TAG:PATH`: a new GitStore resolving the label and reading the released
  file, which is what git show does (target 3x), and a new Repository's get, which compiles it too;
- loader passes over 1k / 3k / 10k prompts in one flat folder: the second pass of `get(name@production)`
  over every prompt against a warm get of one prompt (no cliff below the bounds: a cliff makes it about
  1,000x; a working set larger than one prompt a few times; target 10x; evictions asserted to be 0), and
  the first pass against the same first pass in folders of 100 (git's path lookup in a large tree).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cache_setup import RedisProcess, response_value
from library_setup import build_library, prompt_name, stage_one_change
from loader_setup import per_call
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.keys_and_values import encode, request_key
from promptgit.loader.repository import Repository
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import parse_selector


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


# --- prompt libraries: commits, cold label gets, loader passes --------------------------------------

RELEASES = 100  # releases per prompt in the commit and cold-get libraries
QUICK_RELEASES = 10


def library(scratch: Path, prompts: int, releases: int, *, flat: bool = False) -> Path:
    """The library of that shape under `scratch`, built once per run (curves share them), with one
    prompt's change staged (the commit the hook judges). Past 1,000 prompts only production is labelled:
    two labels of 10,000 prompts are a labels file over the default max_file_bytes."""
    root = scratch / f"library-{prompts}x{releases}{'-flat' if flat else ''}"
    if not root.exists():
        print(f"  building {prompts:,} prompts x {releases} releases ...", file=sys.stderr, flush=True)
        labels = ("production", "staging") if prompts <= 1_000 else ("production",)
        build_library(root, prompts, releases, flat=flat, labels=labels)
        stage_one_change(root, prompts // 2, releases, flat)
    return root


def process_environment(scratch: Path) -> dict[str, str]:
    """A new process as installed: bytecode cached (in the scratch directory, not the source tree)."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return environment


def commit_curve(prompts: int, scratch: Path, rounds: int) -> list[Row]:
    releases = QUICK_RELEASES if rounds < 1_000 else RELEASES
    small, large = library(scratch, 10, releases), library(scratch, prompts, releases)
    environment = process_environment(scratch)

    def hook(root: Path) -> Callable[[], object]:
        command = [sys.executable, "-m", "promptgit", "hooks", "run", "pre-commit"]
        env = environment | {"GIT_INDEX_FILE": str(root / ".git" / "index")}  # as git sets it in a commit
        return lambda: subprocess.run(command, cwd=root, env=env, capture_output=True, check=True)

    def every_tag() -> object:
        command = ["git", "for-each-ref", "--merged=HEAD", "--format=%(refname)", "refs/tags/prompts/"]
        return subprocess.run(command, cwd=large, capture_output=True, check=True)

    hook(large)()  # fills the bytecode cache
    times = per_call({"ours": hook(large), "small": hook(small), "tags": every_tag}, 1, repeat=7)
    what = "commit: one staged prompt"
    return [
        Row(what, prompts, times["ours"], times["small"], "the same commit at 10 prompts", 1.5),
        Row(
            f"{what}, vs every tag", prompts, times["ours"], times["tags"], "for-each-ref --merged, all tags"
        ),
    ]


def cold_label_curve(tags: int, scratch: Path, rounds: int) -> list[Row]:
    releases = QUICK_RELEASES if rounds < 1_000 else RELEASES
    root = library(scratch, max(1, tags // releases), releases)
    name = prompt_name(tags // releases // 3)
    show = ["git", "show", f"prompts/{name}/v1.{releases - 1}.0:prompts/{name}.j2"]

    def cold_read() -> object:
        """What `git show` does: resolve the label to a release and read its file (a new GitStore)."""
        store = GitStore(root)
        try:
            head = store.at(store.resolve_commit("HEAD"), "prompts")
            version = store.resolve_version(parse_selector(f"{name}@production"), head)
            return store.at(store.release_commit(name, version), "prompts").read_prompt(name)
        finally:
            store.close()

    def cold_get() -> object:
        """And what an application does: a new Repository, one get (which also compiles the template)."""
        repository = Repository(root, registry=CollectorRegistry())
        try:
            return repository.get(f"{name}@production")
        finally:
            repository.close()

    def git_show() -> object:
        return subprocess.run(show, cwd=root, capture_output=True, check=True)

    times = per_call({"read": cold_read, "get": cold_get, "show": git_show}, max(3, rounds // 100), repeat=5)
    # sizes are tags; every prompt (a hundredth of them) is labelled in production and staging
    return [
        Row("cold x@production: resolve + read", tags, times["read"], times["show"], "git show", 3.0),
        Row("cold x@production: Repository.get", tags, times["get"], times["show"], "git show"),
    ]


def loader_pass_curve(prompts: int, scratch: Path, rounds: int) -> list[Row]:
    del rounds
    flat, folders = library(scratch, prompts, 1, flat=True), library(scratch, prompts, 1)

    def passes(root: Path, names: list[str]) -> tuple[float, float, float]:
        """Seconds per get: first pass, second pass over every prompt, and a warm get of one prompt."""
        repository = Repository(root, registry=CollectorRegistry())
        try:
            seconds = []
            for _ in range(2):
                started = time.perf_counter()
                for name in names:
                    repository.get(f"{name}@production")
                seconds.append((time.perf_counter() - started) / len(names))
            one = f"{names[0]}@production"
            warm = per_call({"one": lambda: repository.get(one)}, 1_000, repeat=5)["one"]
            evictions = repository.stats()["evictions"]
            assert not any(evictions.values()), evictions  # no cliff: nothing was forgotten
        finally:
            repository.close()
        return seconds[0], seconds[1], warm

    first_flat, second_flat, warm_flat = passes(flat, [prompt_name(n, flat=True) for n in range(prompts)])
    first_folders, _, _ = passes(folders, [prompt_name(n) for n in range(prompts)])
    return [
        # a cliff makes the second pass as slow as the first (about 1,000x a warm get)
        Row("loader: second pass, every prompt", prompts, second_flat, warm_flat, "warm get of one", 10.0),
        Row("loader: first pass, one flat folder", prompts, first_flat, first_folders, "folders of 100", 1.5),
    ]


CURVES = [
    Curve("sqlite", sqlite_curve, (10_000, 100_000, 1_000_000), (1_000, 10_000, 100_000)),
    Curve("redis", redis_curve, (1_000, 10_000, 100_000), (1_000, 10_000, 100_000)),
    Curve("commit", commit_curve, (10, 100, 1_000), (10, 100, 300)),
    Curve("cold-label", cold_label_curve, (1_000, 10_000, 100_000), (100, 1_000, 3_000)),
    Curve("loader-pass", loader_pass_curve, (1_000, 3_000, 10_000), (300, 1_000, 3_000)),
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
    parser.add_argument(
        "--results", action="store_true", help="also write the README's rows to bench/results/scale.md"
    )
    args = parser.parse_args()
    rounds = 200 if args.quick else 1_000
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        for curve in CURVES:
            if args.only and not any(name in curve.name for name in args.only):
                continue
            for size in curve.quick_sizes if args.quick else curve.sizes:
                print(f"{curve.name} at {size:,} ...", file=sys.stderr, flush=True)
                try:
                    rows += curve.measure(size, Path(scratch), rounds)
                except Exception as exc:  # one failed point must not lose the others' figures
                    print(f"{curve.name} at {size:,} failed: {exc!r}", file=sys.stderr, flush=True)
    print_table(rows)
    if args.results:
        from results import save

        print(f"wrote {save('scale', readme_rows(rows))}")
    return 0


def readme_rows(rows: list[Row]) -> list[tuple[str, str, str]]:
    """One README row per curve: its sizes, ours and the floor at each, and the ratios."""
    by_curve: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda row: (row.curve, row.size)):
        by_curve.setdefault(row.curve, []).append(row)
    found = []
    for curve, points in by_curve.items():
        measured = "; ".join(
            f"{point.size:,}: {_duration(point.ours)}, {point.ratio:.2f}x {point.floor_name}"
            for point in points
        )
        target = points[-1].target
        found.append((f"{curve} (`bench/scale.py`)", measured, "" if target is None else f"<= {target}x"))
    return found


def _duration(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    sys.exit(main())
