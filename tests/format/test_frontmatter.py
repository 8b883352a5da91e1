from __future__ import annotations

import pytest

from promptgit.errors import PromptSyntaxError
from promptgit.format.frontmatter import decode, split


def test_split_returns_metadata_body_and_the_body_line() -> None:
    front = split("p.j2", "---\nversion: 1.0.0\nkind: hook\n---\nHello\n")
    assert front.metadata == {"version": "1.0.0", "kind": "hook"}
    assert front.body == "Hello\n"
    assert front.body_line == 5


def test_positions_are_lines_of_the_file_including_the_fence() -> None:
    front = split("p.j2", "---\nversion: 1.0.0\ninputs:\n  topic:\n    type: string\n---\n")
    assert front.position(("inputs", "topic", "type")) == (5, 5)
    # a path the YAML does not have falls back to its deepest existing parent
    assert front.position(("inputs", "topic", "enum")) == (4, 3)
    assert front.position(("nothing",)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("version: 1\n", 1, 1, "must start with '---'"),
        ("---\nversion: 1.0.0\n", 1, 1, "not closed"),
        ("---\nversion: 1.0.0\ninputs: [a\n---\n", 4, 1, "YAML front matter"),
        ("---\n- a\n- b\n---\n", 2, 1, "must be a YAML mapping"),
        ("---\nkey: value\n  bad: indent\n---\n", 3, 6, "YAML front matter"),
    ],
)
def test_malformed_front_matter_names_file_line_and_column(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(PromptSyntaxError) as raised:
        split("prompts/x.j2", text)
    error = raised.value
    assert (error.path, error.line, error.column, error.code) == ("prompts/x.j2", line, column, "PG101")
    assert fragment in error.message


def test_decode_rejects_binary_and_reports_the_line_of_invalid_utf8() -> None:
    with pytest.raises(PromptSyntaxError, match="binary file"):
        decode("x.j2", b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(PromptSyntaxError) as raised:
        decode("x.j2", b"---\nok\nbad \xff here\n")
    assert (raised.value.line, raised.value.column, raised.value.code) == (3, 5, "PG103")


def test_decode_strips_a_byte_order_mark() -> None:
    assert decode("x.j2", "\ufeff---\n".encode()) == "---\n"


PLAIN_AND_TAGGED = [
    # built by the one-walk path (no anchors, no explicit tags)
    "a: 1\nb: [1, 2.5, true, null, ~, 0x1F, 1_000, 2024-01-02, '2024']\nc: {d: e}\n1: x\nz: again\n",
    "- a\n- - b\n  - c: d\n",
    "x: 2001-12-14t21:59:43.10-05:00\ny: .inf\nw: 0o17\nv: 1:20\nempty:\n",
    "<<: {a: 1}\nb: 2\n",  # a merge key: falls back to PyYAML's constructor
    "? [a, b]\n: c\n",  # a sequence as a key: falls back (and fails as PyYAML does)
    # anchors, aliases and tags: PyYAML's constructor
    "a: &x {k: 1}\nb: *x\n",
    "a: !!str 1\nb: !!float 2\n",
]


DUPLICATES = ["a: 1\nb: 2\na: again\n", "a: &x {k: 1}\nb: *x\nb: 3\n", "a: {k: 1, k: 2}\n"]


@pytest.mark.parametrize("text", DUPLICATES)
def test_a_key_given_twice_is_refused_where_it_is_repeated(text: str) -> None:
    """PyYAML keeps the last of two equal keys; promptgit refuses them (PG107), on either path."""
    from promptgit.format.frontmatter import YAMLProblem, load_marked_yaml

    with pytest.raises(YAMLProblem) as raised:
        load_marked_yaml(text, line_offset=1)
    assert raised.value.kind == "duplicate_key"
    assert raised.value.line == (2 if "{k: 1, k" in text else 4)


@pytest.mark.parametrize("text", PLAIN_AND_TAGGED)
def test_marked_yaml_has_exactly_pyyamls_data_and_a_mark_for_every_key_and_item(text: str) -> None:
    import yaml

    from promptgit.format.frontmatter import YAMLProblem, load_marked_yaml

    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        with pytest.raises(YAMLProblem):
            load_marked_yaml(text)
        return
    data, marks = load_marked_yaml(text, line_offset=1)
    assert data == expected
    assert type(data) is type(expected)

    def paths(value: object, path: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
        found = {path} if path else set()
        if isinstance(value, dict):
            for key, child in value.items():
                found |= paths(child, (*path, str(key)))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                found |= paths(child, (*path, index))
        return found

    assert paths(data) <= set(marks)
    assert all(line >= 2 and column >= 1 for line, column in marks.values())
