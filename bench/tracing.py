"""What tracing costs the warm loader path (run by hand: `python bench/tracing.py [--quick]`).

Side by side, interleaved, in one process, for warm render(), warm get() and get()+render():
- off: opentelemetry not imported (as without the `otel` extra);
- on, no span: the SDK configured, no current span (get and render make none);
- on, sampled out: inside a request span a ParentBased(TraceIdRatioBased(0)) sampler dropped;
- on, sampled in: inside a recording request span (spans made and ended; no exporter attached).
Target: on, sampled out within 10% of off for render.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from loader_setup import INPUTS, build_repository
from opentelemetry import context, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository

MODES = ("off", "on, no span", "on, sampled out", "on, sampled in")


def enter(mode: str, sampled_out: trace.Span, sampled_in: trace.Span) -> tuple[object | None, object]:
    """Put the process in `mode`; returns what leave() needs to undo it."""
    module = sys.modules.pop("opentelemetry.trace") if mode == "off" else None
    span = {"on, sampled out": sampled_out, "on, sampled in": sampled_in}.get(mode, trace.INVALID_SPAN)
    return module, context.attach(trace.set_span_in_context(span))


def leave(state: tuple[object | None, object]) -> None:
    module, token = state
    context.detach(token)  # type: ignore[arg-type]
    if module is not None:
        sys.modules["opentelemetry.trace"] = module  # type: ignore[assignment]


def measure(
    cases: dict[str, Callable[[], object]], number: int, repeat: int, spans: tuple[trace.Span, trace.Span]
) -> dict[tuple[str, str], float]:
    """Best mean seconds per call of each case in each mode, modes interleaved round by round."""
    best: dict[tuple[str, str], float] = {}
    for _ in range(repeat):
        for mode in MODES:
            state = enter(mode, *spans)
            try:
                for case, function in cases.items():
                    start = time.perf_counter()
                    for _ in range(number):
                        function()
                    elapsed = (time.perf_counter() - start) / number
                    best[(case, mode)] = min(best.get((case, mode), float("inf")), elapsed)
            finally:
                leave(state)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    number, repeat = (1000, 10) if args.quick else (1000, 80)

    trace.set_tracer_provider(TracerProvider(sampler=ParentBased(TraceIdRatioBased(0.0))))
    sampled_out = trace.get_tracer("bench").start_span("request (sampled out)")
    sampled_in = TracerProvider().get_tracer("bench").start_span("request (sampled in)")
    assert not sampled_out.is_recording() and sampled_in.is_recording()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build_repository(root, 3)
        repository = Repository(root, registry=CollectorRegistry())
        prompt = repository.get("hook@production")
        cases: dict[str, Callable[[], object]] = {
            "render()": lambda: prompt.render(**INPUTS),
            "get()": lambda: repository.get("hook@production"),
            "get()+render()": lambda: repository.get("hook@production").render(**INPUTS),
        }
        best = measure(cases, number, repeat, (sampled_out, sampled_in))
        repository.close()

    print(f"{'case':<16}" + "".join(f"{mode:>22}" for mode in MODES))
    for case in cases:
        base = best[(case, "off")]
        cells = [f"{best[(case, mode)] * 1e6:8.2f} us  {best[(case, mode)] / base:5.2f}x" for mode in MODES]
        print(f"{case:<16}" + "".join(f"{cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
