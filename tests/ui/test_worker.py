"""Renders from the UI run in a child process with the CLI's bounds: a template that never ends is stopped."""

from __future__ import annotations

from pathlib import Path

from promptgit.ui.worker import Worker
from tests.conftest import PromptRepo


def test_a_render_that_never_ends_is_stopped_and_the_worker_serves_on(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt(
        "loop",
        "0.1.0",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}{{ topic }}\n",
    )
    prompt_repo.write_prompt("fine", "0.1.0")
    prompt_repo.commit("prompts")
    worker = Worker(Path(prompt_repo.root))
    try:
        stopped = worker.call({"op": "render", "selector": "loop@worktree", "inputs": {"topic": "t"}})
        fine = worker.call({"op": "render", "selector": "fine@worktree", "inputs": {"topic": "t"}})
    finally:
        worker.close()

    # stopped by render_bounded's 5 s limit at the loop's line (the loader words it `RenderTimeout`, see
    # the report to the lead: its RenderError wrapping hides the CLI's sentence)
    assert (stopped["ok"], stopped["kind"]) == (False, "render")
    assert stopped["error"].startswith("prompts/loop.j2:8: ") and "RenderTimeout" in stopped["error"]
    assert fine["ok"] and fine["rendered"] == "Hello t"
