"""The cache key (each field that changes an answer changes the key; nothing else does) and the value
codec (JSON objects in, the same objects out, anything else a clear CorruptValue)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from promptgit.llm.cache import cache_key, keys_and_values, request_key

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


def test_request_key_hashes_one_mapping_and_cache_key_is_that_of_its_fields() -> None:
    # the call path builds one canonical mapping of the request it sends and hashes it here
    assert request_key(BASE) == cache_key(**BASE)
    assert request_key({"b": 1, "a": [1, "x"]}) == request_key({"a": [1, "x"], "b": 1})
    assert len(request_key({})) == 64


def test_lone_surrogates_are_hashed_and_differ_from_every_valid_string() -> None:
    # legal in JSON text, so they reach inputs and rendered messages
    keys = {request_key({"m": text}) for text in ("\ud800", "\udc00", "\ud800\udc00", "\U00010000", "")}
    assert len(keys) == 5


def test_a_request_that_is_not_json_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="plain JSON"):
        request_key({"x": float("inf")})


PARSERS = [pytest.param(json.loads, id="json"), pytest.param(keys_and_values._parse, id="default")]


@pytest.mark.parametrize("parse", PARSERS)
def test_a_value_round_trips(parse: Any) -> None:
    value = {"response": {"text": "Thème : pain ✓", "n": [1, 2.5, None, True]}, "cost_usd": 1e-06}
    assert keys_and_values.decode(keys_and_values.encode(value), parse) == value


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe not utf-8", "not valid JSON"),
        (b'{"cut": "in the mid', "not valid JSON"),
        (b"[1, 2]", "a JSON list, not an object"),
        (b'"text"', "a JSON str, not an object"),
        (b"", "not valid JSON"),
    ],
)
def test_what_is_not_a_json_object_is_corrupt(parse: Any, data: bytes, message: str) -> None:
    with pytest.raises(keys_and_values.CorruptValue, match=message):
        keys_and_values.decode(data, parse)


@pytest.mark.parametrize("value", [{"x": float("nan")}, {"x": object()}, ["not", "an", "object"]])
def test_only_plain_json_objects_are_encoded(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        keys_and_values.encode(value)
