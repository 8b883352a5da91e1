"""Langfuse's public prompt API, read-only, over a promptgit Repository.

    GET /api/public/v2/prompts/{name}?label=production|version=N    a prompt object (text or chat)
    GET /api/public/v2/prompts?name=&label=&tag=&page=&limit=       the list, with `meta` pagination

Only prompts whose front matter says `serve: {langfuse: true}` are offered, and only when Langfuse's
`compile()` (which substitutes `{{ name }}` and nothing else) gives what promptgit's render gives: the
body, includes inlined, must be text and `{{ name }}` outputs (validation/langfuse_shape.py, PG309). The
Langfuse template is made by rendering the compiled prompt with each input set to `{{name}}`, so the text
around the variables is exactly what promptgit renders (whitespace, partials, message splitting).

Mapping: Langfuse's integer `version` is the release's ordinal (1 = the first release of that name);
the semver, commit and blob sha travel in `config.promptgit`, next to the prompt's `params` and `model`;
`labels` are the labels whose entry is this version (plus `latest` for the highest release); a label
that splits traffic answers one of its versions by weight. No label and no version means `production`,
as in Langfuse.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from jinja2 import TemplateError

from promptgit.errors import PromptNotFoundError, PromptSyntaxError, SelectorError
from promptgit.format.messages import check_text, split_messages
from promptgit.format.prompt import Prompt, parse_document
from promptgit.format.templating import make_environment
from promptgit.loader import Repository
from promptgit.validation.langfuse_shape import blockers, opted_in

DEFAULT_LABEL = "production"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_MAX_SHAPES = 4096


class NotServable(PromptNotFoundError):
    """A prompt that exists but is not offered in Langfuse's shape (not opted in, or not compilable)."""


