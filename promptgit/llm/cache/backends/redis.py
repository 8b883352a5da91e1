"""`redis://host:port/db` and `rediss://` (TLS): one cache for many replicas on many machines.

Through redis-py (the `redis` extra). TTLs are set in Redis (SET ... PX), so entries expire there and
the server's maxmemory policy bounds it (`allkeys-lru` or `volatile-lru`); every key is under `prefix`
(values at `<prefix>v:<key>`, lock keys at `<prefix>l:<key>`). Timeouts are short and redis-py's retries
are off by default: a cache that does not answer quickly is skipped, not waited for. Valkey speaks the
same protocol and works with the same URLs.
"""

from __future__ import annotations

import uuid
from typing import Any

from promptgit.errors import ConfigError
from promptgit.llm.cache import codec

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
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
        self._release = self._client.register_script(_RELEASE)

    @property
    def client(self) -> Any:
        """The redis-py client (e.g. for health checks)."""
        return self._client

    def get(self, key: str) -> dict[str, Any] | None:
        data = self._client.get(self._values + key)
        return None if data is None else codec.decode(data)

    def set(self, key: str, data: bytes, ttl: float) -> None:
        self._client.set(self._values + key, data, px=max(int(ttl * 1000), 1))

    def delete(self, key: str) -> None:
        self._client.delete(self._values + key)

    def count(self) -> int:
        return sum(1 for _ in self._scan(self._values))

    def prune(self) -> int:
        return 0  # Redis expires entries itself, and its maxmemory policy bounds them

    def clear(self) -> int:
        removed, batch = 0, []
        for name in self._scan(self._values):  # lock keys expire by themselves
            batch.append(name)
            if len(batch) == 500:
                removed += self._client.unlink(*batch)
                batch = []
        if batch:
            removed += self._client.unlink(*batch)
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
