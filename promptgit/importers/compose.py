"""A converted prompt as a promptgit file: the front matter in the documented key order, then the body.

Every importer fills a Draft; `finish` completes what the source left implicit (variables the body uses
but the source never declared, sample values for required inputs without an example), each such step
reported as converted, and writes the file text. The body is parsed here with promptgit's own
environment, so a body the importer got wrong is an error of that conversion, not a file that fails later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError

from promptgit.format.prompt import SUFFIX
from promptgit.format.templating import make_environment
from promptgit.importers.result import Conversion, NewFile
from promptgit.importers.schemas import json_type, placeholder, used_variables
from promptgit.store.selectors import NAME_PATTERN
from promptgit.store.workspace import PARTIALS_DIR

# the order of docs/format.md: what a reader looks for first comes first
KEY_ORDER = (
    "version",
    "kind",
    "description",
    "model",
    "token_budget",
    "inputs",
    "sample",
    "params",
    "output",
)
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_SHORT_VERSION = re.compile(r"^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$")
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")
DEFAULT_VERSION = "1.0.0"
# the chat-completion parameters promptgit's `params:` passes through (the OpenAI names); others are lost
OPENAI_PARAMETERS = frozenset(
    {
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "stop",
        "n",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "user",
        "reasoning_effort",
        "parallel_tool_calls",
    }
)


@dataclass
class Draft:
    """What an importer made of one source prompt, before `finish`."""

    name: str
    kind: str
    body: str
    metadata: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    partials: dict[str, str] = field(default_factory=dict)  # partial name -> Jinja text


def version_from(value: Any, conversion: Conversion) -> str:
    """The source's version when it is semver (or `2`, `2.1`, padded with zeros); 1.0.0 otherwise."""
    if value is None:
        return DEFAULT_VERSION
    text = str(value).strip()
    if SEMVER.match(text.removeprefix("v")):
        conversion.note(f"version {text}")
        return text.removeprefix("v")
    short = _SHORT_VERSION.match(text)
    if short:
        padded = f"{short[1]}.{short[2] or 0}.0"
        conversion.note(f"version {text} -> {padded}")
        return padded
    conversion.lose(f"version {text!r}", f"not semver; the prompt starts at {DEFAULT_VERSION}")
    return DEFAULT_VERSION


def prompt_name(raw: str, conversion: Conversion) -> str:
    """A source name (a file path without suffix, a Langfuse name with folders) as a promptgit name."""
    parts = [part for part in raw.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    safe = [_UNSAFE_NAME_CHARACTERS.sub("-", part).strip("-") or "_" for part in parts] or ["prompt"]
    if safe[0] == PARTIALS_DIR:
        safe[0] = "partials-prompts"
    name = "/".join(safe)
    if name != raw:
        conversion.note(f"name {raw!r} -> {name}")
    assert NAME_PATTERN.match(name)
    return name


def finish(draft: Draft, conversion: Conversion) -> None:
    """Fill `conversion` with the prompt file (and partials) of `draft`; a body promptgit cannot parse is
    the conversion's error."""
    environment = make_environment(lambda relative: draft.partials.get(_partial_key(relative)))
    try:
        trees = [environment.parse(text) for text in (draft.body, *draft.partials.values())]
    except TemplateSyntaxError as exc:
        conversion.error = f"the converted body is not valid Jinja (line {exc.lineno}: {exc.message})"
        return
    inputs = dict(draft.inputs)
    used = used_variables(trees, frozenset(environment.globals))
    sources = "\n".join((draft.body, *draft.partials.values()))
    for variable, use in sorted(used.items(), key=lambda item: _first_use(sources, item[0])):
        if variable not in inputs:
            # the sample's value says the type better than the template's use of it
            guessed = json_type(draft.sample.get(variable)) or use.type
            inputs[variable] = {"type": guessed}
            conversion.note(f"input {variable} ({guessed}): used by the template, not declared in the source")
    sample = {key: value for key, value in draft.sample.items() if key in inputs}
    for key in sorted(set(draft.sample) - set(inputs)):
        conversion.lose(f"sample.{key}", "not an input of the prompt; promptgit refuses undeclared inputs")
    for variable, spec in inputs.items():
        if variable not in sample and spec.get("required", "default" not in spec) and "default" not in spec:
            found = used.get(variable)
            attributes = (found.attributes, found.looped_attributes) if found else ((), ())
            sample[variable] = placeholder(variable, spec, *attributes)
            conversion.note(f"sample.{variable}: a placeholder (the source has no example)")
    metadata: dict[str, Any] = {"version": conversion.version or DEFAULT_VERSION, "kind": draft.kind}
    metadata.update(draft.metadata)
    if inputs:
        metadata["inputs"] = inputs
    if sample or inputs:
        metadata["sample"] = sample
    conversion.name = draft.name
    conversion.version = metadata["version"]
    conversion.files.append(NewFile(draft.name + SUFFIX, front_matter(metadata) + _body(draft.body)))
    for name, text in draft.partials.items():
        conversion.files.append(NewFile(f"{PARTIALS_DIR}/{name}{SUFFIX}", _body(text)))


def front_matter(metadata: dict[str, Any]) -> str:
    """`---` fenced YAML of `metadata`, keys in KEY_ORDER first; strings quoted only where YAML needs it."""
    ordered = {key: metadata[key] for key in KEY_ORDER if key in metadata}
    ordered.update((key, value) for key, value in metadata.items() if key not in ordered)
    text = yaml.dump(
        ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110
    )
    return f"---\n{text}---\n"


class _Dumper(yaml.SafeDumper):
    """No `&id001` anchors when a default is also the sample: a reader sees each value where it applies."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _first_use(text: str, name: str) -> int:
    """Where `name` first appears as a word: inferred inputs are declared in the order a reader meets them."""
    found = re.search(rf"\b{re.escape(name)}\b", text)
    return found.start() if found else len(text)


def _body(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _partial_key(relative: str) -> str:
    return relative.removeprefix(f"{PARTIALS_DIR}/").removesuffix(SUFFIX)
