"""`redis://host:port/db` and `rediss://` (TLS): one cache for many replicas on many machines.

Through redis-py (the `redis` extra). TTLs are set in Redis (SET ... PX), so entries expire there and
the server's maxmemory policy bounds it (`allkeys-lru` or `volatile-lru`); every key is under `prefix`
(values at `<prefix>v:<key>`, lock keys at `<prefix>l:<key>`).

The entry count costs the same at 100 keys and at 1M (it runs on metric scrapes and health checks, so
it must never scan the keyspace): a sorted set `<prefix>index` holds each entry's key with its expiry
time, written by the same script as the value, and expired members are trimmed by every write, so
the count is one ZCOUNT of the members not yet expired (O(log n)). DBSIZE / INFO keyspace would be
O(1) too but count every key of the database, right only when the cache owns it; the index is right in
a shared database as well. What it does not see: an entry the server evicted under maxmemory is
counted until its TTL passes. Times are the server's (TIME), so replicas' clocks do not matter.

Timeouts are short and redis-py's retries are off by default: a cache that does not answer quickly is
skipped, not waited for. Valkey speaks the same protocol and works with the same URLs.
"""

from __future__ import annotations

import uuid
from typing import Any

from promptgit.errors import ConfigError
from promptgit.llm.cache import keys_and_values

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_NOW_MS = "local t = redis.call('time') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
# KEYS: value, index[, lock]; ARGV: data, ttl in ms, index member[, our lock token, released with it]
_SET = (
    _NOW_MS + "redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2]) "
    "redis.call('zadd', KEYS[2], now + tonumber(ARGV[2]), ARGV[3]) "
    "redis.call('zremrangebyscore', KEYS[2], '-inf', now) "
    "if KEYS[3] and redis.call('get', KEYS[3]) == ARGV[4] then redis.call('del', KEYS[3]) end return 1"
)
_COUNT = _NOW_MS + "return redis.call('zcount', KEYS[1], '(' .. now, '+inf')"
_GLOB = str.maketrans({char: f"\\{char}" for char in "*?[]\\"})


class RedisBackend:
    """Entries in Redis under `prefix`; `Locks` through SET NX PX lock keys."""

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "promptgit:response:",
        socket_timeout: float = 0.25,
        socket_connect_timeout: float = 0.25,
        **redis_options: Any,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise ConfigError("redis:// needs redis-py: pip install 'redis>=5' (the redis extra)") from None
        redis_options.setdefault("retry", Retry(NoBackoff(), 0))
        try:
            self._client = redis.Redis.from_url(
                url,
                socket_timeout=socket_timeout,
                socket_connect_timeout=socket_connect_timeout,
                **redis_options,
            )
        except ValueError as exc:
            raise ConfigError(f"response cache: {exc}") from None
        self.prefix = prefix
        self._values = f"{prefix}v:"
        self._locks = f"{prefix}l:"
        self._index = f"{prefix}index"
        self._release = self._client.register_script(_RELEASE)
        self._set = self._client.register_script(_SET)
        self._count = self._client.register_script(_COUNT)

    @property
    def client(self) -> Any:
        """The redis-py client (e.g. for health checks)."""
        return self._client

    def get(self, key: str) -> dict[str, Any] | None:
        data = self._client.get(self._values + key)
        return None if data is None else keys_and_values.decode(data)

    def set(self, key: str, data: bytes, ttl: float) -> None:
        self._set(keys=[self._values + key, self._index], args=[data, max(int(ttl * 1000), 1), key])

    def set_and_release(self, key: str, data: bytes, ttl: float, token: str) -> None:
        keys = [self._values + key, self._index, self._locks + key]
        self._set(keys=keys, args=[data, max(int(ttl * 1000), 1), key, token])

    def delete(self, key: str) -> None:
        with self._client.pipeline(transaction=True) as both:
            both.delete(self._values + key)
            both.zrem(self._index, key)
            both.execute()

    def count(self) -> int:
        """Entries not yet expired, from the index: one ZCOUNT, whatever the number of keys."""
        return int(self._count(keys=[self._index]))

    def prune(self) -> int:
        return 0  # Redis expires entries itself, and its maxmemory policy bounds them

    def clear(self) -> int:
        removed, batch = 0, []
        # a maintenance command: it scans, so it also finds entries the index lost (an evicted index)
        for name in self._scan(self._values):  # lock keys expire by themselves
            batch.append(name)
            if len(batch) == 500:
                removed += self._client.unlink(*batch)
                batch = []
        if batch:
            removed += self._client.unlink(*batch)
        self._client.unlink(self._index)
        return removed

    def close(self) -> None:
        self._client.close()

    def describe(self) -> dict[str, Any]:
        memory = self._client.info("memory")
        return {
            "prefix": self.prefix,
            "entries": self.count(),
            "server_used_memory": memory.get("used_memory"),
            "server_maxmemory_policy": memory.get("maxmemory_policy"),
        }

    def acquire(self, key: str, ttl: float) -> str | None:
        token = uuid.uuid4().hex
        taken = self._client.set(self._locks + key, token, nx=True, px=max(int(ttl * 1000), 1))
        return token if taken else None

    def release(self, key: str, token: str) -> None:
        self._release(keys=[self._locks + key], args=[token])

    def _scan(self, prefix: str) -> Any:
        return self._client.scan_iter(match=prefix.translate(_GLOB) + "*", count=1000)
