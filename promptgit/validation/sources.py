"""Reading a file to validate: contained, size first, then bytes, then UTF-8; each failure is a finding."""

from __future__ import annotations

from pathlib import Path

from promptgit.errors import PromptSyntaxError
from promptgit.findings import Finding
from promptgit.format.frontmatter import decode
from promptgit.sources.contained import read_contained
from promptgit.validation.rules import finding


def read_text(path: Path, shown: str, max_bytes: int, within: Path) -> str | Finding:
    """The text of `path`, or the PG103/PG104/PG106 finding that stops it from being validated.

    Read through store.files: a regular file resolving inside `within` (the repository), at most
    `max_bytes`; a FIFO, a device or a symlinked directory out of the repository is a PG106 finding.
    """
    try:
        return decode(shown, read_contained(path, shown, max_bytes, within))
    except PromptSyntaxError as exc:
        return finding(shown, (exc.line, exc.column), exc.code, exc.message)
