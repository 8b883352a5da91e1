"""What a provider answered, checked: the first usable choice, its text and why it stopped.

A provider is a peer: its answer is data to check, not to trust. An answer with no usable choice
(`choices: []`, not a list, a choice without a message) raises AnswerError naming the field, so it is
counted as an error and never cached; content given as a list of parts (`[{"type": "text", "text": ...}]`,
as several OpenAI-compatible servers answer) is joined, never stored as a Python repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# finish reasons of an answer that stopped before it was done: not cached unless the caller asks
TRUNCATED = frozenset({"length", "content_filter"})


class AnswerError(ValueError):
    """The provider's answer cannot be used; `field` is where (`choices[0].message.content`)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field


def answer_text(response: Mapping[str, Any]) -> str:
    """The first choice's text; AnswerError when the response has no usable choice."""
    choice = _first_choice(response)
    message = choice.get("message")
    if message is None and "text" in choice:  # the legacy completions shape
        return _content(choice.get("text"), "choices[0].text")
    if not isinstance(message, Mapping):
        raise AnswerError("choices[0].message", f"is {_kind(message)}, not an object")
    content = message.get("content")
    if content is None and not message.get("tool_calls") and not message.get("refusal"):
        raise AnswerError(
            "choices[0].message.content", "is missing: the answer has neither text nor tool calls"
        )
    if content is None and message.get("refusal"):
        return _content(message.get("refusal"), "choices[0].message.refusal")
    return _content(content, "choices[0].message.content")


def finish_reason(response: Mapping[str, Any]) -> str | None:
    """Why the first choice stopped (`stop`, `length`, `content_filter`, `tool_calls`), when it says."""
    choices = response.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        reason = choices[0].get("finish_reason")
        return reason if isinstance(reason, str) else None
    return None


def _first_choice(response: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = response.get("choices")
    if not isinstance(choices, list):
        raise AnswerError("choices", f"is {_kind(choices)}, not a list")
    if not choices:
        raise AnswerError("choices", "is empty: the provider gave no answer")
    if not isinstance(choices[0], Mapping):
        raise AnswerError("choices[0]", f"is {_kind(choices[0])}, not an object")
    return choices[0]


def _content(content: object, field: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: the text parts, in order
        texts = []
        for index, part in enumerate(content):
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif not (isinstance(part, Mapping) and isinstance(part.get("type"), str)):
                raise AnswerError(f"{field}[{index}]", f"is {_kind(part)}, not a content part")
        return "".join(texts)
    raise AnswerError(field, f"is {_kind(content)}, not text")


def _kind(value: object) -> str:
    return "missing" if value is None else f"a {type(value).__name__}"
