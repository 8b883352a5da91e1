"""`promptgit label split` writes a reviewed traffic split; `label set` ends it; list and versions show it."""

from __future__ import annotations

from typing import Any

import pytest

from promptgit.cli import main

LABELS = "prompts/labels.yaml"


@pytest.fixture
def cli(history: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.chdir(history.root)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_split_ramp_and_end(history: Any, cli: Any) -> None:
    assert cli("label", "split", "production", "content/hook", "1.1.0=90", "2.0.0=10") == (
        0,
        "production: content/hook -> {1.1.0: 90, 2.0.0: 10} (was 1.1.0); commit prompts/labels.yaml "
        "to apply\n",
        "",
    )
    text = (history.root / LABELS).read_text()
    assert text == (
        "# who runs what\nproduction:\n  content/hook: {1.1.0: 90, 2.0.0: 10}  # pinned\n"
        "staging:\n  content/hook: 2.0.0\n"
    )
    assert cli("validate", "--select", "versions", "--base", "HEAD")[0] == 0
    assert cli("label", "split", "production", "content/hook", "2.0.0=25", "1.1.0=75")[1] == (
        "production: content/hook -> {1.1.0: 75, 2.0.0: 25} (was {1.1.0: 90, 2.0.0: 10}); "
        "commit prompts/labels.yaml to apply\n"
    )
    assert cli("label", "list")[1].splitlines()[0] == "production  content/hook  {1.1.0: 75, 2.0.0: 25}"
    history.commit("ramp content/hook to 25%")  # `versions` shows the labels at HEAD
    versions = cli("versions", "content/hook")[1].splitlines()
    assert "production:25%,staging" in versions[0] and "production:75%" in versions[1]
    assert cli("label", "set", "production", "content/hook@2.0.0")[1] == (
        "production: content/hook -> 2.0.0 (was {1.1.0: 75, 2.0.0: 25}, a split ended); "
        "commit prompts/labels.yaml to apply\n"
    )
    assert (history.root / LABELS).read_text() == text.replace("{1.1.0: 90, 2.0.0: 10}", "2.0.0")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (("1.1.0=90", "2.0.0=20"), "label split: weights sum to 110, not 100"),
        (("1.1.0=90", "2.0.0"), "label split: '2.0.0' must be VERSION=WEIGHT, e.g. 1.3.0=10"),
        (("1.1.0=ninety", "2.0.0=10"), "must be VERSION=WEIGHT"),
        (("1.1.0=90", "1.1.0=10"), "label split: version 1.1.0 is given twice"),
        (("1.1=90", "2.0.0=10"), "label split: '1.1' is not a semver version"),
        (("1.1.0=100", "2.0.0=0", "3.0.0=0"), "refusing to label content/hook@3.0.0: it is not released"),
        (("1.1.0=0", "2.0.0=0"), "a split needs at least one version with a weight above 0"),
    ],
)
def test_bad_splits_are_refused_and_nothing_is_written(
    history: Any, cli: Any, weights: tuple[str, ...], message: str
) -> None:
    before = (history.root / LABELS).read_text()
    code, out, err = cli("label", "split", "production", "content/hook", *weights)
    assert (code, out) == (2, "")
    assert message in err and len(err.splitlines()) == 1
    assert (history.root / LABELS).read_text() == before
