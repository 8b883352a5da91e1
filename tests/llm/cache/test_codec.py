"""The value codec: JSON objects in, the same objects out, anything else a clear CorruptValue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from promptgit.llm.cache import codec

PARSERS = [pytest.param(json.loads, id="json"), pytest.param(codec._parse, id="default")]


@pytest.mark.parametrize("parse", PARSERS)
def test_a_value_round_trips(parse: Any) -> None:
    value = {"response": {"text": "Thème : pain ✓", "n": [1, 2.5, None, True]}, "cost_usd": 1e-06}
    assert codec.decode(codec.encode(value), parse) == value


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
    with pytest.raises(codec.CorruptValue, match=message):
        codec.decode(data, parse)


@pytest.mark.parametrize("value", [{"x": float("nan")}, {"x": object()}, ["not", "an", "object"]])
def test_only_plain_json_objects_are_encoded(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        codec.encode(value)
