"""Benchmark of the response cache (run by hand: `python bench/cache.py [--quick]`).

Prints one table:
- a hit per backend against the raw operation it wraps, both sides hashing the key with cache_key:
  memory:// against a dict lookup, sqlite:/// against a SELECT by primary key on the same file,
  redis:// against a redis-py GET on the same server (target ratio <= 1.5 each);
- a miss's overhead over the bare call (lookups, single-flight, lock keys, encode and store);
- a replay of 10,000 requests over 1,000 distinct (prompt, inputs) pairs drawn Zipf-like: hit rate,
  tokens and cost saved;
- SQLite shared by 4 processes and Redis by 2, each replaying its own Zipf stream through a stub
  upstream on 127.0.0.1 that counts calls: requests/s, upstream calls, lost and duplicated calls.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from cache_setup import (
    RedisProcess,
    StubUpstream,
    replay_worker,
    request_key,
    response_value,
    zipf_stream,
)
from loader_setup import per_call
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache

VALUE = response_value(7, 400, 120)


def hit_rows(url: str, raw: Any, number: int) -> list[tuple[str, str, str]]:
    """Our hit against `raw(key)`, both after hashing the key of the same request."""
    cache = ResponseCache(url, registry=CollectorRegistry())
    cache.get_or_compute(request_key(7), lambda: VALUE, prompt="content/p2", version="1.0.0")

    def ours() -> object:
        return cache.get_or_compute(request_key(7), dict, prompt="content/p2", version="1.0.0")

    def bare() -> object:
        return raw(request_key(7))

    times = per_call({"ours": ours, "raw": bare}, number)
    cache.close()
    name = url.split(":", 1)[0]
    return [
        (f"{name}: raw operation + cache_key", f"{times['raw'] * 1e6:.1f} us", ""),
        (
            f"{name}: hit + cache_key",
            f"{times['ours'] * 1e6:.1f} us",
            f"{times['ours'] / times['raw']:.2f}x raw (target <= 1.5)",
        ),
    ]


def miss_row(url: str, number: int) -> tuple[str, str, str]:
    cache = ResponseCache(url, registry=CollectorRegistry())
    keys = iter(range(10**9))

    def ours() -> object:
        return cache.get_or_compute(f"miss-{next(keys)}", lambda: VALUE, prompt="content/p2", version="1.0.0")

    def bare() -> object:
        return dict(VALUE)

    times = per_call({"ours": ours, "bare": bare}, number, repeat=3)
    cache.close()
    overhead = times["ours"] - times["bare"]
    return (
        f"{url.split(':', 1)[0]}: miss overhead over the bare call",
        f"{overhead * 1e6:.1f} us",
        "lookups, store",
    )


def replay_rows(requests: int, distinct: int) -> list[tuple[str, str, str]]:
    cache = ResponseCache("memory://", registry=CollectorRegistry())
    spent_tokens, spent_cost = 0, 0.0
    for pair in zipf_stream(requests, distinct, seed=1):
        value, hit = cache.get_or_compute(
            request_key(pair),
            lambda pair=pair: response_value(pair, 200 + pair % 600, 50 + pair % 250),
            prompt=f"content/p{pair % 5}",
            version="1.0.0",
        )
        if not hit:
            spent_tokens += value["usage"]["input_tokens"] + value["usage"]["output_tokens"]
            spent_cost += value["cost_usd"]
    stats = cache.stats()
    tokens, total_cost = stats.tokens_saved + spent_tokens, stats.cost_saved_usd + spent_cost
    return [
        (
            f"replay: {requests} requests, {distinct} pairs, Zipf s=1",
            f"hit rate {stats.hit_rate:.1%}",
            f"{stats.misses} upstream calls",
        ),
        ("  tokens saved", f"{stats.tokens_saved:,}", f"{stats.tokens_saved / tokens:.1%} of {tokens:,}"),
        (
            "  cost saved (gpt-4o-mini prices)",
            f"${stats.cost_saved_usd:.4f}",
            f"{stats.cost_saved_usd / total_cost:.1%} of ${total_cost:.4f}",
        ),
    ]


def shared_rows(url: str, processes: int, requests: int, distinct: int) -> list[tuple[str, str, str]]:
    upstream = StubUpstream(latency=0.005)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    streams = [zipf_stream(requests, distinct, seed=10 + n) for n in range(processes)]
    workers = [
        context.Process(target=replay_worker, args=(url, upstream.url, stream, barrier, results))
        for stream in streams
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(60)
    upstream.close()
    elapsed = max(report[1] for report in reports)
    hits, misses = sum(report[2] for report in reports), sum(report[3] for report in reports)
    answered = hits + misses
    wanted = {request_key(pair) for stream in streams for pair in stream}
    called = sum(upstream.calls.values())
    lost = len(wanted - set(upstream.calls)) + (processes * requests - answered)
    duplicated = called - len(upstream.calls)
    name = url.split(":", 1)[0]
    return [
        (
            f"{name}: {processes} processes x {requests} requests",
            f"{answered / elapsed:,.0f} req/s",
            f"hit rate {hits / answered:.1%}",
        ),
        (
            "  upstream calls (stub server)",
            f"{called}",
            f"for {len(wanted)} distinct keys: {lost} lost, {duplicated} duplicated",
        ),
    ]


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(row[0]) for row in rows)
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>16}  {note}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    number = 2_000 if args.quick else 20_000
    rows: list[tuple[str, str, str]] = []
    plain: dict[str, Any] = {request_key(7): VALUE}
    rows += hit_rows("memory://", plain.get, number)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "responses.db"
        url = f"sqlite:///{path}"
        ResponseCache(url, registry=CollectorRegistry()).get_or_compute(
            request_key(7), lambda: VALUE, prompt="p", version="1"
        )
        db = sqlite3.connect(path, isolation_level=None)
        rows += hit_rows(
            url,
            lambda key: db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone(),
            number // 4,
        )
        rows.append(miss_row("memory://", number // 4))
        rows.append(miss_row(url, number // 20))
        redis = RedisProcess() if RedisProcess.available() else None
        try:
            if redis is not None:
                import redis as redis_py

                client = redis_py.Redis.from_url(redis.url)
                rows += hit_rows(
                    redis.url, lambda key: client.get(f"promptgit:response:v:{key}"), number // 10
                )
                rows.append(miss_row(redis.url, number // 40))
            rows += replay_rows(10_000, 1_000)
            requests = 500 if args.quick else 2_500
            rows += shared_rows(f"sqlite:///{Path(scratch) / 'shared.db'}", 4, requests, 1_000)
            if redis is not None:
                client.flushdb()  # the hit and miss rows above left keys the replay would find
                rows += shared_rows(redis.url, 2, requests, 1_000)
            else:
                rows.append(("redis: skipped", "", "redis-server is not installed"))
        finally:
            if redis is not None:
                redis.close()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
