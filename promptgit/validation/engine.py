"""The validation engine: collect the files, run every rule family on each, apply the configuration.

One run builds the sandboxed environment, the schema validators and the template cache once, then checks
every file completely: a broken file yields its findings and never hides the findings of another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateSyntaxError

from promptgit.errors import ConfigError, PromptSyntaxError
from promptgit.findings import Finding, Severity
from promptgit.prompt import SUFFIX, compile_document, parse_document, parse_template, prompt_name
from promptgit.validation import chat, security, variables
from promptgit.validation.rules import FAMILIES, family_of, finding
from promptgit.validation.schema import SchemaChecks
from promptgit.validation.sources import read_text
from promptgit.validation.templates import TemplateFacts, TemplateIndex, column_of, scan
from promptgit.workspace import LABELS_FILE, PARTIALS_DIR, Workspace

# findings after which the sample is not rendered: the render would only repeat them as PG306
_BLOCKS_RENDER = frozenset({"PG201", "PG301", "PG303", "PG304", "PG305", "PG602"})


@dataclass(frozen=True)
class Report:
    """The result of one run: findings (sorted, configured severities) and how many files were checked."""

    findings: list[Finding]
    files_checked: int

    @property
    def errors(self) -> int:
        return sum(1 for item in self.findings if item.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for item in self.findings if item.severity is Severity.WARNING)


@dataclass(frozen=True)
class Targets:
    prompts: list[Path]
    partials: list[Path]
    labels: list[Path]

    def __len__(self) -> int:
        return len(self.prompts) + len(self.partials) + len(self.labels)


def parse_select(text: str | None) -> frozenset[str]:
    """`parse,schema` -> the families to run; None or empty -> all of them."""
    if not text:
        return frozenset(FAMILIES)
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(chosen - set(FAMILIES))
    if unknown:
        raise ConfigError(
            f"--select: unknown famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"choose from {','.join(FAMILIES)}"
        )
    return chosen


def validate(
    workspace: Workspace,
    paths: Sequence[Path] | None = None,
    *,
    base: str | None = None,
    select: Iterable[str] | None = None,
) -> list[Finding]:
    """Validate the whole repository (or only `paths`); every finding, sorted, with configured severity."""
    return run(workspace, paths, base=base, select=select).findings


def run(
    workspace: Workspace,
    paths: Sequence[Path] | None = None,
    *,
    base: str | None = None,
    select: Iterable[str] | None = None,
    jobs: int = 1,
) -> Report:
    """Like `validate`, and also counts the files checked (for the summary line).

    `jobs` > 1 checks large libraries in that many worker processes (the CLI's default); the library
    default stays in-process, since forking is unsafe in an application that runs threads.
    """
    families = frozenset(FAMILIES) if select is None else frozenset(select)
    targets = collect(workspace, paths)
    found: list[Finding] = []
    if families - {"versions"}:
        chunks = _chunks(targets.prompts, jobs)
        if len(chunks) > 1:
            found.extend(_check_in_processes(workspace, families, chunks))
        else:
            found.extend(_check_prompts(workspace, families, targets.prompts))
        checker = FileChecker(workspace, families)
        for path in targets.partials:
            found.extend(checker.partial(path))
        for path in targets.labels:
            found.extend(checker.labels(path))
    if "versions" in families:
        from promptgit.versioning import check_versions

        found.extend(check_versions(workspace, base, targets.prompts if paths is not None else None))
    return Report(configure(found, workspace, families), len(targets))


# below this many prompts per worker, starting processes costs more than it saves
_MIN_PROMPTS_PER_JOB = 250


def _chunks(prompts: list[Path], jobs: int) -> list[list[Path]]:
    count = max(1, min(jobs, len(prompts) // _MIN_PROMPTS_PER_JOB))
    return [prompts[index::count] for index in range(count)]


def _check_prompts(workspace: Workspace, families: frozenset[str], prompts: list[Path]) -> list[Finding]:
    checker = FileChecker(workspace, families)
    found: list[Finding] = []
    for path in prompts:
        found.extend(checker.prompt(path))
    return found


def _check_in_processes(
    workspace: Workspace, families: frozenset[str], chunks: list[list[Path]]
) -> list[Finding]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context) as pool:
        results = pool.map(_check_prompts, [workspace] * len(chunks), [families] * len(chunks), chunks)
        return [item for result in results for item in result]


def configure(found: Iterable[Finding], workspace: Workspace, families: frozenset[str]) -> list[Finding]:
    """Drop unselected families and rules turned off; apply configured severities; sort."""
    config = workspace.config
    result: set[Finding] = set()
    for item in found:
        family = family_of(item.code)
        if family != "other" and family not in families:
            continue
        severity = config.severity(item.code, item.severity)
        if severity is Severity.OFF:
            continue
        result.add(item if severity is item.severity else _with_severity(item, severity))
    return sorted(result)


def _with_severity(item: Finding, severity: Severity) -> Finding:
    return Finding(item.path, item.line, item.column, item.code, item.message, severity)


def collect(workspace: Workspace, paths: Sequence[Path] | None) -> Targets:
    """The prompts, partials and labels file to check; files given that are none of these are ignored."""
    prompts_dir = workspace.prompts_dir
    if paths is None:
        candidates = _walk(prompts_dir)
    else:
        candidates = []
        for path in paths:
            if path.is_dir():
                candidates.extend(_walk(path))
            elif path.exists() or path.is_symlink():
                candidates.append(path)
            else:
                raise ConfigError(f"{path}: no such file or directory")
    targets = Targets([], [], [])
    seen: set[Path] = set()
    resolved_dir = prompts_dir.resolve()
    for path in candidates:
        # resolve the directory, not the file: a symlinked prompt is still a prompt (and read as one)
        absolute = path.absolute().parent.resolve() / path.name
        try:
            relative = absolute.relative_to(resolved_dir).as_posix()
        except ValueError:
            continue
        if absolute in seen or workspace.is_ignored(absolute):
            continue
        seen.add(absolute)
        if relative.endswith(SUFFIX) and relative.split("/")[0] != PARTIALS_DIR:
            targets.prompts.append(absolute)
        elif relative.endswith(SUFFIX):
            targets.partials.append(absolute)
        elif relative == LABELS_FILE:
            targets.labels.append(absolute)
    for bucket in (targets.prompts, targets.partials, targets.labels):
        bucket.sort()
    return targets


def _walk(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.rglob("*") if not path.is_dir() and not _hidden(path, directory))


def _hidden(path: Path, base: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(base).parts)


class FileChecker:
    """Checks one file at a time with validators built once for the run."""

    def __init__(self, workspace: Workspace, families: frozenset[str]) -> None:
        self.workspace = workspace
        self.config = workspace.config
        self.families = families
        self.prompts_dir = workspace.prompts_dir.resolve()
        self.root = workspace.root.resolve()
        self._stage = "PG101"  # the code a RecursionError is reported as: where the checks had got to
        self.index = TemplateIndex(workspace)
        self.schema = SchemaChecks(workspace.config)
        self.render_samples = bool(families & {"variables", "tokens"})

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
        text = read_text(path, shown, self.config.max_file_bytes)
        if isinstance(text, Finding):
            return None, [text]
        return text, list(security.secrets(shown, text)) if "security" in self.families else []

    def _prompt(self, path: Path, shown: str) -> list[Finding]:
        text, found = self._read(path, shown)
        if text is None:
            return found
        try:
            name = prompt_name(path.relative_to(self.prompts_dir).as_posix())
            document = parse_document(name, shown, text)
            found.extend(self.schema.metadata(document))
            self._stage = "PG102"
            ast = parse_template(document, self.index.environment)
        except PromptSyntaxError as exc:
            return [*found, finding(shown, (exc.line, exc.column), exc.code, exc.message)]
        lines = text.splitlines()
        facts = scan(ast)
        found.extend(self._template_checks(shown, facts, lines, chat_prompt=bool(facts.message_blocks)))
        if isinstance(document.metadata.get("inputs", {}), dict):
            found.extend(variables.declared_against_used(document, facts, self.index, lines))
        codes = {item.code for item in found}
        if "PG105" in codes or not self.render_samples:
            return found  # compiling only serves the sample render (variables) and token estimates
        try:
            prompt = compile_document(document, self.index.environment, ast=ast)
        except PromptSyntaxError as exc:
            return [*found, finding(shown, (exc.line, exc.column), exc.code, exc.message)]
        if "PG201" in codes:
            return found  # declared inputs that break the schema cannot check a sample
        sample_findings = variables.sample_problems(document)
        found.extend(sample_findings)
        codes.update(item.code for item in sample_findings)
        if "PG307" in codes or codes & _BLOCKS_RENDER:
            return found
        rendered, problems = variables.render_sample(document, prompt)
        found.extend(problems)
        if rendered is not None and "tokens" in self.families:
            from promptgit.tokens.rules import check_tokens

            found.extend(check_tokens(document, prompt, self.config))
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
        return found if text is None else [*found, *self.schema.labels(shown, text)]

    def _shown(self, path: Path) -> str:
        """Path relative to the repository root; unlike display_path, a symlink keeps its own name."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _template_checks(
        self, shown: str, facts: TemplateFacts, lines: list[str], *, chat_prompt: bool
    ) -> list[Finding]:
        found: list[Finding] = []
        for reference in facts.references:
            if reference.optional or any(self.index.exists(name) for name in reference.names):
                continue
            names = " or ".join(repr(name) for name in reference.names)
            position = (reference.line, column_of(lines, reference.line, reference.names[0]))
            message = f"included template {names} does not exist under {self.config.prompts_dir}/"
            found.append(finding(shown, position, "PG105", message))
        found.extend(chat.unknown_roles(shown, facts, lines))
        if chat_prompt:
            found.extend(chat.stray_text(shown, facts))
        if "security" in self.families:
            found.extend(security.unsafe_constructs(shown, facts, lines))
        return found
