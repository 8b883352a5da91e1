"""Compiled prompts on disk, so a process that starts cold skips the YAML parse and Jinja compilation.

An entry is content-addressed: its key hashes the blob sha (and the commit, for a template whose partials
come from that commit), the file's path, and everything that changes the compiled code: the entry format,
Python's bytecode magic number, the Jinja and promptgit versions, the source of promptgit's compiling
modules, and the environment's settings. A stale entry cannot be found, only a missing one.

Entries hold a marshalled code object, so the directory is trusted like `__pycache__`: it is created
private (0700), entries are written to a temporary file and renamed into place, and an entry that cannot
be read is a miss (it is compiled again and rewritten).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import marshal
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2

FORMAT = 1
COMPILED_DIR = f"compiled-v{FORMAT}"
_COMPILING_MODULES = ("prompt.py", "templating.py", "messages.py", "frontmatter.py")


@dataclass(frozen=True)
class CompiledEntry:
    """What a compiled prompt needs besides its environment: metadata, layout, and the template code."""

    metadata: dict[str, Any]
    body_line: int
    chat: bool
    template_source: str
    code: CodeType


class CompiledCache:
    """A directory of compiled prompts; `get` and `put` never raise (a failing disk is only slower)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def key(self, environment: Any, path: str, blob_sha: str, commit: str | None) -> str:
        parts = (_build_fingerprint(), _settings(environment), path, blob_sha, commit or "")
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

    def get(self, key: str) -> CompiledEntry | None:
        try:
            data = (self.directory / key[:2] / key).read_bytes()
            found = marshal.loads(data)
            version, metadata_json, body_line, chat, template_source, code = found
            if version != FORMAT or not isinstance(code, CodeType):
                return None
            return CompiledEntry(json.loads(metadata_json), body_line, chat, template_source, code)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def put(self, key: str, entry: CompiledEntry) -> None:
        """Store `entry` unless its metadata does not survive JSON unchanged (dates, non-string keys)."""
        try:
            metadata_json = json.dumps(entry.metadata)
            if json.loads(metadata_json) != entry.metadata:
                return
        except (TypeError, ValueError):
            return
        record = (FORMAT, metadata_json, entry.body_line, entry.chat, entry.template_source, entry.code)
        folder = self.directory / key[:2]
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(marshal.dumps(record))
                os.replace(temporary, folder / key)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except (OSError, ValueError):
            return


@lru_cache(maxsize=1)
def _build_fingerprint() -> str:
    """Everything about this installation that changes compiled code (hashed once per process)."""
    from promptgit import __version__

    digest = hashlib.sha256()
    for part in (str(FORMAT), importlib.util.MAGIC_NUMBER.hex(), jinja2.__version__, __version__):
        digest.update(part.encode("utf-8") + b"\0")
    package = Path(__file__).resolve().parent.parent
    for module in _COMPILING_MODULES:
        with contextlib.suppress(OSError):
            digest.update((package / module).read_bytes())
    return digest.hexdigest()


def _settings(environment: Any) -> str:
    """The environment settings that shape generated code."""
    return repr(
        (
            f"{type(environment).__module__}.{type(environment).__qualname__}",
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.newline_sequence,
            environment.keep_trailing_newline,
            environment.optimized,
            environment.autoescape if isinstance(environment.autoescape, bool) else "callable",
            f"{environment.undefined.__module__}.{environment.undefined.__qualname__}",
            sorted(environment.extensions),
            sorted(getattr(environment, "intercepted_binops", ())),
            sorted(getattr(environment, "intercepted_unops", ())),
        )
    )
