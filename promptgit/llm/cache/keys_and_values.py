"""What the cache stores: a key that is the SHA-256 of a request, and a value that is a JSON object.

The key is a hash of a canonical JSON (sorted keys, no whitespace, UTF-8) of one mapping: whatever
changes the answer, so a stale entry cannot be found, only a missing one. `request_key` takes that
mapping as it is; `cache_key` builds it from a prompt release and its rendered request.

A value is stored as UTF-8 JSON bytes, never a pickle. Storage is kept apart from this shape (as
python-diskcache keeps `Disk` apart from `Cache`): a backend stores bytes and knows nothing of them; a
value that does not decode is a `CorruptValue`, which the cache counts and treats as a miss. Decoding
uses orjson when it is installed (the `speedups` extra; see bench/cache.py for what that buys), encoding
always uses the standard library, which refuses NaN and infinities (orjson would write them as null).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any


def request_key(request: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of `request`; TypeError when it is not plain JSON.

    Lone surrogates (legal in JSON text, so they reach inputs) are hashed as their code points
    ("surrogatepass"): no valid string encodes to those bytes, so they cannot collide with one.
    """
    try:
        text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"a cache key must be built from plain JSON ({exc})") from None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_key(
    *,
    prompt: str,
    version: str,
    blob_sha: str,
    rendered: str | list[dict[str, str]],
    model: str | None,
    params: Mapping[str, Any],
) -> str:
    """`request_key` of exactly these fields.

    `params` are the call parameters that change the answer (temperature, top_p, max_tokens,
    response_format, tools, tool_choice, seed, stop, ...), already filtered by the caller. The release
    (version and blob sha) is part of the key: a new release never meets an old release's responses.
    """
    document = {
        "prompt": prompt,
        "version": version,
        "blob_sha": blob_sha,
        "rendered": rendered,
        "model": model,
        "params": dict(params),
    }
    try:
        return request_key(document)
    except TypeError as exc:
        raise TypeError(f"cache key of {prompt}@{version}: parameters must be plain JSON ({exc})") from None


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
