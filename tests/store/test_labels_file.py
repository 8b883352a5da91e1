from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import promptgit.store.labels_file as labels_file
from promptgit.errors import ConfigError, GitError
from promptgit.store.labels_file import LabelChange, parse_labels, set_label, unset_label

FILE = """# who runs what
production:
  content/hook: 1.1.0  # pinned
  other: '0.1.0'

# staging follows main
staging:
  content/hook: 2.0.0
"""


@pytest.mark.parametrize(
    ("label", "name", "version", "expected", "previous"),
    [
        ("production", "content/hook", "2.0.0", FILE.replace("1.1.0  #", "2.0.0  #"), "1.1.0"),
        ("production", "other", "0.2.0", FILE.replace("'0.1.0'", "'0.2.0'"), "0.1.0"),
        ("production", "new/one", "1.0.0", FILE.replace("'0.1.0'\n", "'0.1.0'\n  new/one: 1.0.0\n"), None),
        ("staging", "x", "1.0.0", FILE + "  x: 1.0.0\n", None),
        ("canary", "x", "1.0.0", FILE + "canary:\n  x: 1.0.0\n", None),
    ],
)
def test_set_label_edits_only_what_changes(
    label: str, name: str, version: str, expected: str, previous: str | None
) -> None:
    change = set_label(FILE, label, name, version)
    assert change.text == expected
    assert change.previous == previous
    assert yaml.safe_load(change.text)[label][name] == version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "production:\n  a: 1.0.0\n"),
        ("production:\n", "production:\n  a: 1.0.0\n"),
        ("production: {}\nstaging: {}\n", "production:\n  a: 1.0.0\nstaging: {}\n"),
        ("production: {b: 2.0.0}\n", "production: {b: 2.0.0, a: 1.0.0}\n"),
        ("production:\n  b: 2.0.0", "production:\n  b: 2.0.0\n  a: 1.0.0\n"),
        ("{production: {b: 2.0.0}}\n", "production:\n  b: 2.0.0\n  a: 1.0.0\n"),
    ],
)
def test_set_label_layouts(text: str, expected: str) -> None:
    assert set_label(text, "production", "a", "1.0.0").text == expected


@pytest.mark.parametrize("label", ["Production", "worktree", "latest", "9lives", ""])
def test_invalid_labels(label: str) -> None:
    with pytest.raises(ConfigError, match="invalid label"):
        set_label(FILE, label, "a", "1.0.0")


def test_malformed_files() -> None:
    with pytest.raises(GitError, match=r"labels.yaml:3: labels file is not valid YAML"):
        parse_labels("production:\n  a: [\n", "labels.yaml")
    with pytest.raises(GitError, match="must map label"):
        parse_labels("- a\n", "labels.yaml")
    with pytest.raises(GitError, match="must map label"):
        set_label("production: 1\n", "production", "a", "1.0.0")
    assert parse_labels("production:\n", "x") == {"production": {}}


INIT_FILE = "# yaml-language-server: $schema=x.json\n# label -> {prompt: version}\n{}\n"


def test_set_label_on_the_file_init_writes_keeps_its_header() -> None:
    assert set_label(INIT_FILE, "production", "a", "1.0.0").text == (
        "# yaml-language-server: $schema=x.json\n# label -> {prompt: version}\nproduction:\n  a: 1.0.0\n"
    )
    assert set_label("# h\n{staging: {b: 1.0.0}}  # tail\n", "production", "a", "1.0.0").text == (
        "# h\nstaging:\n  b: 1.0.0\nproduction:\n  a: 1.0.0  # tail\n"
    )


@pytest.mark.parametrize(
    ("label", "name", "expected"),
    [
        ("production", "other", FILE.replace("  other: '0.1.0'\n", "")),
        ("production", "content/hook", FILE.replace("  content/hook: 1.1.0  # pinned\n", "")),
        ("staging", "content/hook", FILE.replace("staging:\n  content/hook: 2.0.0\n", "")),
    ],
)
def test_unset_label_removes_only_that_entry(label: str, name: str, expected: str) -> None:
    change = unset_label(FILE, label, name)
    assert change.text == expected
    assert change.previous == yaml.safe_load(FILE)[label][name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("production: {a: 1.0.0, b: 2.0.0}\n", "production: {b: 2.0.0}\n"),
        ("production: {a: 1.0.0}\nstaging: {a: 1.0.0}\n", "staging: {a: 1.0.0}\n"),
        ("# h\n{production: {a: 1.0.0}}\n", "# h\n{}\n"),
        ("# h\nproduction:\n  a: 1.0.0\n", "# h\n{}\n"),
        ("{production: {a: 1.0.0, b: 1.0.0}}\n", "production:\n  b: 1.0.0\n"),
    ],
)
def test_unset_label_layouts(text: str, expected: str) -> None:
    change = unset_label(text, "production", "a")
    assert change.text == expected
    assert parse_labels(change.text, "x") == {
        label: {name: version for name, version in entries.items() if (label, name) != ("production", "a")}
        for label, entries in parse_labels(text, "x").items()
        if set(entries) - {"a"} or label != "production"
    }


