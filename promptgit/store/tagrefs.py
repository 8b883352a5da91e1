"""Release tag refs read straight from the ref files: `packed-refs` (bisected, as git does) and loose refs.

Listing tags through git or GitPython reads every ref; a prompt's releases are a few lines among
possibly 10,000 tags, so reading the files directly keeps resolution independent of the tag count.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from promptgit.errors import GitError

HEX = re.compile(rb"^[0-9a-f]{40}([0-9a-f]{24})?$")

# packed-refs as read: mapped, not read whole, so a bisected lookup touches a few pages of a file that
# holds every tag of a large repository (git maps it too)
PackedRefs = bytes | mmap.mmap


@dataclass(frozen=True)
class TagRef:
    """A tag ref as stored: what it points at, and the peeled commit when packed-refs recorded it."""

    target: str  # what the ref points at: a tag object (annotated) or a commit (lightweight)
    peeled: str | None  # the commit, when packed-refs recorded it


def loose_tag_refs(directory: Path) -> dict[str, TagRef]:
    """version -> ref for the loose refs `v<version>` directly in `directory` (refs/tags/prompts/<name>)."""
    refs: dict[str, TagRef] = {}
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return refs
    for entry in entries:
        if entry.name.startswith("v") and entry.is_file():
            try:
                target = Path(entry.path).read_bytes().strip()
            except OSError:
                continue
            if HEX.match(target):
                refs[entry.name[1:]] = TagRef(target.decode(), None)
    return refs


def packed_tag_refs(packed: PackedRefs, prefix: bytes) -> dict[str, TagRef]:
    """version -> ref for the lines of packed-refs naming `prefix<version>`.

    A sorted packed-refs (git writes the `sorted` trait) is bisected like git does, so the cost does not
    grow with the number of tags; otherwise a substring search finds each candidate line.
    """
    refs: dict[str, TagRef] = {}
    header = packed[: packed.find(b"\n") + 1] if packed[:1] == b"#" else b""
    if b" sorted" in header:
        line = _first_ref_line_from(packed, prefix)
        while line < len(packed):
            parsed = _ref_line(packed, line)
            if not parsed[1].startswith(prefix):
                break
            _add_ref(refs, prefix, parsed)
            line = _next_ref_line(packed, parsed[3])
        return refs
    needle = b" " + prefix
    position = packed.find(needle)
    while position >= 0:
        parsed = _ref_line(packed, packed.rfind(b"\n", 0, position) + 1)
        _add_ref(refs, prefix, parsed)
        position = packed.find(needle, parsed[3])
    return refs


def _ref_line(packed: PackedRefs, start: int) -> tuple[bytes, bytes, bytes | None, int]:
    """(target, refname, peeled, offset after the line and its `^peeled` line) of the line at `start`."""
    end = packed.find(b"\n", start)
    end = len(packed) if end < 0 else end
    target, _, refname = packed[start:end].rstrip(b"\r").partition(b" ")
    after = end + 1
    peeled = None
    if packed[after : after + 1] == b"^":
        peeled_end = packed.find(b"\n", after)
        peeled_end = len(packed) if peeled_end < 0 else peeled_end
        peeled = packed[after + 1 : peeled_end].strip()
        after = peeled_end + 1
    return target, refname, peeled, after


def _add_ref(refs: dict[str, TagRef], prefix: bytes, parsed: tuple[bytes, bytes, bytes | None, int]) -> None:
    target, refname, peeled, _ = parsed
    version = refname[len(prefix) :]
    if refname.startswith(prefix) and b"/" not in version and HEX.match(target):
        good_peel = peeled.decode() if peeled is not None and HEX.match(peeled) else None
        refs[version.decode("utf-8", "replace")] = TagRef(target.decode(), good_peel)


def _next_ref_line(packed: PackedRefs, offset: int) -> int:
    """Start of the first ref line (not a `#` or `^` line) at or after `offset`; len(packed) if none."""
    if offset > 0 and packed[offset - 1 : offset] != b"\n":
        newline = packed.find(b"\n", offset)
        offset = len(packed) if newline < 0 else newline + 1
    while offset < len(packed) and packed[offset : offset + 1] in (b"#", b"^"):
        newline = packed.find(b"\n", offset)
        offset = len(packed) if newline < 0 else newline + 1
    return offset


def _first_ref_line_from(packed: PackedRefs, prefix: bytes) -> int:
    """Bisect: the first ref line whose refname sorts at or after `prefix`."""
    low, high = 0, len(packed)
    while low < high:
        middle = (low + high) // 2
        line = _next_ref_line(packed, middle)
        if line >= len(packed) or _ref_line(packed, line)[1] >= prefix:
            high = middle
        else:
            low = middle + 1
    return _next_ref_line(packed, low)


def uses_reftable(common_dir: Path) -> bool:
    """Whether refs live in a reftable (git 2.45+), which only git itself reads."""
    try:
        config = (common_dir / "config").read_text("utf-8", "replace")
    except OSError:
        return False
    return "reftable" in config


def tag_refs_from_git(run_git: Callable[..., str], prefix: str) -> dict[str, TagRef]:
    """version -> ref for the tags under `prefix`, listed by `git for-each-ref` (for a reftable)."""
    try:
        out = run_git("for-each-ref", "--format=%(objectname) %(*objectname) %(refname)", prefix[:-1])
    except GitError as exc:
        raise GitError(f"cannot list tags: {exc}") from None
    refs: dict[str, TagRef] = {}
    for line in out.splitlines():
        target, peeled, refname = line.split(" ", 2)
        if refname.startswith(prefix):
            refs[refname[len(prefix) :]] = TagRef(target, peeled or None)
    return refs


def read_packed_refs(common_dir: Path) -> PackedRefs:
    """The packed-refs file, mapped read-only (b"" when there is none or it is empty); GitError when it
    cannot be read. git replaces the file by a rename, so a mapping keeps the snapshot it was opened on."""
    try:
        with open(common_dir / "packed-refs", "rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                return b""
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        return b""
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise GitError(f"{common_dir}: cannot read packed-refs: {reason}") from None
