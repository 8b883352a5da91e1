"""Base against head: the same cases at a base ref and at head, both read from git objects.

The prompts compared are those whose file changed, and those including a partial that changed (through
other partials too). Each case runs at both sides from head's tests file; base answers replay from the
base's cassettes and head's (a request both sides send shares one recording). A regression is a case that
passes at base and fails at head. Each changed prompt also gets the diff of its sample render and the
change in input tokens and input cost per call.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptgit.errors import PromptgitError
from promptgit.format.prompt import SUFFIX, Prompt
from promptgit.testrunner.runner import CaseResult, RunOptions, collect_cases, run_cases
from promptgit.testrunner.sources import Source, included_partials

REGRESSION, FIXED, SAME, NEW = "regression", "fixed", "same", "new"


@dataclass(frozen=True)
class Comparison:
    base: CaseResult
    head: CaseResult

    @property
    def change(self) -> str:
        if self.base.reason.startswith("no prompt "):
            return NEW
        if self.base.passed and not self.head.passed:
            return REGRESSION
        if not self.base.passed and self.head.passed:
            return FIXED
        return SAME


@dataclass(frozen=True)
class PromptDelta:
    """How one changed prompt's sample render changed: the diff, and tokens and cost per call."""

    name: str
    base_version: str | None
    head_version: str | None
    diff: str
    base_tokens: int | None
    head_tokens: int | None
    base_cost: float | None  # USD of the input of one call, at the model's input price
    head_cost: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.name,
            "base_version": self.base_version,
            "head_version": self.head_version,
            "input_tokens": {"base": self.base_tokens, "head": self.head_tokens},
            "input_cost_usd": {"base": self.base_cost, "head": self.head_cost},
            "diff": self.diff,
        }


@dataclass
class BaseHeadReport:
    base_label: str
    head_label: str
    comparisons: list[Comparison] = field(default_factory=list)
    deltas: list[PromptDelta] = field(default_factory=list)

    @property
    def regressions(self) -> list[Comparison]:
        return [item for item in self.comparisons if item.change == REGRESSION]


def changed_prompts(base: Source, head: Source, names: Sequence[str] | None = None) -> list[str]:
    """Prompts with a tests file at head whose file, or an included partial, differs from base."""
    chosen = names or head.tests_names()
    changed = []
    for name in chosen:
        if base.read(f"{name}{SUFFIX}") != head.read(f"{name}{SUFFIX}"):
            changed.append(name)
            continue
        partials = included_partials(head, name) | included_partials(base, name)
        if any(base.partial(partial) != head.partial(partial) for partial in sorted(partials)):
            changed.append(name)
    return changed


def compare(
    base: Source, head: Source, options: RunOptions, root: Path, names: Sequence[str] | None = None
) -> BaseHeadReport:
    report = BaseHeadReport(base.label, head.label)
    changed = changed_prompts(base, head, names)
    cases = collect_cases(head, changed, repeat=options.repeat, min_pass=options.min_pass)
    head_results, _ = run_cases(head, cases, options, root, [head])
    base_results, _ = run_cases(base, cases, options, root, [base, head])
    report.comparisons = [Comparison(b, h) for b, h in zip(base_results, head_results, strict=True)]
    report.deltas = [_delta(name, base, head) for name in changed]
    return report


def _delta(name: str, base: Source, head: Source) -> PromptDelta:
    before, after = _prompt(base, name), _prompt(head, name)
    old_text, old_tokens, old_cost = _sample(before)
    new_text, new_tokens, new_cost = _sample(after)
    label = f"{name}@{before.version}" if before is not None else f"{name} (absent)"
    diff = "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"{label} at {base.label}",
            tofile=f"{name}@{after.version if after else '?'} at {head.label}",
        )
    )
    return PromptDelta(
        name,
        before.version if before else None,
        after.version if after else None,
        diff,
        old_tokens,
        new_tokens,
        old_cost,
        new_cost,
    )


def _prompt(source: Source, name: str) -> Prompt | None:
    try:
        return source.prompt(name)
    except PromptgitError:
        return None


def _sample(prompt: Prompt | None) -> tuple[str, int | None, float | None]:
    """The sample render as text (as `promptgit render` prints it), its tokens, its input cost."""
    if prompt is None:
        return "", None, None
    try:
        rendered = prompt.render(**prompt.sample)
    except PromptgitError as exc:
        return f"(the sample does not render: {exc})\n", None, None
    from promptgit.llm.completion import Usage
    from promptgit.tokens import count
    from promptgit.tokens.prices import price_table

    if isinstance(rendered, str):
        text = rendered if rendered.endswith("\n") else rendered + "\n"
        tokens = count(rendered, prompt.model).tokens
    else:
        text = "".join(f"[{item['role']}]\n{item['content']}\n" for item in rendered)
        tokens = count(rendered, prompt.model).tokens
    cost = price_table().cost(prompt.model, Usage(input_tokens=tokens))
    return text, tokens, cost
