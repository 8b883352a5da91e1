"""The cache key: a SHA-256 of everything that changes an answer, so a stale entry cannot be found."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def cache_key(
    *,
    prompt: str,
    version: str,
    blob_sha: str,
    rendered: str | list[dict[str, str]],
    model: str | None,
    params: Mapping[str, Any],
) -> str:
    """Hex SHA-256 of a canonical JSON (sorted keys, no whitespace, UTF-8) of exactly these fields.

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
        text = json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cache key of {prompt}@{version}: parameters must be plain JSON ({exc})") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def request_key(identity: Mapping[str, Any]) -> str:
    """Hex SHA-256 of a canonical JSON (sorted keys, no whitespace, UTF-8) of `identity`, the request the
    call path actually sends (promptgit.llm.plan.request_identity decides what is in it).

    Lone surrogates (legal in JSON, e.g. a cut emoji in an input) hash as their UTF-8-like bytes
    (`surrogatepass`) rather than failing the call; TypeError for anything that is not plain JSON.
    """
    try:
        text = json.dumps(
            identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the request must be plain JSON to be cached ({exc})") from None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
