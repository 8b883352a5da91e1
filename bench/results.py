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
    """Write `rows` (what, measured, target) as bench/results/NAME.md, with when and under what load."""
    RESULTS.mkdir(exist_ok=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    lines = [
        f"<!-- bench/{name.split('-')[0]}.py, {stamp}, load average {load} on {os.cpu_count()} cores -->"
    ]
    lines += [f"| {what} | {measured} | {target} |" for what, measured, target in rows]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def saved() -> list[Path]:
    """The saved row files, in the table's order."""
    found = sorted(RESULTS.glob("*.md"))
    rank = {name: index for index, name in enumerate(ORDER)}
    return sorted(found, key=lambda path: (rank.get(path.stem, len(ORDER)), path.stem))
