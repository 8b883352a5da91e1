"""The token report: per prompt, the tokens of its sample render, its budget, and the change from a base."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from promptgit.config import Config
from promptgit.errors import PromptgitError, RenderError
from promptgit.format.bounded import located, render_bounded
from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import SourceLookup, make_environment
from promptgit.tokens.counting import count
from promptgit.tokens.models import ModelTable


@dataclass(frozen=True)
class Estimate:
    """One version of one prompt: the tokens of its sample render and what they are measured against."""

    name: str
    path: str
    version: str
    model: str | None
    method: str
    tokens: int
    budget: int | None

    @property
    def used(self) -> float | None:
        """Share of the budget the sample render uses; None without a budget."""
        return self.tokens / self.budget if self.budget else None


@dataclass(frozen=True)
class Row:
    """A prompt in the report: now (None when removed), at the base (None when new or no base)."""

    name: str
    current: Estimate | None
    base: Estimate | None = None

    @property
    def change(self) -> int | None:
        """Tokens now minus tokens at the base; a new prompt counts from 0, a removed one down to 0."""
        if self.current is None and self.base is None:
            return None
        return (self.current.tokens if self.current else 0) - (self.base.tokens if self.base else 0)

    @property
    def status(self) -> str:
        if self.base is None:
            return "new"
        if self.current is None:
            return "removed"
        return "unchanged" if self.change == 0 and self.current.version == self.base.version else "changed"


@dataclass
class TokenReport:
    rows: list[Row]
    base_ref: str | None = None
    problems: list[str] = field(default_factory=list)  # one line each: prompts that could not be estimated


class Estimator:
    """Estimates prompts of one snapshot (the working tree or a commit) with one config."""

    def __init__(
        self,
        config: Config,
        table: ModelTable,
        lookup: SourceLookup,
        *,
        exact: bool = False,
        memory: int | None = None,
    ) -> None:
        self.config = config
        self.table = table
        self.exact = exact
        self.memory = memory  # bytes a sample render may add (bounded.render_bounded); the CLI sets it
        self.environment = make_environment(lookup)  # one sandboxed environment per snapshot

    def estimate(self, name: str, path: str, data: bytes) -> Estimate:
        """Parse, compile and render the sample of one prompt file; PromptgitError when that fails."""
        document = parse_document(name, path, data)
        prompt = compile_document(document, self.environment)
        rendered = render_bounded(prompt, prompt.sample, memory=self.memory)  # a PR's template: user code
        model = prompt.model or self.config.default_model
        counted = count(rendered, model, exact=self.exact, table=self.table)
        budget = document.metadata.get("token_budget")
        valid_budget = isinstance(budget, int) and not isinstance(budget, bool) and budget > 0
        return Estimate(
            name=name,
            path=path,
            version=document.version,
            model=model,
            method=counted.method,
            tokens=counted.tokens,
            budget=budget if valid_budget else None,
        )


def sort_rows(rows: Iterable[Row], with_base: bool) -> list[Row]:
    """By name; against a base, the largest change first (then by name)."""
    if not with_base:
        return sorted(rows, key=lambda row: row.name)
    return sorted(rows, key=lambda row: (-abs(row.change or 0), row.name))


def problem_line(path: str, error: PromptgitError) -> str:
    """One line naming the file (and the line, for a render error): `path[:line]: message`."""
    if isinstance(error, RenderError):
        return located(error, path)
    text = str(error)
    return text if text.startswith(path) else f"{path}: {text}"
