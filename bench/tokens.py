"""Benchmark the heuristic token estimate against exact cl100k_base counts, run by hand.

    python bench/tokens.py              # error table and speed table
    python bench/tokens.py --calibrate  # fit the heuristic's weights (prints WEIGHTS for heuristic.py)

Corpus: every `system.md` under $PROMPTGIT_CORPUS_DIR/fabric (default /work/shared/corpus/fabric), read
at bench time. Files are sorted by path; the even-numbered ones are the calibration half (the weights are
fitted on them), the odd-numbered ones the held-out half. Errors are reported for both halves and for all.
Speed: each method in a fresh interpreter (import time included), over the whole corpus, median of runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from promptgit.tokens import heuristic
from promptgit.tokens.encodings import load_encoding

DEFAULT_CORPUS = "/work/shared/corpus"


def corpus_files() -> list[Path]:
    root = Path(os.environ.get("PROMPTGIT_CORPUS_DIR", DEFAULT_CORPUS)) / "fabric"
    files = sorted(root.rglob("system.md"))
    if not files:
        raise SystemExit(f"no system.md files under {root}")
    return files


def read(path: Path) -> str:
    return path.read_text("utf-8", errors="replace")


def exact_counts(texts: list[str]) -> list[int]:
    encoding = load_encoding("cl100k_base")
    return [len(encoding.encode(text, disallowed_special=())) for text in texts]


def error_row(label: str, estimates: list[int], exact: list[int]) -> str:
    relative = [abs(e - x) / x for e, x in zip(estimates, exact, strict=True) if x]
    relative.sort()
    p95 = relative[min(len(relative) - 1, round(0.95 * (len(relative) - 1)))]
    total = (sum(estimates) - sum(exact)) / sum(exact)
    return (
        f"{label:<22} {len(exact):>5} {sum(exact):>9} {statistics.median(relative):>8.2%} {p95:>8.2%}"
        f" {relative[-1]:>8.2%} {total:>+8.2%}"
    )


def fit(texts: list[str], exact: list[int]) -> tuple[float, ...]:
    """Weighted least squares on relative error: minimise sum(((features . w) - exact) / exact)^2."""
    size = len(heuristic.FEATURES)
    normal = [[0.0] * size for _ in range(size)]
    rhs = [0.0] * size
    for text, target in zip(texts, exact, strict=True):
        if not target:
            continue
        x = heuristic.features(text)
        y = target - heuristic.non_ascii_tokens(text)
        scale = 1.0 / (target * target)
        for i in range(size):
            rhs[i] += x[i] * y * scale
            for j in range(size):
                normal[i][j] += x[i] * x[j] * scale
    return tuple(round(w, 3) for w in _solve(normal, rhs))


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    size = len(rhs)
    rows = [[*row, value] for row, value in zip(matrix, rhs, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        if abs(rows[col][col]) < 1e-12:  # a feature absent from the corpus keeps weight 0
            continue
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] / rows[i][i] if abs(rows[i][i]) >= 1e-12 else 0.0 for i in range(size)]


_HEURISTIC_RUN = """
import sys
from pathlib import Path
from promptgit.tokens.heuristic import estimate
print(sum(estimate(Path(p).read_text("utf-8", errors="replace")) for p in sys.argv[1:]))
"""
_EXACT_RUN = """
import sys
from pathlib import Path
from promptgit.tokens.encodings import load_encoding
encoding = load_encoding("cl100k_base")
print(sum(len(encoding.encode(Path(p).read_text("utf-8", errors="replace"), disallowed_special=()))
          for p in sys.argv[1:]))
"""
_BASELINE_RUN = """
import sys
from pathlib import Path
print(sum(len(Path(p).read_text("utf-8", errors="replace")) for p in sys.argv[1:]))
"""


def timed_run(code: str, files: list[Path], runs: int) -> float:
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *map(str, files)], check=True, capture_output=True)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="fit weights on the calibration half")
    parser.add_argument("--runs", type=int, default=5, help="fresh-process runs per method (median)")
    args = parser.parse_args()

    files = corpus_files()
    texts = [read(path) for path in files]
    exact = exact_counts(texts)
    calibration = list(range(0, len(files), 2))
    held_out = list(range(1, len(files), 2))

    if args.calibrate:
        weights = fit([texts[i] for i in calibration], [exact[i] for i in calibration])
        print("WEIGHTS = (" + ", ".join(str(w) for w in weights) + ")  # " + ", ".join(heuristic.FEATURES))
        return 0

    estimates = [heuristic.estimate(text) for text in texts]
    print(f"heuristic vs exact cl100k_base over {len(files)} system.md files ({sum(map(len, texts))} chars)")
    print(f"{'set':<22} {'files':>5} {'tokens':>9} {'median':>8} {'p95':>8} {'worst':>8} {'total':>8}")
    for label, indices in (
        ("held-out half (odd)", held_out),
        ("calibration half", calibration),
        ("all", list(range(len(files)))),
    ):
        print(error_row(label, [estimates[i] for i in indices], [exact[i] for i in indices]))
    worst = max(range(len(files)), key=lambda i: abs(estimates[i] - exact[i]) / max(exact[i], 1))
    print(f"worst file: {files[worst].parent.name} ({estimates[worst]} estimated, {exact[worst]} exact)")

    print()
    print(f"speed: fresh interpreter, import included, whole corpus, median of {args.runs} runs")
    baseline = timed_run(_BASELINE_RUN, files, args.runs)
    heuristic_time = timed_run(_HEURISTIC_RUN, files, args.runs)
    exact_time = timed_run(_EXACT_RUN, files, args.runs)
    print(f"{'method':<22} {'seconds':>8} {'minus startup':>14} {'vs heuristic':>13}")
    print(f"{'python, read files':<22} {baseline:>8.3f} {0:>14.3f} {'':>13}")
    for label, seconds in (("heuristic", heuristic_time), ("tiktoken cl100k_base", exact_time)):
        print(f"{label:<22} {seconds:>8.3f} {seconds - baseline:>14.3f} {seconds / heuristic_time:>12.2f}x")
    in_process = time.perf_counter()
    for text in texts:
        heuristic.estimate(text)
    print(f"heuristic in process (no import): {time.perf_counter() - in_process:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
