"""What each page shows, as plain data for its template: built from the reads (reads.py), the library's
interface and token logic, and renders and findings from the worker (worker.py). No HTML here.
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from promptgit.errors import PromptgitError, PromptNotFoundError
from promptgit.format.interface import level_needed, shape_of
from promptgit.format.prompt import PromptDocument
from promptgit.store.traffic_split import LabelEntry, Split
from promptgit.ui.forms import Field, fields_for, read_values, show_problems
from promptgit.ui.reads import WORKTREE, LibraryReader, Version


class Calls(Protocol):
    def call(self, request: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class Rendered:
    """One render through the worker: the output (text, or messages by role) and its tokens, or an error."""

    version: str
    text: str | None = None
    messages: list[dict[str, str]] | None = None
    tokens: int | None = None
    method: str = ""
    error: str = ""
    input_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def as_text(self) -> str:
        """The output as one text to diff: a chat prompt's messages as `[role]` then the content."""
        if self.messages is not None:
            return "\n".join(f"[{m['role']}]\n{m['content']}\n" for m in self.messages)
        return self.text or ""


@dataclass(frozen=True)
class IndexRow:
    """A prompt on the index: its working-tree (else highest released) file, releases, labels, findings."""

    name: str
    kind: str
    description: str
    version: str
    release: str | None
    labels: list[dict[str, Any]]
    errors: int
    warnings: int


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add, remove, context, hunk, file
    text: str


@dataclass(frozen=True)
class Experiments:
    """Where the experiment reports of splits come from: Prometheus at `url`, counted over `window`."""

    url: str
    window: str = "24h"


