"""Every rule has a bad example that reports exactly the expected findings and a good one that is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptgit.validation import RULES

from .helpers import OWN_FAMILIES, RULES_DIR, check, copy_tree, lines

CODES = sorted(path.name for path in RULES_DIR.iterdir() if path.is_dir())
# PG106 (unreadable file) needs a dangling symlink, made in test_unreadable_file rather than committed
NOT_AS_FIXTURE = {"PG106"}


def test_every_rule_of_this_area_has_examples() -> None:
    own = {code for code, rule in RULES.items() if rule.family in OWN_FAMILIES}
    assert set(CODES) == own - NOT_AS_FIXTURE


@pytest.mark.parametrize("code", CODES)
def test_bad_example_reports_exactly_the_expected_findings(code: str, tmp_path: Path) -> None:
    root = copy_tree(RULES_DIR / code / "bad", tmp_path / "repo")
    expected = (RULES_DIR / code / "expected.txt").read_text("utf-8").splitlines()

    found = check(root)

    assert lines(found) == expected
    assert code in {item.code for item in found}


@pytest.mark.parametrize("code", CODES)
def test_good_example_is_clean(code: str, tmp_path: Path) -> None:
    root = copy_tree(RULES_DIR / code / "good", tmp_path / "repo")

    assert lines(check(root)) == []


def test_unreadable_file(tmp_path: Path) -> None:
    root = copy_tree(RULES_DIR / "PG101" / "good", tmp_path / "repo")
    (root / "prompts" / "gone.j2").symlink_to(root / "nowhere.j2")

    assert lines(check(root)) == ["prompts/gone.j2:1:1: PG106 cannot read file: No such file or directory"]


def test_docs_describe_every_rule() -> None:
    text = (RULES_DIR.parent.parent.parent / "docs" / "rules.md").read_text("utf-8")
    for code, rule in RULES.items():
        assert f"| {rule.name} | {rule.severity.value} |" in text, code
        if rule.family in OWN_FAMILIES:
            assert f"\n## {code}\n" in text, code
