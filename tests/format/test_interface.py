"""Interface changes between two versions of a prompt, classified as an API checker would."""

from __future__ import annotations

import pytest

from promptgit.format.interface import describe, level_needed
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.store.lineage import covers, needed_version, part_to_reach

TEXT = "Hello {{ topic }}\n"
CHAT = '{% message "system" %}Be brief.{% endmessage %}\n{% message "user" %}{{ topic }}{% endmessage %}\n'


def doc(inputs: str = "  topic: {type: string}", body: str = TEXT, extra: str = "") -> PromptDocument:
    text = f"---\nversion: 1.0.0\nkind: hook\n{extra}inputs:\n{inputs}\n---\n{body}"
    return parse_document("p", "prompts/p.j2", text)


@pytest.mark.parametrize(
    ("old", "new", "level", "summary"),
    [
        (doc(), doc(body="Hi {{ topic }}\n"), "patch", "body changed: patch"),
        (doc(), doc(extra="description: x\n"), "patch", "metadata changed: patch"),
        (
            doc("  topic: {type: string}\n  tone: {type: string}"),
            doc(),
            "major",
            "input 'tone' removed: breaking",
        ),
        (doc(), doc("  subject: {type: string}"), "major", "input 'topic' renamed to 'subject': breaking"),
        (
            doc(),
            doc("  topic: {type: string}\n  tone: {type: string}"),
            "major",
            "input 'tone' added as required (no default): breaking",
        ),
        (
            doc(),
            doc("  topic: {type: string}\n  tone: {type: string, default: calm}"),
            "minor",
            "input 'tone' added as optional: additive",
        ),
        (
            doc(),
            doc("  topic: {type: string}\n  tone: {type: string, required: false}"),
            "minor",
            "input 'tone' added as optional: additive",
        ),
        (doc(), doc("  topic: {type: string, default: x}"), "minor", "input 'topic' got a default: additive"),
        (
            doc("  topic: {type: string, default: x}"),
            doc(),
            "major",
            "input 'topic' lost its default: breaking",
        ),
        (
            doc("  topic: {type: number}"),
            doc("  topic: {type: integer}"),
            "major",
            "type of input 'topic' narrowed from number to integer: breaking",
        ),
        (
            doc("  topic: {type: [string, number]}"),
            doc("  topic: {type: string}"),
            "major",
            "type of input 'topic' narrowed from number|string to string: breaking",
        ),
        (
            doc(),
            doc("  topic: {type: [string, number]}"),
            "minor",
            "type of input 'topic' widened from string to number|string: additive",
        ),
        (
            doc(),
            doc("  topic: {type: number}"),
            "major",
            "type of input 'topic' changed from string to number: breaking",
        ),
        (
            doc("  topic: {type: string, enum: [a, b]}"),
            doc("  topic: {type: string, enum: [a]}"),
            "major",
            "enum value \"b\" of input 'topic' removed: breaking",
        ),
        (
            doc("  topic: {type: string, enum: [a]}"),
            doc("  topic: {type: string, enum: [a, b]}"),
            "minor",
            "enum value \"b\" added to input 'topic': additive",
        ),
        (
            doc(),
            doc("  topic: {type: string, maxLength: 10}"),
            "major",
            "input 'topic' gained constraint maxLength: 10: breaking",
        ),
        (
            doc("  topic: {type: string, maxLength: 10}"),
            doc("  topic: {type: string, maxLength: 20}"),
            "minor",
            "constraint maxLength of input 'topic' changed from 10 to 20: additive",
        ),
        (doc(), doc(body=CHAT), "major", "turned into a chat prompt (messages): breaking"),
        (doc(body=CHAT), doc(), "major", "turned into a text prompt (one string): breaking"),
        (
            doc(body=CHAT),
            doc(body=CHAT.replace('"system" %}Be brief.{% endmessage %}\n', '"user" %}Hi{% endmessage %}\n')),
            "major",
            "message role 'system' removed: breaking",
        ),
        (
            doc(body=CHAT),
            doc(body=CHAT + '{% message "assistant" %}Sure{% endmessage %}\n'),
            "major",
            "message role 'assistant' added: breaking",
        ),
        (doc(body=CHAT), doc(body=CHAT + '{% message "user" %}More{% endmessage %}\n'), "patch", None),
        (doc(body="{{ topic }"), doc(body="Fine {{ topic }}\n"), "patch", "body changed: patch"),
    ],
)
def test_classification(old: PromptDocument, new: PromptDocument, level: str, summary: str | None) -> None:
    found, changes = level_needed(old, new)
    assert found == level
    assert describe(changes, old, new) == (summary or "body changed: patch")


def test_breaking_changes_are_listed_first() -> None:
    old = doc("  topic: {type: string}\n  tone: {type: string}")
    new = doc("  topic: {type: string, default: x}")
    _level, changes = level_needed(old, new)
    assert describe(changes, old, new) == (
        "input 'tone' removed: breaking; input 'topic' got a default: additive"
    )


@pytest.mark.parametrize(
    ("released", "level", "needed"),
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("0.3.1", "major", "0.4.0"),  # 0.x: a minor bump may break
        ("0.3.1", "minor", "0.3.2"),
        ("0.3.1", "patch", "0.3.2"),
        ("2.0.0-rc.1", "major", "2.0.0"),  # after a pre-release, anything above it
    ],
)
def test_needed_version(released: str, level: str, needed: str) -> None:
    assert needed_version(released, level) == needed  # type: ignore[arg-type]


def test_covers_and_part_to_reach() -> None:
    assert covers("2.0.0", "2.0.0") and covers("3.1.0", "2.0.0") and covers("2.0.0-rc.1", "2.0.0")
    assert not covers("1.9.9", "2.0.0")
    assert part_to_reach("1.0.0", "2.0.0") == "major"
    assert part_to_reach("1.1.0", "2.0.0") == "major"
    assert part_to_reach("1.0.0", "1.1.0") == "minor"
    assert part_to_reach("1.0.0", "1.0.1") == "patch"
    assert part_to_reach("0.3.0", "0.4.0") == "minor"
