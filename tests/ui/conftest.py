"""The UI under test: a prompt repository with history, `promptgit ui` serving it as a real process, and a
real Chromium (Debian's, driven by Playwright from PyPI; Playwright's own browser download is never used).

A failing browser test leaves a screenshot of its page in $PROMPTGIT_UI_FAILURES (default: the test's
temporary directory) and names the file in the failure report.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest

from tests.conftest import REPO_ROOT, PromptRepo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

HOOK_V1 = """
{% message "system" %}{% include "partials/style.j2" %}{% endmessage %}
{% message "user" %}Topic: {{ topic }}{% endmessage %}
"""
HOOK_V2 = """
{% message "system" %}{% include "partials/style.j2" %}{% if loud %} Shout.{% endif %}{% endmessage %}
{% for example in examples or [] %}
{% message "user" %}{{ example.topic }}{% endmessage %}
{% message "assistant" %}{{ example.hook }}{% endmessage %}
{% endfor %}
{% message "user" %}Topic: {{ topic }} ({{ tone }}, {{ count }} hooks){% endmessage %}
"""
HOOK_V2_INPUTS = """
inputs:
  topic: {type: string, description: What the video is about}
  tone: {type: string, enum: [playful, serious], default: playful}
  loud: {type: boolean, default: false}
  count: {type: integer, minimum: 1, maximum: 10, default: 3}
  examples: {type: array, required: false, description: Few-shot pairs}
sample: {topic: sourdough, tone: serious}
"""
EVIL = """
---
version: 0.1.0
kind: hook
description: <img src=x onerror="document.title='pwned'"> a description
inputs:
  topic: {type: string}
  unused: {type: string, required: false}
sample: {topic: "<script>document.title='pwned'</script>"}
---
<script>document.title='pwned'</script>Say {{ topic }}
"""

OPS = git.Actor("Ops Person", "ops@example.com")


def _prompt(version: str, inputs: str, body: str) -> str:
    front = f"version: {version}\nkind: hook\ndescription: Opening line\nmodel: gpt-4o-mini\n{inputs.strip()}"
    return f"---\n{front}\n---\n{body.lstrip()}"


def build_library(root: Path) -> PromptRepo:
    """content/hook 1.0.0 -> 1.1.0 (an optional enum input and more), greeting 0.1.0, an evil prompt; label
    moves by two people, a canary split, an unreleased edit of content/hook in the working tree, and a
    prompt never committed."""
    repo = PromptRepo(root)
    repo.write("promptgit.yaml", "kinds: [hook, greeting]\n")
    repo.write("prompts/partials/style.j2", "You write hooks.")
    inputs_v1 = "inputs:\n  topic: {type: string}\nsample: {topic: sourdough}"
    repo.write("prompts/content/hook.j2", _prompt("1.0.0", inputs_v1, HOOK_V1))
    repo.write_prompt("greeting", "0.1.0", "Hello {{ topic }}\n", kind="greeting")
    repo.write("prompts/labels.yaml", "production: {}\nstaging: {}\n")
    repo.commit("first prompts")
    repo.tag_release("content/hook", "1.0.0", "first release")
    repo.tag_release("greeting", "0.1.0", "<script>document.title='pwned'</script> greets")
    repo.write("prompts/labels.yaml", "production:\n  content/hook: 1.0.0\nstaging: {}\n")
    repo.commit("Promote content/hook 1.0.0")
    repo.write("prompts/content/hook.j2", _prompt("1.1.0", HOOK_V2_INPUTS, HOOK_V2))
    repo.commit("hook: tone, loudness and examples")
    repo.tag_release("content/hook", "1.1.0", "adds tone\n\nand few-shot examples")
    repo.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.1.0\nstaging:\n  content/hook: {1.0.0: 90, 1.1.0: 10}\n",
    )
    repo.git.git.add(A=True)
    repo.git.index.commit("Promote content/hook 1.1.0, canary on staging", author=OPS, committer=OPS)
    repo.write("prompts/xss/evil.j2", EVIL)
    repo.commit("an evil prompt")
    repo.write(
        "prompts/content/hook.j2",
        _prompt("1.1.1", HOOK_V2_INPUTS, HOOK_V2.replace("hooks)", "hooks). Be brief.")),
    )
    repo.write_prompt("new/draft", "0.1.0", "Draft {{ topic }}\n", kind="greeting")  # never committed
    return repo


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under `root`, .git included: (size, mtime_ns, content) by path."""
    found = {}
    for directory, _, files in os.walk(root):
        for filename in files:
            path = Path(directory) / filename
            info = path.stat()
            found[path.relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns, path.read_bytes())
    return found


class UIProcess:
    """`promptgit ui ROOT --port 0` as a user runs it; its URL read from the line it prints."""

    def __init__(self, root: Path, *extra: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "promptgit", "ui", str(root), "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:(\d+)/)", line)
        if found is None:
            self.process.kill()
            raise AssertionError(f"promptgit ui did not start: {line}{self.process.stderr.read()}")  # type: ignore[union-attr]
        self.url = found.group(1)
        self.port = int(found.group(2))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> PromptRepo:
    return build_library(tmp_path_factory.mktemp("ui") / "library")


@pytest.fixture(scope="module")
def test_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report as `promptgit test --format json` writes it (see promptgit/ui/reads.py), outside the repo."""
    path = tmp_path_factory.mktemp("report") / "test-report.json"
    cases = [
        {"prompt": "content/hook", "name": "names the topic", "status": "pass", "base": "pass"},
        {
            "prompt": "content/hook",
            "name": "stays short",
            "status": "fail",
            "base": "pass",
            "message": "too long",
        },
        {"prompt": "greeting", "name": "greets", "status": "pass"},
    ]
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ui(library: PromptRepo, test_report: Path) -> Iterator[UIProcess]:
    server = UIProcess(library.root, "--test-report", str(test_report))
    yield server
    server.stop()


# module scope: Playwright's sync API keeps an event loop running in the main thread while it is open, and
# asyncio.run (the async call path's tests) refuses to start inside one, so it must not outlive the module
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh browser page; on failure a full-page screenshot is saved and its path printed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    if request.node.stash.get(_FAILED, False):
        folder = Path(os.environ.get("PROMPTGIT_UI_FAILURES", tmp_path))
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{request.node.name}.png"
        opened.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failed page: {shot}")
    context.close()
