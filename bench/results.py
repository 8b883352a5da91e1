"""The README's performance rows, as each benchmark last wrote them (bench/results/NAME.md).

A benchmark run with `--results` saves its rows here with the date and the load it ran under;
`python bench/readme_table.py` writes them into README.md, so the table is the benchmarks' output, never
typed by hand (tests/test_readme_table.py keeps the two equal).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ("validate", "validate-git", "startup", "scale")  # the table's order; others follow by name


def save(name: str, rows: list[tuple[str, str, str]]) -> Path:
    """Write `rows` (what, measured, target) to bench/results/NAME.md, each with when and under what load.

    Rows of another `what` already there stay (a run of some of a script's curves replaces only theirs)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.md"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    script = f"bench/{name.split('-')[0]}.py"
    note = f"<!-- {script}, {stamp}, load average {load} on {os.cpu_count()} cores -->"
    written: list[str] = []
    if path.exists():
        replaced = tuple(f"| {what} |" for what, _, _ in rows)
        lines = path.read_text("utf-8").splitlines()
        for before, line in zip(["", *lines], lines, strict=False):
            if line.startswith("| ") and not line.startswith(replaced):
                written += [before, line] if before.startswith("<!--") else [line]
    for what, measured, target in rows:
        written += [note, f"| {what} | {measured} | {target} |"]
    path.write_text("\n".join(written) + "\n", "utf-8")
    return path


def saved() -> list[Path]:
    """The saved row files, in the table's order."""
    found = sorted(RESULTS.glob("*.md"))
    rank = {name: index for index, name in enumerate(ORDER)}
    return sorted(found, key=lambda path: (rank.get(path.stem, len(ORDER)), path.stem))
