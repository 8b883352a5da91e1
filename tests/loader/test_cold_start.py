"""A cold process loads only what its first get() and render() need, and its metrics still add up.

Each test runs a new Python process on a real repository: what a module import costs is visible only
there (pytest itself has imported everything long before).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BODY = '{% message "system" %}Short hooks.{% endmessage %}\n{% message "user" %}{{ topic }}{% endmessage %}\n'


def _run(code: str, cwd: Path) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt("content/hook", "1.0.0", BODY, inputs={"topic": {"type": "string"}})
    prompt_repo.commit("hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    return prompt_repo


def test_first_render_loads_no_git_client_metrics_client_semver_or_tokens(released, tmp_path: Path) -> None:
    code = f"""
import json, sys, promptgit
prompt = promptgit.Repository({str(released.root)!r}).get("content/hook@1.0.0")
prompt.render(topic="sourdough")
heavy = ("git", "prometheus_client", "nodesemver", "promptgit.tokens")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""
    assert _run(code, tmp_path) == []


def test_global_registry_gets_the_first_render_with_its_tokens(released, tmp_path: Path) -> None:
    # registration is deferred off the first call; the first render's tokens are settled at the scrape
    code = f"""
import json, promptgit
from promptgit.observability.registry import wait_registered
prompt = promptgit.Repository({str(released.root)!r}).get("content/hook@1.0.0")
messages = prompt.render(topic="sourdough")
registered = wait_registered(10)
from prometheus_client import REGISTRY
from promptgit.tokens import count
labels = {{"prompt": "content/hook", "version": "1.0.0"}}
print(json.dumps([
    registered,
    REGISTRY.get_sample_value("promptgit_loader_renders_total", labels),
    REGISTRY.get_sample_value("promptgit_loader_rendered_tokens_total", labels),
    count(messages, prompt.model).tokens,
]))
"""
    registered, renders, tokens, expected = _run(code, tmp_path)
    assert registered is True
    assert renders == 1
    assert tokens == expected > 0


def test_an_application_with_prometheus_client_loaded_is_registered_at_once(released, tmp_path: Path) -> None:
    code = f"""
import json, prometheus_client, promptgit
from promptgit.observability.registry import wait_registered
promptgit.Repository({str(released.root)!r}).get("content/hook@1.0.0").render(topic="x")
print(json.dumps(wait_registered(0)))
"""
    assert _run(code, tmp_path) is True


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="os.fork is POSIX-only")
def test_a_child_forked_before_registration_registers_itself(released, tmp_path: Path) -> None:
    # a pre-fork server (gunicorn --preload) forks right after loading: threads do not survive fork
    code = f"""
import json, os, promptgit
from promptgit.observability.registry import wait_registered
promptgit.Repository({str(released.root)!r}).get("content/hook@1.0.0").render(topic="x")
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, b"1" if wait_registered(10) else b"0")
    os._exit(0)
os.waitpid(pid, 0)
print(json.dumps(os.read(read, 1) == b"1"))
"""
    assert _run(code, tmp_path) is True