class Views:
    def __init__(self, reader: LibraryReader, worker: Calls, experiments: Experiments | None = None) -> None:
        self.reader = reader
        self.worker = worker
        self.experiments = experiments
        self._findings_lock = threading.Lock()
        self._findings: tuple[object, list[dict[str, Any]]] | None = None

    # --- shared ---------------------------------------------------------------------------------------
    def findings(self) -> list[dict[str, Any]]:
        """Every finding of `promptgit validate` on the working tree, run again only when a prompt file,
        promptgit.yaml or HEAD changed."""
        key = self._fingerprint()
        with self._findings_lock:
            if self._findings is None or self._findings[0] != key:
                answer = self.worker.call({"op": "validate"})
                if not answer.get("ok"):
                    raise PromptgitError(f"validate: {answer.get('error')}")
                self._findings = (key, answer["findings"])
            return self._findings[1]

    def _fingerprint(self) -> object:
        stats = []
        for directory, subdirs, files in os.walk(self.reader.workspace.prompts_dir):
            subdirs.sort()
            for filename in sorted(files):
                try:
                    info = os.stat(os.path.join(directory, filename))
                except OSError:
                    continue
                stats.append((directory, filename, info.st_mtime_ns, info.st_size))
        config = self.reader.root / "promptgit.yaml"
        stamp = config.stat().st_mtime_ns if config.exists() else None
        return (self.reader.head(), stamp, tuple(stats))

    def render(self, name: str, version: str, inputs: Mapping[str, Any]) -> Rendered:
        answer = self.worker.call({"op": "render", "selector": f"{name}@{version}", "inputs": dict(inputs)})
        result = Rendered(version)
        if answer.get("ok"):
            output = answer["rendered"]
            if isinstance(output, str):
                result.text = output
            else:
                result.messages = output
            result.tokens, result.method = answer["tokens"], answer["method"]
        elif answer.get("kind") == "inputs":
            result.input_errors = [(str(n), str(m)) for n, m in answer["errors"]]
            result.error = "invalid inputs: " + "; ".join(f"{n}: {m}" for n, m in result.input_errors)
        else:
            result.error = str(answer.get("error"))
        return result

    def _document_version(self, name: str) -> Version:
        """The version that describes a prompt: the working tree's file, else its highest release."""
        versions = self.reader.versions(name)
        if not versions:
            raise PromptNotFoundError(f"no prompt {name!r}: not in the working tree and never released")
        return self.reader.version(name, WORKTREE if WORKTREE in versions else versions[0])

    # --- the index ------------------------------------------------------------------------------------
    def index(self, query: str, kind: str, label: str) -> dict[str, Any]:
        labels = self.reader.labels()
        findings = self.findings()
        rows: list[IndexRow] = []
        for name in self.reader.names():
            try:
                version = self._document_version(name)
            except PromptgitError:
                continue
            document = version.document()
            on = _labels_of(labels, name)
            errors, warnings = _counts(findings, version.path)
            rows.append(
                IndexRow(
                    name=name,
                    kind=document.kind if document else "",
                    description=document.description if document else "",
                    version=document.version if document else "?",
                    release=self.reader.highest_release(name),
                    labels=on,
                    errors=errors,
                    warnings=warnings,
                )
            )
        kinds = sorted({row.kind for row in rows if row.kind})
        shown = [
            row
            for row in rows
            if query.lower() in row.name.lower()
            and (not kind or row.kind == kind)
            and (not label or any(item["label"] == label for item in row.labels))
        ]
        return {
            "rows": shown,
            "total": len(rows),
            "kinds": kinds,
            "label_names": sorted(labels),
            "query": query,
            "kind": kind,
            "label": label,
        }

    # --- a prompt's page ------------------------------------------------------------------------------
    def prompt(self, name: str) -> dict[str, Any]:
        version = self._document_version(name)
        document = version.document()
        labels = self.reader.labels()
        releases = self.reader.releases(name)
        timeline = [
            {
                "version": release.version,
                "tag": release.tag,
                "commit": release.commit,
                "tagger": release.tagger,
                "date": release.date,
                "message": release.message,
                "labels": [item for item in _labels_of(labels, name) if release.version in item["versions"]],
            }
            for release in releases
        ]
        found = [item for item in self.findings() if item["path"] == version.path]
        return {
            "experiments": self._experiments(name, labels),
            "prometheus": self.experiments.url if self.experiments else None,
            "name": name,
            "version": version,
            "document": document,
            "inputs": document.inputs if document else {},
            "labels": _labels_of(labels, name),
            "timeline": timeline,
            "history": self.reader.label_history(name),
            "findings": found,
            "tests": self.reader.read_test_report(name),
            "test_report": self.reader.workspace.display_path(self.reader.test_report),
            "versions": self.reader.versions(name),
            "shape": shape_of(document) if document else None,
        }

    def _experiments(self, name: str, labels: Mapping[str, Mapping[str, LabelEntry]]) -> list[dict[str, str]]:
        """`promptgit experiment report` of each label that splits this prompt, as its text table; the error
        in its place when Prometheus cannot answer."""
        if self.experiments is None:
            return []
        from promptgit.experiments import as_text, report_from_prometheus

        url, window = self.experiments.url, self.experiments.window
        reports = []
        for label, entries in sorted(labels.items()):
            entry = entries.get(name)
            if not isinstance(entry, Split):
                continue
            try:
                report = report_from_prometheus(name, label, entry, url, window)
                reports.append({"label": label, "text": as_text(report), "error": ""})
            except PromptgitError as exc:
                reports.append({"label": label, "text": "", "error": str(exc)})
        return reports

    # --- diff of two versions -------------------------------------------------------------------------
    def diff(self, name: str, old: str | None, new: str | None, inputs_text: str | None) -> dict[str, Any]:
        versions = self.reader.versions(name)
        if not versions:
            raise PromptNotFoundError(f"no prompt {name!r}")
        # by default the working tree (else the newest release) against the release before it
        new = _chosen(name, new, versions, WORKTREE if WORKTREE in versions else versions[0])
        old = _chosen(name, old, versions, next((v for v in versions if v != new), new))
        before, after = self.reader.version(name, old), self.reader.version(name, new)
        old_document, new_document = before.document(), after.document()
        level: str | None = None
        changes: list[Any] = []
        if old_document is not None and new_document is not None and before.data != after.data:
            level, changes = level_needed(old_document, new_document)
        text_diff = unified(before.text, after.text, f"{name}@{old}", f"{name}@{new}")
        inputs_error = ""
        inputs: dict[str, Any] = dict(new_document.sample) if new_document else {}
        if inputs_text and inputs_text.strip():
            try:
                given = json.loads(inputs_text)
            except ValueError as exc:
                given, inputs_error = None, f"not valid JSON: {exc}"
            if isinstance(given, dict):
                inputs = given
            elif not inputs_error:
                inputs_error = 'the inputs must be a JSON object: {"name": value, ...}'
        rendered_old = rendered_new = None
        rendered_diff: list[DiffLine] = []
        left_out: list[tuple[str, list[str]]] = []
        if not inputs_error:
            # the same inputs for both, less those a version does not declare (it would refuse them, and a
            # diff of a refusal shows nothing): which ones were left out is said on the page
            old_inputs, old_left = _declared_by(old_document, inputs)
            new_inputs, new_left = _declared_by(new_document, inputs)
            left_out = [(version, names) for version, names in ((old, old_left), (new, new_left)) if names]
            rendered_old = self.render(name, old, old_inputs)
            rendered_new = self.render(name, new, new_inputs)
            if not rendered_old.error and not rendered_new.error:
                rendered_diff = unified(
                    rendered_old.as_text, rendered_new.as_text, f"rendered {old}", f"rendered {new}"
                )
        return {
            "name": name,
            "versions": versions,
            "old": old,
            "new": new,
            "before": before,
            "after": after,
            "level": level,
            "changes": changes,
            "text_diff": text_diff,
            "inputs_text": inputs_text
            if inputs_text and inputs_text.strip()
            else json.dumps(inputs, indent=1, ensure_ascii=False),
            "inputs_error": inputs_error,
            "left_out": left_out,
            "rendered_old": rendered_old,
            "rendered_new": rendered_new,
            "rendered_diff": rendered_diff,
        }

    # --- the render form ------------------------------------------------------------------------------
    def render_form(
        self, name: str, version: str | None, form: Mapping[str, list[str]] | None
    ) -> dict[str, Any]:
        versions = self.reader.versions(name)
        if not versions:
            raise PromptNotFoundError(f"no prompt {name!r}")
        version = _chosen(name, version, versions, WORKTREE if WORKTREE in versions else versions[0])
        document = self.reader.version(name, version).document()
        declared = document.inputs if document else {}
        fields: list[Field] = fields_for(declared, document.sample if document else {})
        result: Rendered | None = None
        problems: list[str] = []
        if form is not None:
            values = read_values(fields, form)
            if not any(item.error for item in fields):
                result = self.render(name, version, values)
                problems = show_problems(fields, result.input_errors)
                if result.input_errors:
                    result = None
        return {
            "name": name,
            "versions": versions,
            "version": version,
            "fields": fields,
            "result": result,
            "problems": problems,
            "has_field_errors": any(item.error for item in fields),
        }

    # --- blame ----------------------------------------------------------------------------------------
    def blame(self, name: str, version: str | None) -> dict[str, Any]:
        versions = self.reader.versions(name)
        if not versions:
            raise PromptNotFoundError(f"no prompt {name!r}")
        version = _chosen(name, version, versions, versions[-1])
        return {
            "name": name,
            "versions": versions,
            "version": version,
            "lines": self.reader.blame(name, version),
        }


