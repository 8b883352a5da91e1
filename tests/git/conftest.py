"""A library with history: three releases of content/hook, a partial changed between them, labels."""

from __future__ import annotations

from typing import Any

import pytest

PromptRepo = Any  # tests/conftest.py's PromptRepo; not importable by name under --import-mode=importlib

HOOK_BODY = '{% message "system" %}{% include "partials/style.j2" %}{% endmessage %}\n'
HOOK_BODY += '{% message "user" %}Topic: {{ topic }}{% endmessage %}\n'


@pytest.fixture
def history(prompt_repo: PromptRepo) -> PromptRepo:
    """content/hook 1.0.0, 1.1.0, 2.0.0 released; the partial changes after each; labels point at 1.1.0."""
    repo = prompt_repo
    repo.write("prompts/partials/style.j2", "Style one.")
    repo.write_prompt("content/hook", "1.0.0", HOOK_BODY)
    repo.write_prompt("greeting", "0.1.0", "Hello {{ topic }}\n")
    repo.commit("hook 1.0.0")
    repo.tag_release("content/hook", "1.0.0", "first release")
    repo.tag_release("greeting", "0.1.0")
    repo.write("prompts/partials/style.j2", "Style two.")
    repo.write_prompt("content/hook", "1.1.0", HOOK_BODY + "\n")
    repo.commit("hook 1.1.0")
    repo.tag_release("content/hook", "1.1.0", "second release\n\nwith details")
    repo.write("prompts/partials/style.j2", "Style three.")
    repo.write_prompt("content/hook", "2.0.0", HOOK_BODY + "\n\n")
    repo.write(
        "prompts/labels.yaml",
        "# who runs what\nproduction:\n  content/hook: 1.1.0  # pinned\nstaging:\n  content/hook: 2.0.0\n",
    )
    repo.commit("hook 2.0.0")
    repo.tag_release("content/hook", "2.0.0", "third release")
    repo.write("prompts/partials/style.j2", "Style four.")
    repo.commit("partial after the last release")
    return repo
