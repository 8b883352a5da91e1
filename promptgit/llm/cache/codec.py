"""The value codec: a cached value is a JSON object stored as UTF-8 bytes, never a pickle.

Kept apart from storage (as python-diskcache keeps `Disk` apart from `Cache`): a backend stores bytes
and knows nothing of their shape; a value that does not decode is a `CorruptValue`, which the cache
counts and treats as a miss. Decoding uses orjson when it is installed (the `speedups` extra: a
1 KB response parses in ~1.5 us instead of ~10 us, most of a SQLite hit); encoding always uses the
standard library, which can refuse NaN and infinities (orjson would write them as null).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any


class CorruptValue(ValueError):
    """A stored value that is not a JSON object (written by something else, or damaged)."""


def encode(value: Mapping[str, Any]) -> bytes:
    """The canonical bytes of `value`; TypeError/ValueError for anything that is not plain JSON."""
    if not isinstance(value, Mapping):
        raise TypeError(f"a cached value must be a JSON object, not {type(value).__name__}")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _parser() -> Callable[[bytes | str], Any]:
    try:
        import orjson
    except ImportError:
        return json.loads
    return orjson.loads


_parse = _parser()


def decode(data: bytes | str, parse: Callable[[bytes | str], Any] = _parse) -> dict[str, Any]:
    """The JSON object in `data`; CorruptValue when it is not one."""
    try:
        value = parse(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptValue(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CorruptValue(f"a JSON {type(value).__name__}, not an object")
    return value
