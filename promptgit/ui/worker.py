"""Renders and validation for the UI, in a child process that owns its main thread and its memory.

A template is untrusted code. The library bounds a render in time with SIGALRM, which only the main thread
of a process can use, and in memory with a process-wide address-space cap (format/bounded.py): neither fits
a server answering in threads. So the server hands renders and validation to one long-lived child process
(`python -m promptgit.ui.worker ROOT`), which runs them exactly as `promptgit render` and `promptgit
validate` do: through the runtime loader (the same input checks, sandbox and `max_render_chars`), then
`render_bounded` with the CLI's time and memory bounds. The parent also gives up on an answer after
`deadline` seconds and starts a new child, so nothing a template does can hold the UI.

Protocol: one JSON object per line each way, one request at a time (a lock in the parent).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from promptgit.errors import PromptgitError

DEADLINE_SECONDS = 20.0  # the child's own render limit is 5 s (bounded.RENDER_SECONDS); start-up comes first


class WorkerError(PromptgitError):
    """The worker process did not answer (crashed, or past its deadline)."""


class Worker:
    """The parent's handle on the child process; thread-safe, one request at a time, restarted on need."""

    def __init__(self, root: Path, deadline: float = DEADLINE_SECONDS) -> None:
        self.root = root
        self.deadline = deadline
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[bytes] = queue.Queue()

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            process = self._running()
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                line = self._answers.get(timeout=self.deadline)
            except (OSError, queue.Empty):
                self._stop()
                raise WorkerError(f"the render worker did not answer within {self.deadline:g} s") from None
            if not line:
                self._stop()
                raise WorkerError("the render worker stopped (see the server's log)")
            answer: dict[str, Any] = json.loads(line)
            return answer

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._answers = queue.Queue()
        process = subprocess.Popen(
            [sys.executable, "-m", "promptgit.ui.worker", str(self.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=self.root,
        )
        assert process.stdout is not None
        threading.Thread(target=_pump, args=(process.stdout, self._answers), daemon=True).start()
        self._process = process
        return process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.stdin is not None:
                self._process.stdin.close()  # the child ends at end of input
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=5)
            self._stop()


def _pump(stream: IO[bytes], answers: queue.Queue[bytes]) -> None:
    """Move the child's answer lines to the queue; an empty line means it ended."""
    for line in iter(stream.readline, b""):
        answers.put(line)
    answers.put(b"")


# --- the child ------------------------------------------------------------------------------------------
def serve(root: Path, requests: IO[str], answers: IO[str]) -> None:
    from prometheus_client import CollectorRegistry

    from promptgit.loader import Repository

    # a registry of its own: the UI's renders are not an application's metrics
    with Repository(root, registry=CollectorRegistry()) as repository:
        for line in requests:
            request = json.loads(line)
            try:
                answer = handle(repository, root, request)
            except PromptgitError as exc:
                answer = {"ok": False, "kind": "error", "error": str(exc)}
            answers.write(json.dumps(answer, default=str) + "\n")
            answers.flush()


def handle(repository: Any, root: Path, request: dict[str, Any]) -> dict[str, Any]:
    if request["op"] == "render":
        return render(repository, request["selector"], request["inputs"])
    if request["op"] == "validate":
        return validate(root)
    raise PromptgitError(f"unknown request {request['op']!r}")


def render(repository: Any, selector: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs checked (each problem named by its input), then the render bounded as `promptgit render`
    bounds it, and its tokens counted for the prompt's model."""
    from promptgit.errors import RenderError
    from promptgit.format.bounded import RENDER_BYTES, located, render_bounded
    from promptgit.tokens import count

    prompt = repository.get(selector)
    problems = prompt.inputs_checker.errors(inputs)
    if problems:
        return {"ok": False, "kind": "inputs", "errors": problems}
    try:
        rendered = render_bounded(prompt, dict(inputs), memory=RENDER_BYTES)
    except RenderError as exc:
        return {"ok": False, "kind": "render", "error": located(exc, prompt.path)}
    tokens = count(rendered, prompt.model)
    return {
        "ok": True,
        "rendered": rendered,
        "tokens": tokens.tokens,
        "method": tokens.method,
        "model": prompt.model,
        "version": prompt.version,
    }


def validate(root: Path) -> dict[str, Any]:
    """Every finding of the working tree, as `promptgit validate` reports them."""
    from promptgit.format.bounded import RENDER_BYTES
    from promptgit.store.workspace import Workspace
    from promptgit.validation import run

    report = run(Workspace.discover(root), sample_memory=RENDER_BYTES)
    findings = [
        {
            "path": item.path,
            "line": item.line,
            "column": item.column,
            "code": item.code,
            "message": item.message,
            "severity": item.severity.value,
        }
        for item in report.findings
    ]
    return {"ok": True, "findings": findings, "files": report.files_checked}


def main() -> None:
    import signal

    # Ctrl-C reaches the whole process group: the server stops this worker itself (end of input, or kill)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the protocol owns the real stdout; anything the library prints goes to stderr instead
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    serve(Path(sys.argv[1]), sys.stdin, answers)


if __name__ == "__main__":
    main()
