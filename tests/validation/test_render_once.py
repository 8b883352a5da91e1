"""The validator renders each sample once and hands that render to the token rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptgit.config import Config
from promptgit.format.prompt import Prompt, compile_document, parse_document
from promptgit.format.templating import Rendered, make_environment
from promptgit.store.workspace import Workspace
from promptgit.validation import validate
from promptgit.validation.token_limits import check_tokens

TEXT = """---
version: 1.0.0
kind: hook
model: gpt-4o-mini
token_budget: 40
inputs:
  topic: {type: string}
sample: {topic: sourdough}
---
Write about {{ topic }}.
"""


def test_token_rules_use_the_render_they_are_given() -> None:
    document = parse_document("hook", "prompts/hook.j2", TEXT)
    prompt = compile_document(document, make_environment(lambda _path: None))

    own = list(check_tokens(document, prompt, Config()))
    given = list(check_tokens(document, prompt, Config(), rendered="word " * 200))

    assert own == []
    assert [item.code for item in given] == ["PG401"]


def test_each_sample_is_rendered_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        path = tmp_path / "prompts" / f"{name}.j2"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEXT)
    renders: list[str] = []
    real_render = Prompt.render

    def counting_render(self: Prompt, **inputs: Any) -> Rendered:
        renders.append(self.name)
        return real_render(self, **inputs)

    monkeypatch.setattr(Prompt, "render", counting_render)

    found = validate(Workspace.discover(tmp_path), select=["variables", "tokens"])

    assert found == []
    assert sorted(renders) == ["a", "b"]
