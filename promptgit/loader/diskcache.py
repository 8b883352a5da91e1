"""Compiled prompts on disk, so a process that starts cold skips the YAML parse and Jinja compilation.

An entry is content-addressed: its key hashes the blob sha (and the commit, for a template whose partials
come from that commit), the file's path, and everything that changes the compiled code: the entry format,
Python's bytecode magic number, the Jinja and promptgit versions, the source of promptgit's compiling
modules, and the environment's settings. A stale entry cannot be found, only a missing one.

Entries hold a marshalled code object, which is executed: the directory must be as trusted as the code.
- The directory is created private (0700); an existing one (or an entry) owned by another user, or
  writable by group or others, is refused: the cache is then off for this process (every lookup a miss).
- Every entry is authenticated: an HMAC-SHA256 with a per-cache random key kept in `<dir>.key` (created
  0600, refused when another user owns it or anyone else can read or write it) precedes the payload, and
  is checked before the payload is unmarshalled. Someone who can replace an entry but not read the key
  cannot make one that is run.
- Any refusal or mismatch is a miss, counted by reason (`promptgit_loader_disk_cache_rejects_total`), never an
  exec; the prompt is compiled again and the entry rewritten. Entries are written to a temporary file
  and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import logging
import marshal
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2

from promptgit.private_files import UntrustedPath as _Untrusted
from promptgit.private_files import check_private as _check_private
from promptgit.private_files import read_private

FORMAT = 1
COMPILED_DIR = f"compiled-v{FORMAT}"
_COMPILING_MODULES = ("prompt.py", "templating.py", "messages.py", "frontmatter.py")
_KEY_BYTES = 32
_MAC_BYTES = hashlib.sha256().digest_size
_MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a compiled prompt is kilobytes; anything this large is not ours
# why an entry was not used: the `reason` label of promptgit_loader_disk_cache_rejects_total
REJECT_REASONS = ("untrusted_directory", "untrusted_entry", "signature", "format")

log = logging.getLogger("promptgit.loader")


@dataclass(frozen=True)
class CompiledEntry:
    """What a compiled prompt needs besides its environment: metadata, layout, and the template code."""

    metadata: dict[str, Any]
    body_line: int
    chat: bool
    template_source: str
    code: CodeType


class CompiledCache:
    """A directory of compiled prompts; `get` and `put` never raise (a failing disk is only slower).

    `on_reject(reason)` is called for every entry refused (see REJECT_REASONS); a missing entry is a
    plain miss.
    """

    def __init__(
        self, directory: str | os.PathLike[str], on_reject: Callable[[str], None] | None = None
    ) -> None:
        self.directory = Path(directory)
        self.key_file = self.directory.with_name(f"{self.directory.name}.key")
        self._on_reject = on_reject
        self._secret: bytes | None = None
        self._trusted: bool | None = None  # decided on first use
        self._lock = threading.Lock()

    def key(self, environment: Any, path: str, blob_sha: str, commit: str | None) -> str:
        parts = (_build_fingerprint(), _settings(environment), path, blob_sha, commit or "")
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

    def get(self, key: str) -> CompiledEntry | None:
        secret = self._key()
        if secret is None:
            self._reject("untrusted_directory")
            return None
        try:
            data = _read_owned(self.directory / key[:2] / key)
        except FileNotFoundError:
            return None
        except _Untrusted:
            self._reject("untrusted_entry")
            return None
        except OSError:
            return None
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        if not hmac.compare_digest(mac, _mac(secret, key, payload)):
            self._reject("signature")
            return None
        try:  # authenticated: written by this user's promptgit with this key; still checked for shape
            version, metadata_json, body_line, chat, template_source, code = marshal.loads(payload)
            if version != FORMAT or not isinstance(code, CodeType):
                raise ValueError("not a compiled prompt of this format")
            return CompiledEntry(json.loads(metadata_json), body_line, chat, template_source, code)
        except (EOFError, ValueError, TypeError):
            self._reject("format")
            return None

    def put(self, key: str, entry: CompiledEntry) -> None:
        """Store `entry` unless its metadata does not survive JSON unchanged (dates, non-string keys)."""
        try:
            metadata_json = json.dumps(entry.metadata)
            if json.loads(metadata_json) != entry.metadata:
                return
        except (TypeError, ValueError):
            return
        secret = self._key()
        if secret is None:
            return
        record = (FORMAT, metadata_json, entry.body_line, entry.chat, entry.template_source, entry.code)
        payload = marshal.dumps(record)
        folder = self.directory / key[:2]
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(_mac(secret, key, payload) + payload)
                os.replace(temporary, folder / key)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except (OSError, ValueError):
            return

    def _key(self) -> bytes | None:
        """The HMAC key, once the directory and key file are checked; None when they are not trusted."""
        if self._trusted is None:
            with self._lock:
                if self._trusted is None:
                    try:
                        self._secret = self._open_key()
                    except (OSError, _Untrusted) as exc:
                        log.warning("promptgit: compiled-prompt cache %s not used: %s", self.directory, exc)
                        self._secret = None
                    self._trusted = self._secret is not None
        return self._secret

    def _open_key(self) -> bytes:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_private(self.directory, os.lstat(self.directory), "directory")
        try:
            return _read_key(self.key_file)
        except FileNotFoundError:
            pass
        # create beside it and link into place: a concurrent process never reads half a key
        handle, temporary = tempfile.mkstemp(prefix=".key-", dir=self.directory.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(secrets.token_bytes(_KEY_BYTES))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, self.key_file)  # never replaces a key another process made first
        finally:
            os.unlink(temporary)
        return _read_key(self.key_file)

    def _reject(self, reason: str) -> None:
        if self._on_reject is not None:
            self._on_reject(reason)


def _read_owned(path: Path, *, unreadable: bool = False) -> bytes:
    return read_private(path, max_bytes=_MAX_ENTRY_BYTES, unreadable=unreadable)


def _read_key(path: Path) -> bytes:
    try:
        secret = _read_owned(path, unreadable=True)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _Untrusted(f"key file {path}: {exc.strerror}") from None
    if len(secret) != _KEY_BYTES:
        raise _Untrusted(f"key file {path} is not a {_KEY_BYTES}-byte key")
    return secret


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    # the entry's own key is signed too: a valid entry copied under another key is refused
    return hmac.new(secret, key.encode("ascii", "replace") + b"\0" + payload, hashlib.sha256).digest()


@lru_cache(maxsize=1)
def _build_fingerprint() -> str:
    """Everything about this installation that changes compiled code (hashed once per process)."""
    from promptgit import __version__

    digest = hashlib.sha256()
    for part in (str(FORMAT), importlib.util.MAGIC_NUMBER.hex(), jinja2.__version__, __version__):
        digest.update(part.encode("utf-8") + b"\0")
    for path in compiling_modules():
        with contextlib.suppress(OSError):  # a zipped install: the versions above still tell builds apart
            digest.update(path.read_bytes())
    return digest.hexdigest()


def compiling_modules() -> list[Path]:
    """The modules of promptgit.format whose source shapes compiled code (hashed into every key)."""
    format_package = Path(__file__).resolve().parent.parent / "format"
    return [format_package / module for module in _COMPILING_MODULES]


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
