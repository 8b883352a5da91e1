"""PG2xx: front matter against schemas/prompt.schema.json, allowed kinds, labels.yaml against its schema.

Every finding points at the offending YAML key (FrontMatter marks), not only at a JSON path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from promptgit.config import Config
from promptgit.findings import Finding
from promptgit.format.fastcheck import FastCheck, inline_refs, schema_fast_check
from promptgit.format.frontmatter import FrontMatter, JsonPath, YAMLProblem, load_marked_yaml
from promptgit.format.prompt import PromptDocument
from promptgit.resources import schema
from promptgit.validation.rules import finding

if TYPE_CHECKING:  # jsonschema is imported when a file needs it: valid files pass the fast path without it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_MAX_MESSAGE = 160


@dataclass(frozen=True)
class MetadataCheck:
    """The front matter against the schema and the configuration, from one validation of the metadata."""

    findings: list[Finding]
    inputs_broken: bool  # `inputs` or `sample` break the schema: the sample cannot be checked or rendered


class SchemaChecks:
    """Validators built once per run and shared by every file."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._prompt_schema = inline_refs(schema("prompt"))
        # most front matter is valid: a compiled check accepts it in microseconds, and jsonschema only
        # runs (once) on what it does not accept, to decide and word the findings
        self._accepts = schema_fast_check(self._prompt_schema)

    @cached_property
    def prompt_validator(self) -> Draft202012Validator:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self._prompt_schema)

    @cached_property
    def _accepts_labels(self) -> FastCheck | None:
        return schema_fast_check(schema("labels"))

    @cached_property
    def labels_validator(self) -> Draft202012Validator:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(schema("labels"))

    def metadata(self, document: PromptDocument) -> MetadataCheck:
        """PG201 for each schema violation, PG202 when the kind is not allowed by promptgit.yaml."""
        errors = self.metadata_errors(document.metadata)
        found = list(_violations(errors, document.front, document.path, "PG201"))
        kind = document.metadata.get("kind")
        kinds = self.config.kinds
        if kinds is not None and isinstance(kind, str) and kind not in kinds:
            allowed = ", ".join(kinds) or "(none)"
            message = f"kind {kind!r} is not allowed by promptgit.yaml (allowed: {allowed})"
            found.append(finding(document.path, document.front.position(("kind",)), "PG202", message))
        return MetadataCheck(found, any(_breaks_inputs(error) for error in errors))

    def metadata_errors(self, metadata: Mapping[str, Any]) -> list[ValidationError]:
        """jsonschema's errors for the metadata; none without asking it when the fast path accepts."""
        if self._accepts is not None and self._accepts(metadata):
            return []
        return list(self.prompt_validator.iter_errors(metadata))

    def labels(self, shown: str, text: str) -> Iterator[Finding]:
        """PG203 for a labels file that is not YAML, or not label -> {prompt name: version}; PG107 for a
        key given twice."""
        try:
            data, marks = load_marked_yaml(text)
        except YAMLProblem as problem:
            if problem.kind == "duplicate_key":
                yield finding(shown, (problem.line, problem.column), "PG107", problem.problem)
                return
            if problem.kind == "syntax":
                message = f"labels file is not valid YAML: {problem.problem}"
            else:
                message = f"labels file {problem.problem}"
            yield finding(shown, (problem.line, problem.column), "PG203", message)
            return
        if data is None:
            data = {}
        if self._accepts_labels is not None and self._accepts_labels(data):
            return  # valid: jsonschema (40 ms to import) is not needed
        front = FrontMatter(metadata={}, body="", body_line=1, marks=marks)
        yield from _violations(self.labels_validator.iter_errors(data), front, shown, "PG203")


def _breaks_inputs(error: ValidationError) -> bool:
    path = tuple(error.absolute_path)
    if path:
        return path[0] in ("inputs", "sample")
    # an unknown top-level key (a typo) or a missing version/kind does not touch the inputs
    return error.validator not in ("additionalProperties", "required")


def _violations(
    errors: Iterable[ValidationError], front: FrontMatter, shown: str, code: str
) -> Iterator[Finding]:
    for error in errors:
        path: JsonPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            allowed = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
            for key in error.instance:
                if key not in allowed:
                    where = f" in {_dotted(path)}" if path else ""
                    message = f"unknown key {key!r}{where} (allowed: {', '.join(allowed)})"
                    yield finding(shown, front.position((*path, key)), code, _short(message))
        elif "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
            key = error.instance  # the offending name is the instance; the error's path is its parent
            message = f"{_dotted((*path, key))}: invalid name: {_message(error)}"
            yield finding(shown, front.position((*path, key)), code, _short(message))
        else:
            error = _cause(error)
            path = tuple(error.absolute_path)
            where = _dotted(path) if path else "front matter" if code == "PG201" else "labels file"
            yield finding(shown, front.position(path), code, _short(f"{where}: {_message(error)}"))


def _cause(error: ValidationError) -> ValidationError:
    """For anyOf, the error of the branch meant for the value's type (a label entry that is a mapping is a
    split: why the split is wrong, not that it is not a version string)."""
    if error.validator != "anyOf" or not error.context:
        return error
    meant = [sub for sub in error.context if not (sub.validator == "type" and not sub.relative_path)]
    if len(meant) != len(error.context) and meant:
        from jsonschema.exceptions import best_match

        return best_match(meant)
    return error


def _message(error: ValidationError) -> str:
    # anyOf/oneOf say only "not valid under any of the given schemas"; the best sub-error says why
    if error.context:
        from jsonschema.exceptions import best_match

        return best_match(error.context).message
    return error.message


def _dotted(path: JsonPath) -> str:
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in path).replace(".[", "[")


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
