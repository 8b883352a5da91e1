"""Health of a response cache: a ping of its backend (one read of a key never written, never a scan),
with a real redis-server that answers and then is stopped, and the embedded SQLite and memory backends."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from promptgit.llm.cache.response_cache import ResponseCache
from tests.llm.cache.redis_server import RedisServer


def test_memory_and_sqlite_answer_a_ping(tmp_path: Path) -> None:
    for url in ("memory://", f"sqlite:///{tmp_path / 'responses.db'}"):
        cache = ResponseCache(url, registry=CollectorRegistry())
        health = cache.health()
        cache.close()
        assert health["ok"] is True and health["error"] is None, url
        assert health["backend"] in ("memory", "sqlite") and health["latency_ms"] >= 0


def test_redis_is_pinged_and_a_stopped_one_is_reported(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        cache = ResponseCache(server.url, registry=CollectorRegistry(), socket_timeout=2)
        assert cache.health()["ok"] is True
        before = command_counts(server)
        cache.health()
        after = command_counts(server)
        ran = {
            name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)
        }
        assert ran.get("get") == 1 and not {"scan", "keys", "dbsize"} & set(ran)  # one GET, never a scan
    finally:
        server.stop()
    down = cache.health()
    assert down["ok"] is False and down["backend"] == "redis" and "Error" in (down["error"] or "")
    cache.close()


def command_counts(server: RedisServer) -> dict[str, int]:
    """Calls per command name since the server started (INFO commandstats)."""
    import redis

    with redis.Redis(host="127.0.0.1", port=server.port) as client:
        stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
