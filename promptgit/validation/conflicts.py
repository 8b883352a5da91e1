"""Merge conflict markers left in a prompt, partial or labels file (PG108).

A conflicted merge that is staged as it is (`git add` after a careless resolve) parses as Jinja and as
YAML text, renders, and ships both sides with git's markers inside a message. A `<<<<<<<`, `|||||||` or
`>>>>>>>` line (seven characters, then a space or the end of the line) is a marker; a `=======` line only
between a `<<<<<<<` and its `>>>>>>>`, since seven `=` under a line is also a Markdown heading.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptgit.findings import Finding
from promptgit.validation.rules import finding

_OPEN, _BASE, _CLOSE = "<" * 7, "|" * 7, ">" * 7


def _marker(line: str, marker: str) -> bool:
    return line.startswith(marker) and (len(line) == 7 or line[7] in " \t\r")


def conflict_markers(shown: str, text: str) -> Iterator[Finding]:
    """One PG108 per conflict block (at its `<<<<<<<` line), and per marker found outside one."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "|||||||" not in text:
        return  # the common case: one scan of the text
    opened: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _marker(line, _OPEN):
            if opened is not None:
                yield _unclosed(shown, opened)
            opened = number
        elif _marker(line, _CLOSE):
            if opened is None:
                yield finding(
                    shown,
                    (number, 1),
                    "PG108",
                    f"merge conflict marker '{_CLOSE}' without its '{_OPEN}' line: resolve the conflict",
                )
            else:
                yield finding(
                    shown,
                    (opened, 1),
                    "PG108",
                    f"merge conflict markers (lines {opened}-{number}): keep one side, remove the markers",
                )
                opened = None
        elif opened is None and _marker(line, _BASE):
            yield finding(
                shown, (number, 1), "PG108", f"merge conflict marker '{_BASE}': resolve the conflict"
            )
    if opened is not None:
        yield _unclosed(shown, opened)


def _unclosed(shown: str, line: int) -> Finding:
    return finding(
        shown,
        (line, 1),
        "PG108",
        f"merge conflict marker '{_OPEN}' without its '{_CLOSE}': resolve the conflict",
    )
