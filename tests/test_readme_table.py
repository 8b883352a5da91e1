"""README.md's performance table is the benchmarks' saved output (bench/results/), never typed by hand."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_the_readme_table_is_the_saved_bench_output() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import readme_table
    finally:
        sys.path.remove(str(BENCH))
    text = readme_table.README.read_text("utf-8")
    assert readme_table.with_table(text) == text, (
        "README.md's performance table differs from bench/results/: run `python bench/readme_table.py`"
    )
    assert list((BENCH / "results").glob("*.md")), "no saved results: run the benchmarks with --results"
