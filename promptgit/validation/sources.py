"""Reading a file to validate: size first, then bytes, then UTF-8; each failure is a finding, not a crash."""

from __future__ import annotations

from pathlib import Path

from promptgit.errors import PromptSyntaxError
from promptgit.findings import Finding
from promptgit.format.frontmatter import decode
from promptgit.validation.rules import finding


def read_text(path: Path, shown: str, max_bytes: int) -> str | Finding:
    """The text of `path`, or the PG103/PG104/PG106 finding that stops it from being validated."""
    try:
        with path.open("rb") as stream:
            # read one byte past the limit: a device or a growing file never makes us read it all
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        return finding(shown, (1, 1), "PG106", f"cannot read file: {exc.strerror or exc}")
    if len(data) > max_bytes:
        size = _size(path)
        shown_size = f"{size} bytes" if size is not None else "larger"
        return finding(shown, (1, 1), "PG104", f"file is {shown_size}, over max_file_bytes ({max_bytes})")
    try:
        return decode(shown, data)
    except PromptSyntaxError as exc:
        return finding(shown, (exc.line, exc.column), exc.code, exc.message)


def _size(path: Path) -> int | None:
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return size or None
