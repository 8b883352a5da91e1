"""memory://: an LRU bounded by entries and by encoded bytes."""

from __future__ import annotations

import pytest

from promptgit.errors import ConfigError
from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.backends.memory import MemoryBackend
from promptgit.llm.cache.keys_and_values import encode
from tests.llm.cache.conftest import FakeClock


def test_the_least_recently_used_entry_goes_first(clock: FakeClock) -> None:
    backend = MemoryBackend(clock=clock, max_entries=2)
    backend.set("a", encode({"n": 1}), 60)
    backend.set("b", encode({"n": 2}), 60)
    assert backend.get("a") == {"n": 1}  # a is now the most recent
    backend.set("c", encode({"n": 3}), 60)
    assert (backend.get("a"), backend.get("b"), backend.get("c")) == ({"n": 1}, None, {"n": 3})


def test_the_byte_bound_counts_encoded_values(clock: FakeClock) -> None:
    backend = MemoryBackend(clock=clock, max_bytes=100)
    for name in "abc":
        backend.set(name, encode({"text": name * 30}), 60)  # 41 bytes each
    assert backend.count() == 2
    assert backend.size_bytes == 82
    assert backend.get("a") is None


def test_a_value_larger_than_the_cache_is_not_stored(clock: FakeClock) -> None:
    backend = MemoryBackend(clock=clock, max_bytes=10)
    backend.set("a", encode({"text": "x" * 20}), 60)
    assert backend.count() == 0


def test_the_stored_value_is_a_copy_of_what_compute_returned(clock: FakeClock) -> None:
    cache = ResponseCache("memory://", clock=clock)
    value = {"response": {"text": "first"}}
    cache.get_or_compute("k", lambda: value, prompt="p", version="1")
    value["response"]["text"] = "changed by the caller"
    assert cache.get_or_compute("k", dict, prompt="p", version="1") == ({"response": {"text": "first"}}, True)


def test_options_reach_the_backend_and_unknown_ones_are_a_config_error() -> None:
    assert ResponseCache("memory://", max_entries=5).backend.max_entries == 5
    with pytest.raises(ConfigError, match=r"memory://: .*max_entires"):
        ResponseCache("memory://", max_entires=5)
    with pytest.raises(ConfigError, match="unknown scheme 'mongodb'"):
        ResponseCache("mongodb://localhost")
