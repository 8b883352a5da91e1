"""Checking one file completely: every rule family on a prompt, a partial or the labels file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import TemplateSyntaxError

from promptgit.errors import PromptSyntaxError, did_you_mean
from promptgit.findings import Finding
from promptgit.format.prompt import (
    PromptDocument,
    compile_document,
    parse_document,
    parse_template,
    prompt_name,
)
from promptgit.sources.contained import printable
from promptgit.store.selectors import unusable_file_name
from promptgit.store.workspace import Workspace
from promptgit.store.yanks import YANKED_FILE
from promptgit.validation import calls, chat, patterns, security, variables
from promptgit.validation.conflicts import conflict_markers
from promptgit.validation.langfuse_shape import langfuse_findings
from promptgit.validation.rules import finding
from promptgit.validation.schema import SchemaChecks
from promptgit.validation.sources import read_text
from promptgit.validation.templates import TemplateFacts, TemplateIndex, column_of, scan

# findings after which the sample is not rendered: the render would only repeat them as PG306
_BLOCKS_RENDER = frozenset({"PG301", "PG303", "PG304", "PG305", "PG308", "PG602", "PG603"})


class FileChecker:
    """Checks one file at a time with validators built once for the run."""

    def __init__(
        self, workspace: Workspace, families: frozenset[str], sample_memory: int | None = None
    ) -> None:
        self.workspace = workspace
        self.sample_memory = sample_memory  # see variables.render_sample
        self.config = workspace.config
        self.families = families
        self.prompts_dir = workspace.prompts_dir.resolve()
        self.root = workspace.root.resolve()
        self._stage = "PG101"  # the code a RecursionError is reported as: where the checks had got to
        self.index = TemplateIndex(workspace)
        self.schema = SchemaChecks(workspace.config)
        self.render_samples = bool(families & {"variables", "tokens"})
        # name -> (text, document) of each prompt parsed, when the version rules run next in this process
        # and can reuse them (None: not kept); a run parses each file once
        self.documents: dict[str, tuple[str, PromptDocument]] | None = None

    def prompt(self, path: Path) -> list[Finding]:
        return self._guarded(path, self._prompt)

    def partial(self, path: Path) -> list[Finding]:
        return self._guarded(path, self._partial)

    def _guarded(self, path: Path, check: Callable[[Path, str], list[Finding]]) -> list[Finding]:
        """Hostile nesting ({{ ((((...)))) }}, YAML [[[[...]]]]) exhausts recursion: a finding, no crash."""
        shown = self._shown(path)
        self._stage = "PG101" if check == self._prompt else "PG102"
        try:
            return check(path, shown)
        except RecursionError:
            part = "front matter" if self._stage == "PG101" else "template"
            return [finding(shown, (1, 1), self._stage, f"{part} is nested too deeply to check")]

    def _read(self, path: Path, shown: str) -> tuple[str | None, list[Finding]]:
        """The file's text (None when unreadable) and the findings about it as text: read errors, secrets."""
        text = read_text(path, shown, self.config.max_file_bytes, self.root)
        if isinstance(text, Finding):
            return None, [text]
        found = list(conflict_markers(shown, text)) if "parse" in self.families else []
        return text, found + (list(security.secrets(shown, text)) if "security" in self.families else [])

    def _prompt(self, path: Path, shown: str) -> list[Finding]:
        name = prompt_name(path.relative_to(self.prompts_dir).as_posix())
        unusable = unusable_file_name(name)
        if unusable is not None:  # `a\nb.j2`, a 300-character part: one finding, the file is not read
            return [finding(shown, (1, 1), "PG106", f"not a usable prompt file name: {unusable}")]
        text, found = self._read(path, shown)
        if text is None:
            return found
        try:
            document = parse_document(name, shown, text)
            if self.documents is not None:
                self.documents[name] = (text, document)
            metadata = self.schema.metadata(document)
            found.extend(metadata.findings)
            if "schema" in self.families:
                found.extend(calls.call_findings(document, self.config))
            self._stage = "PG102"
            ast = parse_template(document, self.index.environment)
        except PromptSyntaxError as exc:
            return [*found, finding(shown, (exc.line, exc.column), exc.code, exc.message)]
        lines = text.splitlines()
        facts = scan(ast)
        chat_prompt = bool(facts.message_blocks)
        found.extend(self._template_checks(shown, facts, lines, chat_prompt=chat_prompt))
        if not chat_prompt:
            found.extend(chat.blocks_in_text_prompt(shown, facts, self.index))
        if "security" in self.families:
            found.extend(patterns.pattern_problems(document))
            found.extend(security.input_chosen_structure(shown, document, ast))
        if isinstance(document.metadata.get("inputs", {}), dict):
            found.extend(variables.declared_against_used(document, facts, self.index, lines))
        if "variables" in self.families:
            found.extend(langfuse_findings(shown, document.metadata, ast, self.index.environment))
        codes = {item.code for item in found}
        if "PG105" in codes or not self.render_samples:
            return found  # compiling only serves the sample render (variables) and token estimates
        try:
            prompt = compile_document(document, self.index.environment, ast=ast, chat=chat_prompt)
        except PromptSyntaxError as exc:
            return [*found, finding(shown, (exc.line, exc.column), exc.code, exc.message)]
        if metadata.inputs_broken or "PG603" in codes:
            return found  # declared inputs that break the schema (or cannot run) cannot check a sample
        sample_findings = variables.sample_problems(document)
        found.extend(sample_findings)
        codes.update(item.code for item in sample_findings)
        if "PG307" in codes or codes & _BLOCKS_RENDER:
            return found
        rendered, problems = variables.render_sample(document, prompt, self.sample_memory)
        found.extend(problems)
        if rendered is not None and "tokens" in self.families:
            from promptgit.validation.token_limits import check_tokens

            found.extend(check_tokens(document, prompt, self.config, rendered=rendered))
        return found

    def _partial(self, path: Path, shown: str) -> list[Finding]:
        text, found = self._read(path, shown)
        if text is None:
            return found
        try:
            ast = self.index.environment.parse(text, name=shown)
        except TemplateSyntaxError as exc:
            return [*found, finding(shown, (exc.lineno or 1, 1), "PG102", f"Jinja syntax: {exc.message}")]
        found.extend(self._template_checks(shown, scan(ast), text.splitlines(), chat_prompt=False))
        return found

    def labels(self, path: Path) -> list[Finding]:
        shown = self._shown(path)
        text, found = self._read(path, shown)
        if text is not None and path.name == YANKED_FILE:
            return [*found, *yank_findings(shown, text)]
        return found if text is None else [*found, *self.schema.labels(shown, text)]

    def _shown(self, path: Path) -> str:
        """Path relative to the repository root; unlike display_path, a symlink keeps its own name."""
        try:
            return printable(path.relative_to(self.root).as_posix())
        except ValueError:
            return printable(path.as_posix())

    def _template_checks(
        self, shown: str, facts: TemplateFacts, lines: list[str], *, chat_prompt: bool
    ) -> list[Finding]:
        found: list[Finding] = []
        for reference in facts.references:
            if reference.optional or any(self.index.exists(name) for name in reference.names):
                continue
            names = " or ".join(repr(name) for name in reference.names)
            position = (reference.line, column_of(lines, reference.line, reference.names[0]))
            # compared without the shared `partials/`, which would make every partial look close
            partials = [name.removeprefix("partials/") for name in self.index.partial_names]
            wanted = reference.names[0].removeprefix("partials/")
            listed = did_you_mean(wanted, partials, "files in partials/")
            message = f"included template {names} does not exist under {self.config.prompts_dir}/ ({listed})"
            found.append(finding(shown, position, "PG105", message))
        found.extend(chat.unknown_roles(shown, facts, lines))
        found.extend(chat.captured_blocks(shown, facts))
        if chat_prompt:
            found.extend(chat.stray_text(shown, facts))
        if "security" in self.families:
            found.extend(security.unsafe_constructs(shown, facts, lines))
        return found


def yank_findings(shown: str, text: str) -> list[Finding]:
    """PG203 for a yanked.yaml that is not YAML or not prompt -> {version: reason} (store/yanks.py)."""
    from promptgit.format.yamlsafe import safe_load
    from promptgit.store.yanks import shape_problem

    try:
        loaded = safe_load(text)
    except Exception as exc:  # any YAML error: the file cannot be read as yanks
        mark = getattr(exc, "problem_mark", None)
        position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return [finding(shown, position, "PG203", "yanked.yaml is not valid YAML")]
    problem = shape_problem(loaded)
    return [] if problem is None else [finding(shown, (1, 1), "PG203", problem)]
