"""Checks of a text shared by render checks and assertions, and the result of any check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promptgit.testrunner.cases import Check


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    score: float
    reason: str  # why it failed (or, for scored checks, the score); "" when there is nothing to say

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check.label,
            "line": self.check.line,
            "passed": self.passed,
            "score": round(self.score, 4),
            "reason": self.reason,
        }


TEXT_KINDS = frozenset(
    {
        "contains",
        "icontains",
        "equals",
        "regex",
        "contains-any",
        "contains-all",
        "icontains-any",
        "icontains-all",
    }
)


def text_check(kind: str, value: Any, text: str) -> tuple[bool, str]:
    """(matched, what it expects as a verb phrase) for the text check `kind`, before any `not-`."""
    if kind == "contains":
        return value in text, f"contain {value!r}"
    if kind == "icontains":
        return str(value).lower() in text.lower(), f"contain {value!r} (any case)"
    if kind == "equals":
        return text.strip() == str(value).strip(), f"equal {_short(value)!r}"
    if kind == "regex":
        from promptgit.format.patterns import search

        return search(str(value), text), f"match /{value}/"
    lowered = kind.startswith("i")
    haystack = text.lower() if lowered else text
    needles = [item.lower() if lowered else item for item in value]
    found = [needle in haystack for needle in needles]
    if kind.endswith("-any"):
        return any(found), f"contain one of {value!r}{' (any case)' if lowered else ''}"
    missing = [item for item, hit in zip(value, found, strict=True) if not hit]
    return all(found), f"contain all of {value!r}{' (any case)' if lowered else ''}" + (
        f", missing {missing!r}" if missing else ""
    )


def verdict(
    check: Check, matched: bool, wanted: str, *, subject: str, score: float | None = None, detail: str = ""
) -> CheckResult:
    """The result of `check` given whether its positive form matched (`wanted`: what it expects, as a
    verb phrase, e.g. "contain 'bread'"); `not-` inverts it."""
    passed = matched != check.negate
    value = (1.0 if matched else 0.0) if score is None else score
    if check.negate:
        value = 1.0 - value
    reason = ""
    if not passed:
        reason = f"expected {subject} {'not ' if check.negate else ''}to {wanted}"
        if detail:
            reason += f" ({detail})"
    elif detail:
        reason = detail
    return CheckResult(check, passed, value, reason)


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
