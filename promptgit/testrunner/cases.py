"""Cases and checks of one tests file, `defaults` merged in (promptfoo's defaultTest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promptgit.validation.testfiles import TestsDocument


@dataclass(frozen=True)
class Check:
    """One check: `kind` without its `not-`, which `negate` carries; `line` in the tests file."""

    kind: str
    negate: bool
    value: Any
    line: int
    threshold: float | None = None
    weight: float = 1.0
    rubric: str | None = None
    message: int | str | None = None  # render checks: one message (index) or the messages of a role

    @property
    def label(self) -> str:
        shown = "" if self.value is None else f" {_short(self.value)}"
        return f"{'not-' if self.negate else ''}{self.kind}{shown}"


@dataclass(frozen=True)
class Case:
    prompt: str
    name: str
    path: str  # the tests file, as shown
    line: int
    inputs: dict[str, Any] | None  # None: the prompt's sample
    render: tuple[Check, ...]
    asserts: tuple[Check, ...]
    model: str | None = None
    params: dict[str, Any] | None = None
    repeat: int = 1
    min_pass: int | None = None
    threshold: float | None = None
    skip: bool = False

    @property
    def needed_passes(self) -> int:
        return self.min_pass if self.min_pass is not None else self.repeat


def load_cases(
    prompt: str, document: TestsDocument, *, repeat: int | None = None, min_pass: int | None = None
) -> list[Case]:
    """The cases of `document` (already checked), `defaults` merged; `repeat`/`min_pass` from the command
    line win over the file's."""
    data = document.data
    defaults = data.get("defaults") or {}
    default_render = _checks(document, ("defaults", "render"), defaults.get("render") or [])
    default_asserts = _checks(document, ("defaults", "assert"), defaults.get("assert") or [])
    cases = []
    for index, raw in enumerate(data.get("cases") or []):
        where = ("cases", index)
        inputs = raw.get("inputs")
        if inputs is not None or "inputs" in defaults:
            inputs = {**(defaults.get("inputs") or {}), **(inputs or {})}
        times = repeat or raw.get("repeat") or defaults.get("repeat") or 1
        cases.append(
            Case(
                prompt=prompt,
                name=str(raw["name"]),
                path=document.path,
                line=document.line(where),
                inputs=inputs,
                render=default_render + _checks(document, (*where, "render"), raw.get("render") or []),
                # a case without assertions of its own checks the render only: it asks no model
                asserts=(default_asserts + _checks(document, (*where, "assert"), raw["assert"]))
                if raw.get("assert")
                else (),
                model=raw.get("model") or defaults.get("model"),
                params={**(defaults.get("params") or {}), **(raw.get("params") or {})} or None,
                repeat=times,
                min_pass=min(times, min_pass or raw.get("min_pass") or defaults.get("min_pass") or times),
                threshold=raw.get("threshold", defaults.get("threshold")),
                skip=bool(raw.get("skip", False)),
            )
        )
    return cases


def _checks(
    document: TestsDocument, where: tuple[str | int, ...], raw: list[dict[str, Any]]
) -> tuple[Check, ...]:
    found = []
    for index, item in enumerate(raw):
        kind = str(item["type"])
        found.append(
            Check(
                kind=kind.removeprefix("not-"),
                negate=kind.startswith("not-"),
                value=item.get("value"),
                line=document.line((*where, index)),
                threshold=item.get("threshold"),
                weight=float(item.get("weight", 1.0)),
                rubric=item.get("rubric"),
                message=item.get("message"),
            )
        )
    return tuple(found)


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…") if isinstance(value, str) else text
