"""A sample render that would run for hours becomes a PG306 finding instead of a hung commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptgit.format import bounded
from promptgit.store.workspace import Workspace
from promptgit.validation import validate

from .helpers import OWN_FAMILIES, lines

ENDLESS = """---
version: 1.0.0
kind: hook
---
start
{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}
"""


def test_a_sample_render_past_the_time_limit_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "RENDER_SECONDS", 0.3)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "loop.j2").write_text(ENDLESS)

    findings = validate(Workspace.discover(tmp_path), select=OWN_FAMILIES)

    assert lines(findings) == [
        "prompts/loop.j2:6:1: PG306 sample render did not finish within 0.3 s (a loop too large?)"
    ]
