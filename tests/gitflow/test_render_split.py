"""Issue 19.15: `render NAME@LABEL` on a traffic split: `--key` picks as get(key=...) does, and the
chosen version is said (stderr in text output, `label` and `variant` in JSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from promptgit.loader import Repository
from tests.cli.helpers import promptgit


@pytest.fixture
def split(history: Any) -> Any:
    history.write("prompts/labels.yaml", "production:\n  content/hook: {1.1.0: 50, 2.0.0: 50}\n")
    history.commit("split production")
    return history


def test_a_key_picks_the_variant_get_picks(split: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from prometheus_client import CollectorRegistry

    with Repository(split.root, registry=CollectorRegistry()) as repository:
        expected = {
            key: repository.get("content/hook@production", key=key).version for key in ("a", "b", "c")
        }
    for key, version in expected.items():
        result = promptgit(
            capsys,
            split.root,
            "render",
            "content/hook@production",
            "--key",
            key,
            "--sample",
            "--format",
            "json",
        )
        assert result.code == 0, result.err
        document = json.loads(result.out)
        assert (document["version"], document["label"], document["variant"]) == (
            version,
            "production",
            version,
        )


def test_text_output_says_which_variant(split: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, split.root, "render", "content/hook@production", "--key", "u1", "--sample")
    assert result.code == 0
    version = json.loads(
        promptgit(
            capsys,
            split.root,
            "render",
            "content/hook@production",
            "--key",
            "u1",
            "--sample",
            "--format",
            "json",
        ).out
    )["version"]
    assert result.err == (
        f"promptgit: production splits content/hook between versions; key 'u1' gets {version}\n"
    )
