"""What LLM.complete adds to a provider call, run by hand: `PYTHONPATH=$PWD python bench/llm.py [--rounds N]`.

Against the OpenAI-compatible stub server of tests/llm on loopback, with the real openai SDK, side by side in
interleaved rounds (median per operation), in one process:
- `bare SDK call`: client.chat.completions.create with the request complete() would send;
- `complete(), no cache`: render, request, the same call within the call's deadline (a thread), usage, cost,
  metrics (the miss path's overhead); `..., no deadline` the same with LLM(timeout=None);
- `complete(), memory hit`: render, key, lookup, Completion, no call;
- `render()`: the loaded prompt's render alone;
- `complete(call=), no cache`: complete() around an in-process callable returning a fixed answer, which
  isolates complete()'s own work from the HTTP round trip (whose run-to-run spread on a shared machine is
  larger than that work).
The stub answers in microseconds, so the bare call is almost all SDK and HTTP: a real provider's hundreds
of milliseconds make the overhead column smaller still.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openai
from prometheus_client import CollectorRegistry

from promptgit.llm import LLM
from promptgit.llm.cache import ResponseCache
from promptgit.loader import Repository
from tests.llm.stub_server import StubLLM

PROMPT = """\
---
version: 1.0.0
kind: hook
model: gpt-4o-mini
inputs: {topic: {type: string}}
params: {temperature: 0}
---
{% message "system" %}You write one opening line for a short video.{% endmessage %}
{% message "user" %}Topic: {{ topic }}{% endmessage %}
"""


def timed(operation: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        operation()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, StubLLM() as stub:
        root = Path(tmp)
        (root / "prompts").mkdir()
        (root / "prompts" / "hook.j2").write_text(PROMPT, encoding="utf-8")
        git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "hook"], check=True)
        subprocess.run([*git, "tag", "-a", "prompts/hook/v1.0.0", "-m", "hook 1.0.0"], check=True)
        registry = CollectorRegistry()
        prompt = Repository(root, registry=registry).get("hook@1.0.0")  # a release, as in production
        cache = ResponseCache("memory://", registry=registry)
        client = openai.OpenAI(base_url=stub.base_url, api_key="bench", max_retries=0)
        request = {"model": "gpt-4o-mini", "messages": prompt.render(topic="bread"), "temperature": 0}
        inputs = {"topic": "bread"}
        cached = LLM(client=client, cache=cache, registry=registry)
        uncached = LLM(client=client, registry=registry)
        no_deadline = LLM(client=client, registry=registry, timeout=None)
        cached.complete(prompt, inputs)  # fill the cache
        answer = client.chat.completions.create(**request).model_dump(mode="json")  # type: ignore[call-overload]
        in_process = LLM(call=lambda **_: answer, registry=registry)
        operations: dict[str, Callable[[], object]] = {
            "bare SDK call": lambda: client.chat.completions.create(**request),  # type: ignore[call-overload]
            "complete(), no cache": lambda: uncached.complete(prompt, inputs),
            "complete(), no deadline": lambda: no_deadline.complete(prompt, inputs),
            "complete(), memory hit": lambda: cached.complete(prompt, inputs),
            "render()": lambda: prompt.render(topic="bread"),
            "complete(call=), no cache": lambda: in_process.complete(prompt, inputs),
        }
        samples: dict[str, list[float]] = {name: [] for name in operations}
        for _ in range(args.rounds):
            for name, operation in operations.items():
                samples[name].append(timed(operation, args.repeat))
        client.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    bare = medians["bare SDK call"]
    print(f"{'operation':<26}{'median us':>12}{'x bare call':>14}")
    for name, seconds in medians.items():
        print(f"{name:<26}{seconds * 1e6:>12.1f}{seconds / bare:>14.3f}")
    own = medians["complete(call=), no cache"]
    share = own / bare
    print(
        f"\ncomplete() with call= (its own work, no HTTP): {own * 1e6:.1f} us = {share:.1%} of the bare call"
    )


if __name__ == "__main__":
    main()
