"""The cache key: each field that changes an answer changes the key; nothing else does."""

from __future__ import annotations

import hashlib
import json

import pytest

from promptgit.llm.cache import cache_key

BASE = {
    "prompt": "content/hook",
    "version": "1.2.0",
    "blob_sha": "a" * 40,
    "rendered": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Topic: bread"}],
    "model": "gpt-4o-mini",
    "params": {"temperature": 0, "max_tokens": 100},
}


def test_the_key_is_the_sha256_of_the_canonical_json() -> None:
    canonical = json.dumps(BASE, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert cache_key(**BASE) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("field", "other"),
    [
        ("prompt", "content/other"),
        ("version", "1.2.1"),
        ("blob_sha", "b" * 40),
        ("rendered", [{"role": "user", "content": "Topic: bread"}]),
        ("rendered", "Topic: bread"),
        ("model", "gpt-4o"),
        ("model", None),
        ("params", {"temperature": 0.7, "max_tokens": 100}),
        ("params", {"temperature": 0, "max_tokens": 100, "seed": 1}),
    ],
)
def test_every_field_changes_the_key(field: str, other: object) -> None:
    assert cache_key(**{**BASE, field: other}) != cache_key(**BASE)


def test_parameter_order_does_not_change_the_key() -> None:
    reordered = {**BASE, "params": {"max_tokens": 100, "temperature": 0}}
    assert cache_key(**reordered) == cache_key(**BASE)


def test_non_ascii_text_is_hashed_as_utf8() -> None:
    assert cache_key(**{**BASE, "rendered": "Thème : pain"}) != cache_key(
        **{**BASE, "rendered": "Theme : pain"}
    )


def test_parameters_that_are_not_json_are_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"content/hook@1\.2\.0: parameters must be plain JSON"):
        cache_key(**{**BASE, "params": {"response_format": object()}})
    with pytest.raises(TypeError, match="plain JSON"):
        cache_key(**{**BASE, "params": {"temperature": float("nan")}})
