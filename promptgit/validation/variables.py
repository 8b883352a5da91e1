"""PG301/PG302/PG305/PG306/PG307: declared inputs against the template, the sample, the sample render."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptgit.errors import PromptgitError, RenderError
from promptgit.findings import Finding
from promptgit.format.bounded import render_bounded
from promptgit.format.inputs import input_errors, is_required
from promptgit.format.prompt import Prompt, PromptDocument
from promptgit.format.templating import Rendered
from promptgit.validation.rules import finding
from promptgit.validation.templates import TemplateFacts, TemplateIndex, column_of

# chat structure that only shows at render time (a dynamic role, a partial) has its own codes
_CODE_OF_REASON = {"stray_text": "PG303", "nested_message": "PG303", "unknown_role": "PG304"}
# reasons whose message is whole already: "render did not finish ...", "render failed: ZeroDivisionError ..."
_OWN_MESSAGE_REASONS = frozenset({"timeout", "memory", "recursion", "error"})


def declared_against_used(
    document: PromptDocument, facts: TemplateFacts, index: TemplateIndex, source_lines: list[str]
) -> Iterator[Finding]:
    """Used but undeclared (error, line of first use) and declared but unused (warning)."""
    declared = document.inputs
    own = facts.variables(index.globals)
    for name, line in sorted(own.items(), key=lambda item: (item[1], item[0])):
        if name not in declared:
            message = f"variable {name!r} is used but not declared in inputs{_close_input(name, declared)}"
            yield finding(document.path, (line, column_of(source_lines, line, name)), "PG301", message)
    used = set(facts.reads)  # `{% set topic = topic|trim %}` binds topic, and still uses the input
    for reference in facts.references:
        if not reference.shares_context:
            continue
        for partial in reference.names:
            for name, (_, where) in sorted(index.variables_of_partial(partial).items()):
                used.add(name)
                if name not in declared and name not in own:
                    message = f"variable {name!r} is used by {where} but not declared in inputs"
                    position = (reference.line, column_of(source_lines, reference.line, partial))
                    yield finding(document.path, position, "PG301", message)
    for name in declared:
        if name not in used:
            message = f"input {name!r} is declared but never used"
            yield finding(document.path, document.front.position(("inputs", name)), "PG302", message)


def _close_input(name: str, declared: object) -> str:
    """` (did you mean topic?)` when a declared input is close to an undeclared name (a typo), else ''."""
    if not isinstance(declared, dict) or not declared:
        return ""
    import difflib

    close = difflib.get_close_matches(name, [str(key) for key in declared], n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def sample_problems(document: PromptDocument) -> list[Finding]:
    """PG305 for a sample that does not satisfy the inputs; PG307 when required inputs have no sample."""
    if "sample" not in document.metadata:
        required = [name for name, spec in document.inputs.items() if is_required(spec)]
        if not required:
            return []
        message = f"no sample, so the prompt is never test-rendered (required inputs: {', '.join(required)})"
        return [finding(document.path, document.front.position(("inputs",)), "PG307", message)]
    try:
        problems = input_errors(document.inputs, document.sample)
    except Exception as exc:
        if not _bad_declaration(exc):
            raise
        text = str(exc).splitlines()[0]
        return [
            finding(
                document.path,
                document.front.position(("inputs",)),
                "PG305",
                f"inputs cannot check the sample: {text}",
            )
        ]
    found: list[Finding] = []
    for variable, problem in problems:
        position = document.front.position(("sample", variable))
        message = (
            f"sample: input {variable!r} {problem}"
            if problem.startswith("is ")
            else f"sample.{variable}: {problem}"
        )
        found.append(finding(document.path, position, "PG305", message))
    return found


def _bad_declaration(exc: Exception) -> bool:
    """Whether checking failed on the declaration itself (a bad type name or pattern), not on the sample."""
    if isinstance(exc, re.error):
        return True
    from jsonschema.exceptions import SchemaError, UnknownType  # only imported once checking ran into it

    return isinstance(exc, (SchemaError, UnknownType))


def render_sample(
    document: PromptDocument, prompt: Prompt, memory: int | None = None
) -> tuple[Rendered | None, list[Finding]]:
    """Render the sample (bounded.render_bounded); any failure (the template is user code) is a finding.

    `memory`: bytes of address space the render may add (see bounded.memory_limit); None for no limit.
    """
    try:
        return render_bounded(prompt, document.sample, memory=memory), []
    except PromptgitError as exc:
        reason = exc.reason if isinstance(exc, RenderError) else None
        line = (exc.line if isinstance(exc, RenderError) else None) or document.front.body_line
        code = _CODE_OF_REASON.get(reason or "", "PG306")
        detail = _strip_prompt_prefix(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, prompt)
        if reason in _OWN_MESSAGE_REASONS:
            message = f"sample {detail}"
        elif code == "PG306":
            message = f"sample render failed: {detail}"
        else:
            message = detail
        return None, [finding(document.path, (line, 1), code, message)]


def _strip_prompt_prefix(detail: str, prompt: Prompt) -> str:
    return detail.removeprefix(f"{prompt.name}@{prompt.version}: ")
