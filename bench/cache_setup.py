"""Parts of bench/cache.py: a stub upstream that counts calls, a redis-server, Zipf-like request streams,
and the worker each benchmark process runs."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import accumulate
from typing import Any

from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache, cache_key

PROMPTS = [f"content/p{n}" for n in range(5)]
PRICE_IN, PRICE_OUT = 0.15 / 1e6, 0.60 / 1e6  # gpt-4o-mini, USD per token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request_key(pair: int) -> str:
    """The cache key of (prompt, inputs) pair number `pair`, as the call path would build it."""
    prompt = PROMPTS[pair % len(PROMPTS)]
    rendered = [
        {"role": "system", "content": "You write opening lines for blog posts. Be brief and vivid."},
        {"role": "user", "content": f"Topic: subject number {pair}. Audience: home bakers."},
    ]
    return cache_key(
        prompt=prompt,
        version="1.0.0",
        blob_sha="a" * 40,
        rendered=rendered,
        model="gpt-4o-mini",
        params={"temperature": 0},
    )


def zipf_stream(requests: int, distinct: int, seed: int, exponent: float = 1.0) -> list[int]:
    """Pair numbers drawn with probability ~ 1/rank**exponent."""
    weights = list(accumulate(1 / (rank + 1) ** exponent for rank in range(distinct)))
    return random.Random(seed).choices(range(distinct), cum_weights=weights, k=requests)


def response_value(pair: int, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    text = f"An opening line about subject {pair}. " * 4
    return {
        "response": {
            "id": f"chatcmpl-{pair}",
            "object": "chat.completion",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
            ],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens},
        },
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cached_tokens": 0,
            "estimated": False,
        },
        "cost_usd": input_tokens * PRICE_IN + output_tokens * PRICE_OUT,
        "model": "gpt-4o-mini",
    }


class StubUpstream:
    """An HTTP server on 127.0.0.1 standing in for the provider: counts calls per key, sleeps `latency`."""

    def __init__(self, latency: float) -> None:
        calls: Counter[str] = Counter()
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    calls[body["key"]] += 1
                time.sleep(latency)
                pair = body["pair"]
                rng = random.Random(pair)
                payload = json.dumps(
                    response_value(pair, rng.randint(200, 800), rng.randint(50, 300))
                ).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.calls = calls
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def call_upstream(url: str, pair: int, key: str) -> dict[str, Any]:
    data = json.dumps({"pair": pair, "key": key}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=30) as answer:
        value: dict[str, Any] = json.loads(answer.read())
    return value


class RedisProcess:
    """redis-server on a free loopback port, no persistence; None when Debian's package is absent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="bench-redis-")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", self.directory]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        client = redis.Redis.from_url(self.url)
        for _ in range(500):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def close(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(20)
        shutil.rmtree(self.directory, ignore_errors=True)


def replay_worker(url: str, upstream: str, stream: list[int], barrier: Any, results: Any) -> None:
    """One benchmark process: replay `stream` through its own ResponseCache on the shared `url`."""
    cache = ResponseCache(url, registry=CollectorRegistry(), wait_timeout=60, lock_ttl=60)
    keys = [request_key(pair) for pair in range(max(stream) + 1)]
    barrier.wait(120)
    start = time.perf_counter()
    for pair in stream:
        key = keys[pair]
        cache.get_or_compute(
            key,
            lambda pair=pair, key=key: call_upstream(upstream, pair, key),
            prompt=PROMPTS[pair % 5],
            version="1.0.0",
        )
    elapsed = time.perf_counter() - start
    stats = cache.stats()
    results.put((os.getpid(), elapsed, stats.hits, stats.misses))
    cache.close()