def _declared_by(
    document: PromptDocument | None, inputs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """`inputs` less those `document` does not declare, and the names left out."""
    if document is None:
        return dict(inputs), []
    declared = document.inputs
    return {k: v for k, v in inputs.items() if k in declared}, sorted(k for k in inputs if k not in declared)


def _chosen(name: str, asked: str | None, versions: list[str], default: str) -> str:
    """The version a page was asked for (one of `versions`), or `default` when none was asked for."""
    if asked is None:
        return default
    if asked not in versions:
        raise PromptNotFoundError(f"{name} has no version {asked!r} (versions: {', '.join(versions)})")
    return asked


def _labels_of(labels: Mapping[str, Mapping[str, LabelEntry]], name: str) -> list[dict[str, Any]]:
    """The labels naming prompt `name`: `production: 1.0.0`, or a split with its weights."""
    found = []
    for label, entries in sorted(labels.items()):
        entry = entries.get(name)
        if entry is None:
            continue
        split = isinstance(entry, Split)
        versions = list(entry.versions) if isinstance(entry, Split) else [entry]
        found.append({"label": label, "entry": str(entry), "split": split, "versions": versions})
    return found


def _counts(findings: list[dict[str, Any]], path: str) -> tuple[int, int]:
    mine = [item for item in findings if item["path"] == path]
    return (
        sum(1 for item in mine if item["severity"] == "error"),
        sum(1 for item in mine if item["severity"] == "warning"),
    )


def unified(before: str, after: str, old_name: str, new_name: str) -> list[DiffLine]:
    """A unified diff as lines with their kind, for colouring; [] when the texts are the same."""
    lines = []
    for line in difflib.unified_diff(
        before.splitlines(), after.splitlines(), old_name, new_name, n=3, lineterm=""
    ):
        if line.startswith(("---", "+++")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "context"
        lines.append(DiffLine(kind, line))
    return lines
