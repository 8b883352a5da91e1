"""The response cache of the LLM call path: keys, backends by URL, single-flight, fail-open, metrics.

    cache = ResponseCache()                      # sqlite file under the user cache dir
    cache = ResponseCache("redis://cache:6379/0") # shared by every replica
    key = request_key({"prompt": ..., "version": ..., "messages": ..., "model": ..., ...})
    value, hit = cache.get_or_compute(key, call_upstream, prompt="content/hook", version="1.2.0")

Modules: response_cache (ResponseCache, CacheStats, single-flight), keys_and_values (the key of a
request, the JSON value codec), fail_open (the fault guard every backend operation goes through),
backends/ (memory, sqlite, redis by URL), metrics (its series).

May import the shared modules (errors, private_files) only; the call path in promptgit.llm builds on
it, never the other way. redis-py is imported only by the redis backend. See docs/cache.md.
"""

from __future__ import annotations

from promptgit.llm.cache.keys_and_values import cache_key, request_key
from promptgit.llm.cache.response_cache import CacheStats, ResponseCache

__all__ = ["CacheStats", "ResponseCache", "cache_key", "request_key"]