def test_unset_label_that_is_not_there_changes_nothing() -> None:
    assert unset_label(FILE, "production", "nope") == LabelChange(FILE, None)
    assert unset_label(FILE, "canary", "content/hook") == LabelChange(FILE, None)
    assert unset_label("", "production", "a") == LabelChange("", None)


# --- the fast path for plain labels files agrees with the YAML parser ---------------------------------

# plain words, values and line ends, and the tricky ones YAML reads otherwise (booleans, null, floats,
# quotes, flow mappings, comments without a space): a file drawn only from the plain ones is mostly taken
# by the fast path, one with tricky parts is mostly refused by it, and both must agree with YAML
_LABELS = ["production", "staging", "canary", "b-c", "dev_2", "eu"]
_TRICKY_LABELS = ["on", "Null", "1.0", "team/x", "Prod", "~"]
_WORDS = ["production", "a", "b-c", "content/hook", "x.y", "_p", "team/v2.prompt", "n", "y", "Z9"]
_TRICKY_WORDS = ["on", "yes", "Null", "1.0", "~", "TRUE", "Off", "a b"]
_VALUES = ["1.0.0", "1.10.0", "2.0.0-rc.1", "1.0.0+build.5", "01.2.3", "10.20.30"]
_TRICKY_VALUES = ["1.0", "1.0.0#x", "'1.0.0'", "{1.0.0: 100}", "1.0.0 #", "yes", "1.0.0:"]
_TAILS = ["", " ", "  # pinned", " # x: y"]
_TRICKY_TAILS = ["#no", " #", "\t"]


@st.composite
def _labels_text(draw: st.DrawFn) -> str:
    tricky = draw(st.booleans())
    labels = _LABELS + (_TRICKY_LABELS if tricky else [])
    words = _WORDS + (_TRICKY_WORDS if tricky else [])
    values = _VALUES + (_TRICKY_VALUES if tricky else [])
    tails = _TAILS + (_TRICKY_TAILS if tricky else [])
    lines = []
    indent = draw(st.sampled_from(["  ", "    ", " "]))
    for _ in range(draw(st.integers(0, 4))):
        lines.append(draw(st.sampled_from(labels)) + ":" + draw(st.sampled_from(tails)))
        for _ in range(draw(st.integers(0, 3))):
            extra = draw(st.sampled_from([""] * 5 + ([" "] if tricky else [])))  # an inconsistent indent
            name, value = draw(st.sampled_from(words)), draw(st.sampled_from(values))
            lines.append(f"{indent}{extra}{name}: {value}{draw(st.sampled_from(tails))}")
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", "# a comment", "   ", "  # indented comment"])))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


def _by_yaml(text: str) -> object:
    try:
        return labels_file._yaml_labels(text, "labels.yaml")
    except Exception as exc:  # the fast path must refuse (return None) whatever YAML refuses
        return type(exc)


@settings(max_examples=600, deadline=None)
@given(_labels_text())
def test_the_plain_layout_fast_path_agrees_with_yaml(text: str) -> None:
    plain = labels_file._plain_labels(text)
    if plain is not None:
        assert plain == _by_yaml(text)


def test_the_fast_path_takes_the_common_layout_and_leaves_the_rest() -> None:
    common = (
        "# who runs what\nproduction:\n  content/hook: 1.1.0  # pinned\n\nstaging:\n  content/hook: 2.0.0\n"
    )
    assert labels_file._plain_labels(common) == {
        "production": {"content/hook": "1.1.0"},
        "staging": {"content/hook": "2.0.0"},
    }
    for other in (
        "production: {a: 1.0.0}\n",  # flow
        "production:\n  a: {1.0.0: 90, 1.1.0: 10}\n",  # a split
        "production:\n  a: '1.0.0'\n",  # quoted
        "production:\n  a: 1.0.0\n  a: 1.1.0\n",  # a duplicate: YAML reports it
        "production:\r\n  a: 1.0.0\r\n",
        "yes:\n  a: 1.0.0\n",  # a boolean key
    ):
        assert labels_file._plain_labels(other) is None
