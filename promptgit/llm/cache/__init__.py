"""The response cache of the LLM call path: keys, backends by URL, single-flight, fail-open, metrics.

    cache = ResponseCache()                      # sqlite file under the user cache dir
    cache = ResponseCache("redis://cache:6379/0") # shared by every replica
    key = cache_key(prompt=..., version=..., blob_sha=..., rendered=..., model=..., params=...)
    value, hit = cache.get_or_compute(key, call_upstream, prompt="content/hook", version="1.2.0")

May import the shared modules (errors) only; the call path in promptgit.llm builds on it, never the
other way. redis-py is imported only by the redis backend. See docs/cache.md.
"""

from __future__ import annotations

from promptgit.llm.cache.cache import ResponseCache
from promptgit.llm.cache.keys import cache_key, request_key
from promptgit.llm.cache.stats import CacheStats

__all__ = ["CacheStats", "ResponseCache", "cache_key", "request_key"]
