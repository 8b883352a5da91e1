from __future__ import annotations

import pytest

from promptgit.errors import SelectorError
from promptgit.store.selectors import Selector, compare_versions, parse_selector, pick_version, sort_versions

VERSIONS = ["0.9.0", "1.0.0", "1.2.0", "1.2.5", "1.3.0-rc.1", "1.10.0", "2.0.0", "2.1.0-beta.1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("content/hook", Selector("content/hook", "latest")),
        ("content/hook@latest", Selector("content/hook", "latest")),
        ("content/hook@1.3.0", Selector("content/hook", "exact", "1.3.0")),
        ("content/hook@1.3.0-rc.1", Selector("content/hook", "exact", "1.3.0-rc.1")),
        ("content/hook@^1.2", Selector("content/hook", "range", "^1.2")),
        ("content/hook@~1.2", Selector("content/hook", "range", "~1.2")),
        ("content/hook@>=1,<2", Selector("content/hook", "range", ">=1,<2")),
        ("content/hook@1", Selector("content/hook", "range", "1")),
        ("content/hook@1.x", Selector("content/hook", "range", "1.x")),
        ("content/hook@production", Selector("content/hook", "label", "production")),
        ("content/hook@staging-eu", Selector("content/hook", "label", "staging-eu")),
        ("content/hook@worktree", Selector("content/hook", "worktree")),
        (" greeting ", Selector("greeting", "latest")),
    ],
)
def test_parse_selector(text: str, expected: Selector) -> None:
    assert parse_selector(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "content/hook",
        "content/hook@1.3.0",
        "content/hook@^1.2",
        "content/hook@>=1,<2",
        "a@production",
        "a@worktree",
    ],
)
def test_str_round_trips(text: str) -> None:
    assert str(parse_selector(text)) == text
    assert parse_selector(str(parse_selector(text))) == parse_selector(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty selector"),
        ("@1.0.0", "invalid prompt name"),
        ("../secret@1.0.0", "invalid prompt name"),
        ("a/../b", "invalid prompt name"),
        ("hook@", "nothing after '@'"),
        ("hook@Prod", "is not a version"),
        ("hook@>=banana", "is not a version"),
        ("hook@1.2.3.4", "is not a version"),
    ],
)
def test_parse_selector_rejects(text: str, message: str) -> None:
    with pytest.raises(SelectorError, match=message):
        parse_selector(text)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("p", "2.0.0"),  # latest is the highest stable release
        ("p@1.2.0", "1.2.0"),
        ("p@1.2.1", None),
        ("p@^1.2", "1.10.0"),
        ("p@~1.2", "1.2.5"),
        ("p@>=1,<2", "1.10.0"),
        ("p@>=1.0.0, <1.2.5", "1.2.0"),
        ("p@1.x", "1.10.0"),
        ("p@^3", None),
        ("p@<1", "0.9.0"),
        ("p@^1.3.0-rc.0", "1.10.0"),
        ("p@>=1.3.0-rc.0 <1.3.0", "1.3.0-rc.1"),  # pre-releases match only when the range names one
        ("p@~1.3", None),
        ("p@1.0.0 || ^2", "2.0.0"),
    ],
)
def test_pick_version(selector: str, expected: str | None) -> None:
    assert pick_version(parse_selector(selector), VERSIONS) == expected


def test_latest_falls_back_to_prerelease_and_ignores_junk() -> None:
    assert pick_version(parse_selector("p"), ["1.0.0-rc.1", "1.0.0-rc.2", "junk", "v9.0.0"]) == "1.0.0-rc.2"
    assert pick_version(parse_selector("p"), []) is None


def test_pick_version_refuses_label_selector() -> None:
    with pytest.raises(SelectorError):
        pick_version(parse_selector("p@production"), VERSIONS)


def test_semver_order() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
    ]
    order += ["1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0"]
    assert sort_versions(reversed(order)) == order
    assert compare_versions("1.10.0", "1.9.0") == 1
    assert compare_versions("1.0.0+build", "1.0.0") == 0
