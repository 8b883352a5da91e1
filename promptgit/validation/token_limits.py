"""Token rules (PG4xx): the sample render's estimate against `token_budget` and the model's window.

Their names, severities and help are in the one rule table, promptgit.validation.rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptgit.config import Config
from promptgit.errors import PromptgitError
from promptgit.findings import Finding, Severity
from promptgit.format.prompt import Prompt, PromptDocument
from promptgit.format.templating import Rendered
from promptgit.tokens.counting import TokenCount, count, heuristic_upper_bound
from promptgit.tokens.models import ModelInfo, model_table
from promptgit.validation.rules import finding

OVER_BUDGET = "PG401"
OVER_CONTEXT = "PG402"
NEAR_BUDGET = "PG403"
UNKNOWN_MODEL = "PG404"


def check_tokens(
    document: PromptDocument, prompt: Prompt, config: Config, *, rendered: Rendered | None = None
) -> Iterator[Finding]:
    """Findings PG4xx for the sample render of `prompt` against its budget and the model's window.

    `rendered`: the sample render when the caller has it already (the validator renders it once).
    """
    model = prompt.model or config.default_model
    table = model_table(config.models)
    info = table.lookup(model)
    try:
        text = prompt.render_sample() if rendered is None else rendered
    except PromptgitError:
        return  # the sample does not render: the variables rules (PG305/PG306) report that
    findings = list(_model_findings(document, info))
    # most prompts are far below their limits: when even the most the estimate could be stays below them,
    # no finding is possible and the estimate (a few regex passes over the text) is skipped
    if heuristic_upper_bound(text, model, table=table) > _lowest_limit(document, info, config):
        estimate = count(text, model, table=table)
        findings += [
            *_budget_findings(document, estimate, config.token_warning_ratio),
            *_context_findings(document, estimate, info),
        ]
    for found in findings:
        severity = config.severity(found.code, found.severity)
        if severity is not Severity.OFF:
            yield Finding(found.path, found.line, found.column, found.code, found.message, severity)


def _lowest_limit(document: PromptDocument, info: ModelInfo, config: Config) -> float:
    """The fewest tokens at which _budget_findings or _context_findings could report something."""
    budget = document.metadata.get("token_budget")
    if isinstance(budget, int) and not isinstance(budget, bool) and budget >= 1:
        return min(budget * min(config.token_warning_ratio, 1.0), info.input_limit)
    return info.input_limit


def _finding(document: PromptDocument, key: str, code: str, message: str) -> Finding:
    line, column = document.front.position((key,))
    return finding(document.path, (line, column), code, message)


def _model_findings(document: PromptDocument, info: ModelInfo) -> Iterator[Finding]:
    if not info.known:
        yield _finding(
            document,
            "model",
            UNKNOWN_MODEL,
            f"model {info.name!r} is not in the model table; tokens are estimated with the heuristic and a "
            f"default context window of {info.context_window} (add it under models: in promptgit.yaml)",
        )


def _budget_findings(document: PromptDocument, estimate: TokenCount, ratio: float) -> Iterator[Finding]:
    budget = document.metadata.get("token_budget")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        return  # absent, or a schema error (PG201) reported elsewhere
    share = estimate.tokens / budget
    if estimate.tokens > budget:
        over = estimate.tokens - budget
        yield _finding(
            document,
            "token_budget",
            OVER_BUDGET,
            f"sample render is ~{estimate.tokens} tokens ({estimate.method}), "
            f"{over} over token_budget {budget}",
        )
    elif share > ratio:
        yield _finding(
            document,
            "token_budget",
            NEAR_BUDGET,
            f"sample render is ~{estimate.tokens} tokens ({estimate.method}), {share:.0%} of token_budget "
            f"{budget} (warning above {ratio:.0%})",
        )


def _context_findings(document: PromptDocument, estimate: TokenCount, info: ModelInfo) -> Iterator[Finding]:
    if estimate.tokens <= info.input_limit:
        return
    model = info.name or "a prompt without a model (set `model:`)"
    yield _finding(
        document,
        "model",
        OVER_CONTEXT,
        f"sample render is ~{estimate.tokens} tokens ({estimate.method}), over the {info.input_limit} that "
        f"{model} accepts (context window {info.context_window} minus output reserve {info.output_reserve})",
    )