class LangfuseAPI:
    """The two read endpoints as functions of their parameters; thread-safe."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.started = datetime.now(timezone.utc)
        self._shapes: dict[tuple[str, str, str | None, str | None], tuple[str, Any]] = {}
        self._lock = threading.Lock()

    # --- GET /api/public/v2/prompts/{name} --------------------------------------------------------------
    def prompt(self, name: str, label: str | None, version: str | None) -> dict[str, Any]:
        """The prompt object; PromptNotFoundError (404) when there is no such prompt, version or label, or
        it is not offered in this shape; SelectorError (400) for a bad `version` or both parameters."""
        if label is not None and version is not None:
            raise SelectorError("give either label or version, not both")
        versions = self.repository.versions(name)
        if version is not None:
            if not version.isdigit() or not 1 <= int(version) <= len(versions):
                raise PromptNotFoundError(f"{name}: no version {version} ({len(versions)} release(s))")
            selector = f"{name}@{versions[int(version) - 1]}"
        elif label == "latest":
            selector = name
        else:
            selector = f"{name}@{label or DEFAULT_LABEL}"
        prompt = self.repository.get(selector)
        return self._object(prompt, versions)

    def _object(self, prompt: Prompt, versions: list[str]) -> dict[str, Any]:
        kind, body = self.shape(prompt)
        labels = sorted(
            label
            for label, entries in self.repository.labels().items()
            if _names(entries.get(prompt.name), prompt.version)
        )
        if versions and versions[-1] == prompt.version:
            labels.append("latest")
        tags = prompt.metadata.get("tags")
        return {
            "type": kind,
            "name": prompt.name,
            "version": versions.index(prompt.version) + 1 if prompt.version in versions else 0,
            "prompt": body,
            "config": config_of(prompt),
            "labels": labels,
            "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
            "commitMessage": None,
        }

    def shape(self, prompt: Prompt) -> tuple[str, Any]:
        """("text", template) or ("chat", [{role, content}]) in Langfuse's `{{name}}` syntax; NotServable
        when the prompt did not opt in or Langfuse cannot compile it (file:line and why)."""
        key = (prompt.name, prompt.version, prompt.commit, prompt.blob_sha)
        with self._lock:
            cached = self._shapes.get(key)
        if cached is not None:
            return cached
        if not opted_in(prompt.metadata):
            raise NotServable(
                f"{prompt.name}@{prompt.version} is not offered in Langfuse's shape "
                "(its front matter has no `serve: {langfuse: true}`)"
            )
        problems = self._blockers(prompt)
        if problems:
            line, why = problems[0]
            raise NotServable(f"{prompt.path or prompt.name}:{line}: Langfuse cannot compile it: {why}")
        shaped = ("chat", langfuse_messages(prompt)) if prompt.chat else ("text", langfuse_text(prompt))
        with self._lock:
            if len(self._shapes) >= _MAX_SHAPES:
                self._shapes.clear()
            self._shapes[key] = shaped
        return shaped

    def _blockers(self, prompt: Prompt) -> list[tuple[int, str]]:
        source = self.repository.snapshot(prompt.commit)
        found = source.read_prompt(prompt.name)
        if found is None:
            return [(1, "the prompt file is not readable at its commit")]
        try:
            document = parse_document(prompt.name, found.path, found.data)
            environment = make_environment(source.read_partial)
            ast = environment.parse(document.template_source)
        except (PromptSyntaxError, TemplateError) as exc:
            return [(1, f"the template does not parse: {exc}")]
        return blockers(ast, environment)

    # --- GET /api/public/v2/prompts -----------------------------------------------------------------------
    def listing(self, query: Mapping[str, str]) -> dict[str, Any]:
        page = _positive(query.get("page"), 1, "page")
        limit = min(_positive(query.get("limit"), DEFAULT_LIMIT, "limit"), MAX_LIMIT)
        wanted_name, wanted_label, wanted_tag = query.get("name"), query.get("label"), query.get("tag")
        labels = self.repository.labels()
        rows = []
        for name in self.repository.names():
            if wanted_name is not None and name != wanted_name:
                continue
            versions = self.repository.versions(name)
            if not versions:
                continue
            try:
                latest = self.repository.get(f"{name}@{versions[-1]}")
                kind, _ = self.shape(latest)
            except PromptNotFoundError:
                continue
            named = sorted(label for label, entries in labels.items() if name in entries)
            tags = latest.metadata.get("tags")
            row = {
                "name": name,
                "type": kind,
                "versions": list(range(1, len(versions) + 1)),
                "labels": [*named, "latest"],
                "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
                "lastUpdatedAt": self.started.isoformat().replace("+00:00", "Z"),
                "lastConfig": config_of(latest),
            }
            if wanted_label is not None and wanted_label not in row["labels"]:
                continue
            if wanted_tag is not None and wanted_tag not in row["tags"]:
                continue
            rows.append(row)
        total = len(rows)
        return {
            "data": rows[(page - 1) * limit : page * limit],
            "meta": {
                "page": page,
                "limit": limit,
                "totalItems": total,
                "totalPages": math.ceil(total / limit),
            },
        }


def config_of(prompt: Prompt) -> dict[str, Any]:
    """Langfuse's `config`: the prompt's params and model, and promptgit's identity of the release."""
    config: dict[str, Any] = dict(prompt.params)
    if prompt.model:
        config.setdefault("model", prompt.model)
    config["promptgit"] = {
        "version": prompt.version,
        "commit": prompt.commit,
        "blob_sha": prompt.blob_sha,
    }
    return config


def _names(entry: object, version: str) -> bool:
    return entry == version or (isinstance(entry, dict) and entry.get(version, 0) > 0)


def _placeholders(prompt: Prompt) -> str:
    template = prompt.template
    values = {name: "{{" + name + "}}" for name in prompt.inputs}
    return str(template.environment.concat(template.root_render_func(template.new_context(values))))


def langfuse_text(prompt: Prompt) -> str:
    """The text prompt's Langfuse template: promptgit's render with each input as `{{name}}`."""
    output = _placeholders(prompt)
    padding = "\n" * (prompt.body_line - 1)  # the front matter's lines, as Prompt.render drops them
    return check_text(output[len(padding) :].strip("\n") if output.startswith(padding) else output)


def langfuse_messages(prompt: Prompt) -> list[dict[str, str]]:
    return [
        {"role": message["role"], "content": message["content"]}
        for message in split_messages(_placeholders(prompt))
    ]


def _positive(text: str | None, default: int, what: str) -> int:
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SelectorError(f"{what} must be a whole number from 1, not {text!r}")
    return int(text)
