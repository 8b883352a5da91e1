"""Prompty (`.prompty`, Microsoft's format) to promptgit: both the v1 layout (`model.configuration`,
`model.parameters`, `inputs` as a map with `type`, top-level `sample`) and v2 (`model.id`/`options`,
`inputs` as a list of properties with `kind`, `example`, `enumValues`).

The body is a Jinja (or Mustache) template whose `system:` / `user:` / `assistant:` / `developer:` lines
start messages, as Prompty's chat parser reads them (a line holding only the role and a colon, optionally
`#`-prefixed, optionally with `[attributes]`); a line `{{item.role}}:` is a role taken from a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptgit.format.frontmatter import YAMLProblem, load_marked_yaml
from promptgit.importers.compose import OPENAI_PARAMETERS, Draft, finish, prompt_name, version_from
from promptgit.importers.handlebars import translate
from promptgit.importers.messages import Marker, MarkerRule, split_messages, static_role
from promptgit.importers.result import Conversion, Loss
from promptgit.importers.schemas import PROMPTY_KINDS, RICH_KINDS, input_spec, json_type

SUFFIX = ".prompty"
_ROLE_LINE = re.compile(
    r"^[ \t]*#?[ \t]*(?P<role>(?i:system|user|assistant|developer))"
    r"(?P<attributes>\[[^\]\n]*\])?[ \t]*:[ \t]*$\n?",
    re.M,
)
_VALUE_ROLE_LINE = re.compile(
    r"^[ \t]*\{\{-?\s*(?P<expression>[A-Za-z_][\w.]*)\s*-?\}\}[ \t]*:[ \t]*$\n?", re.M
)
_REFERENCE = re.compile(r"\$\{(env|file|params|json):([^}]*)\}")
# Prompty's option names (v2 `model.options`) -> the OpenAI parameter names promptgit's caller sends
OPTION_NAMES = {
    "temperature": "temperature",
    "maxOutputTokens": "max_tokens",
    "topP": "top_p",
    "frequencyPenalty": "frequency_penalty",
    "presencePenalty": "presence_penalty",
    "seed": "seed",
    "stopSequences": "stop",
    "reasoningEffort": "reasoning_effort",
    "allowMultipleToolCalls": "parallel_tool_calls",
}
TEXT_APIS = frozenset({"completion"})
NOT_CHAT_APIS = frozenset({"embedding", "image", "responses", "agent"})


def sources(paths: list[Path]) -> list[tuple[Path, str]]:
    """Each `.prompty` file with its prompt name: a file's stem, or its path under a given directory."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob(f"*{SUFFIX}")):
                found.append((file, file.relative_to(path).as_posix().removesuffix(SUFFIX)))
        else:
            found.append((path, path.name.removesuffix(SUFFIX)))
    return found


def convert(path: Path, raw_name: str, kind: str) -> Conversion:
    conversion = Conversion(source=path.as_posix())
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        conversion.error = f"cannot read: {exc}"
        return conversion
    front, body = _split(text)
    try:
        data, _marks = load_marked_yaml(front, line_offset=1) if front is not None else ({}, {})
    except YAMLProblem as problem:
        conversion.error = f"line {problem.line}: YAML front matter: {problem.problem}"
        return conversion
    if data is None:
        data = {}
    if not isinstance(data, dict):
        conversion.error = "line 2: the front matter is not a mapping"
        return conversion
    _Converter(conversion, data, kind).run(prompt_name(raw_name, conversion), body)
    return conversion


def _split(text: str) -> tuple[str | None, str]:
    """(front matter YAML or None, body), as Prompty splits a file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None, text


class _Converter:
    def __init__(self, conversion: Conversion, data: dict[str, Any], kind: str) -> None:
        self.conversion = conversion
        self.data = data
        self.kind = kind
        self.metadata: dict[str, Any] = {}
        self.params: dict[str, Any] = {}
        self.inputs: dict[str, dict[str, Any]] = {}
        self.sample: dict[str, Any] = {}
        self.threads: list[str] = []
        self.api = "chat"

    def lose(self, what: str, why: str) -> None:
        self.conversion.lose(what, why)

    def run(self, name: str, body: str) -> None:
        self._references(self.data, ())
        data = self.data
        metadata = _mapping(data.get("metadata"))
        self.conversion.version = version_from(data.get("version", metadata.get("version")), self.conversion)
        description = data.get("description") or data.get("name")
        if isinstance(description, str) and description.strip():
            self.metadata["description"] = description.strip()
            self.conversion.note("description" if data.get("description") else "name -> description")
        self._model(data.get("model"))
        self._inputs(data.get("inputs"))
        self._sample(data.get("sample"))
        self._outputs(data.get("outputs"))
        self._tags_and_authors(data, metadata)
        for key in ("tools", "connection", "connections", "base", "template_format"):
            if data.get(key):
                self.lose(key, _LOST_KEYS.get(key, "no promptgit equivalent"))
        known = {
            "name", "description", "version", "metadata", "model", "inputs", "sample", "outputs", "tags",
            "authors", "template", "tools", "connection", "connections", "base", "kind", "id", "instructions",
        }  # fmt: skip
        for key in sorted(set(data) - known):
            self.lose(key, "not part of the Prompty format promptgit knows; left out")
        if data.get("kind") not in (None, "prompt"):
            self.lose(
                f"kind: {data.get('kind')}", "agents (tool loops) run in the caller, not in a prompt file"
            )
        if isinstance(data.get("instructions"), str) and not body.strip():
            body = data["instructions"]
        if self.params:
            self.metadata["params"] = self.params
        draft = Draft(name=name, kind=self.kind, body=self._body(body), metadata=self.metadata)
        draft.inputs, draft.sample = self.inputs, self.sample
        finish(draft, self.conversion)

    # -- front matter ---------------------------------------------------------------------------------

    def _references(self, value: Any, path: tuple[str, ...]) -> None:
        """`${env:X}`, `${file:x.json}`: resolved by Prompty when it loads the file, never by promptgit."""
        if isinstance(value, str):
            for protocol, target in _REFERENCE.findall(value):
                where = ".".join(path) or "front matter"
                why = {
                    "env": "environment variables are the caller's configuration, not the prompt's",
                    "file": "Prompty reads the referenced file at load time; a promptgit prompt is one file",
                }.get(protocol, "a load-time reference with no promptgit equivalent")
                self.lose(f"{where}: ${{{protocol}:{target}}}", why)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self._references(item, (*path, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._references(item, (*path, str(index)))

    def _model(self, model: Any) -> None:
        if model is None:
            return
        if isinstance(model, str):
            self._set_model(model)
            return
        if not isinstance(model, Mapping):
            self.lose(f"model: {model!r}", "not a model name or mapping")
            return
        api = model.get("api") or model.get("apiType")
        if isinstance(api, str):
            self.api = api.lower()
            if self.api in NOT_CHAT_APIS:
                self.lose(
                    f"model api {api!r}",
                    "promptgit prompts render chat messages or text for chat/completion calls",
                )
        configuration = _mapping(model.get("configuration"))
        parameters = _mapping(model.get("parameters"))
        options = _mapping(model.get("options"))
        name = model.get("id") or model.get("name")
        for candidate in (
            configuration.get("model"),
            configuration.get("azure_deployment"),
            parameters.get("model"),
        ):
            name = name or candidate
        if isinstance(name, str) and not name.startswith("${"):
            self._set_model(name)
        if model.get("provider"):
            self.lose(
                f"model.provider: {model['provider']}",
                "the caller chooses the client (promptgit.LLM(client=...))",
            )
        if model.get("connection"):
            self.lose("model.connection", "endpoints and keys are the caller's client configuration")
        for key in sorted(set(configuration) - {"model", "azure_deployment"}):
            self.lose(
                f"model.configuration.{key}", "endpoints and keys are the caller's client configuration"
            )
        for key, value in options.items():
            if key in OPTION_NAMES:
                self.params[OPTION_NAMES[key]] = value
                self.conversion.note(f"model.options.{key} -> params.{OPTION_NAMES[key]}")
            elif key in OPENAI_PARAMETERS:
                self.params[key] = value
                self.conversion.note(f"model.options.{key} -> params.{key}")
            elif key == "additionalProperties" and isinstance(value, Mapping):
                self.params.update(value)
                self.conversion.note("model.options.additionalProperties -> params")
            else:
                self.lose(f"model.options.{key}", "not an OpenAI chat parameter")
        for key, value in parameters.items():
            if key == "model":
                continue
            if key in OPENAI_PARAMETERS:
                self.params[key] = value
                self.conversion.note(f"model.parameters.{key} -> params.{key}")
            else:
                self.lose(f"model.parameters.{key}", "not an OpenAI chat parameter")
        if model.get("response") not in (None, "first"):
            self.lose(f"model.response: {model['response']}", "promptgit returns the first choice")
        for key in sorted(set(model) - {"api", "apiType", "configuration", "parameters", "options", "id",
                                        "name", "provider", "connection", "response"}):  # fmt: skip
            self.lose(f"model.{key}", "not a model setting promptgit has")

    def _set_model(self, name: str) -> None:
        self.metadata["model"] = name
        self.conversion.note(f"model {name}")

    def _inputs(self, inputs: Any) -> None:
        if inputs is None or isinstance(inputs, str):
            return  # a `${file:...}` reference: reported by _references
        items: list[tuple[str, Any]]
        if isinstance(inputs, list):
            items = [
                (str(item.get("name")), item)
                for item in inputs
                if isinstance(item, Mapping) and item.get("name")
            ]
        elif isinstance(inputs, Mapping):
            items = [(str(key), value) for key, value in inputs.items()]
        else:
            self.lose("inputs", "neither a list nor a mapping of properties")
            return
        for name, prop in items:
            where = f"inputs.{name}"
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                self.lose(where, "not a Jinja variable name")
                continue
            if not isinstance(prop, Mapping):  # the shorthand `name: example value`
                prop = {"kind": _kind_of(prop), "example": prop}
            kind = str(prop.get("kind", prop.get("type", "string")) or "string").lower()
            spec: dict[str, Any] = {}
            if kind in RICH_KINDS:
                spec = self._rich(name, kind)
            elif kind in PROMPTY_KINDS:
                spec["type"] = PROMPTY_KINDS[kind]
            else:
                self.lose(f"{where}.kind: {kind}", "not a JSON Schema type; left untyped")
            rest = {key: value for key, value in prop.items() if key not in ("name", "kind", "type")}
            for key in ("example", "sample"):
                if key in rest:
                    value = rest.pop(key)
                    if value is not None and not (isinstance(value, str) and value.startswith("${")):
                        self.sample.setdefault(name, value)
            if isinstance(rest.get("items"), Mapping):  # Prompty's property schema, not JSON Schema
                rest["items"] = _property_schema(rest["items"], self.conversion, f"{where}.items")
            if isinstance(rest.get("properties"), (list, Mapping)):
                nested = _property_schema(
                    {"kind": "object", "properties": rest["properties"]}, self.conversion, where
                )
                rest["properties"] = nested.get("properties", {})
            if "enumValues" in rest:
                rest["enum"] = rest.pop("enumValues")
            if "strict" in rest:
                rest.pop("strict")
            if rest.get("default") is None:
                rest.pop("default", None)
            if rest.get("required") is False or rest.get("required") is True:
                spec["required"] = rest.pop("required")
            spec.update(input_spec(rest, self.conversion.losses, where))
            if "default" in spec and spec.get("required") is True:
                spec.pop("required")
            self.inputs[name] = spec
        if self.inputs:
            self.conversion.note(f"inputs ({len(self.inputs)})")

    def _rich(self, name: str, kind: str) -> dict[str, Any]:
        if kind == "thread":
            self.threads.append(name)
            self.conversion.note(f"inputs.{name} (thread) -> a loop of messages over {name}")
            return {"type": "array", "default": []}
        self.lose(
            f"inputs.{name} ({kind})", f"{kind} parts are not text; promptgit renders the value as text"
        )
        return {"type": "string"}

    def _sample(self, sample: Any) -> None:
        if isinstance(sample, Mapping):
            for key, value in sample.items():
                self.sample[str(key)] = value
            self.conversion.note("sample")
        elif sample is not None and not isinstance(sample, str):
            self.lose("sample", "not a mapping of input values")

    def _outputs(self, outputs: Any) -> None:
        if outputs is None or isinstance(outputs, str):
            return
        items: list[tuple[str, Any]]
        if isinstance(outputs, list):
            items = [(str(item.get("name")), item) for item in outputs if isinstance(item, Mapping)]
        elif isinstance(outputs, Mapping):
            items = [(str(key), value) for key, value in outputs.items()]
        else:
            return
        self.metadata["output"] = _object_schema(items, self.conversion, "outputs")
        self.conversion.note("outputs -> output (JSON Schema)")

    def _tags_and_authors(self, data: Mapping[str, Any], metadata: Mapping[str, Any]) -> None:
        tags = data.get("tags", metadata.get("tags"))
        if isinstance(tags, list) and tags:
            self.metadata["tags"] = list(dict.fromkeys(str(tag) for tag in tags))
            self.conversion.note("tags")
        authors = data.get("authors", metadata.get("authors"))
        if isinstance(authors, list) and authors:
            self.metadata["owner"] = ", ".join(str(author) for author in authors)
            self.conversion.note("authors -> owner")
        for key in sorted(set(metadata) - {"tags", "authors", "version"}):
            self.lose(f"metadata.{key}", "promptgit's front matter has no free-form metadata")

    # -- body -----------------------------------------------------------------------------------------

    def _body(self, body: str) -> str:
        template = self.data.get("template")
        engine = "jinja2"
        if isinstance(template, str):
            engine = template
        elif isinstance(template, Mapping):
            format_ = template.get("format", template.get("type", "jinja2"))
            engine = str(format_.get("kind", "jinja2") if isinstance(format_, Mapping) else format_)
            parser = template.get("parser")
            parser_kind = parser.get("kind") if isinstance(parser, Mapping) else parser
            if parser_kind not in (None, "prompty"):
                self.lose(
                    f"template.parser: {parser_kind}", "promptgit reads role lines as Prompty's parser does"
                )
            if isinstance(format_, Mapping) and format_.get("strict"):
                self.conversion.note(
                    "template.format.strict: promptgit's message blocks cannot be forged by inputs"
                )
        engine = engine.lower()
        if engine in ("mustache", "handlebars"):
            # what is declared decides whether `{{#x}}` loops and whether `{{name}}` in it is the item's
            sampled = {key: {"type": json_type(value)} for key, value in self.sample.items()}
            declared = {**sampled, **self.inputs}
            translation = translate(body, declared=declared, mustache=engine == "mustache", where="body")
            for note in translation.notes:
                self.conversion.note(note)
            body = translation.text
            self.conversion.losses.extend(
                loss for loss in translation.losses if loss not in self.conversion.losses
            )
            self.conversion.note(f"{engine} body -> Jinja")
        elif engine not in ("jinja2", "jinja", "nunjucks", "liquid"):
            self.lose(f"template format {engine!r}", "read as Jinja")
        for thread in self.threads:
            loop = (
                f"{{% for thread_message in {thread} %}}\n{{{{ thread_message.role }}}}:\n"
                "{{ thread_message.content }}\n{% endfor %}\n"
            )
            line = re.compile(r"^[ \t]*\{\{-?\s*" + re.escape(thread) + r"\s*-?\}\}[ \t]*$\n?", re.M)
            body = line.sub(loop.replace("\\", "\\\\"), body)  # a replacement template: no group references
        if "![thread]" in body:
            body = body.replace("![thread]", "")
            self.lose(
                "![thread]",
                "the conversation is inserted by the Prompty runtime; promptgit has no history slot",
            )
        losses: list[Loss] = []
        rules: list[MarkerRule] = [
            (_ROLE_LINE, lambda match: self._role_marker(match, losses)),
            (_VALUE_ROLE_LINE, lambda match: Marker(match["expression"])),
        ]
        split = split_messages(body, rules, "system")
        self.conversion.losses.extend(
            loss for loss in [*losses, *split.losses] if loss not in self.conversion.losses
        )
        if split.chat:
            self.conversion.note("role lines -> message blocks")
            return split.text
        if self.api in TEXT_APIS:
            self.lose(
                f"model api {self.api!r}",
                "promptgit calls chat completions; this text prompt goes as one user message, not to a "
                "completions endpoint",
            )
            return body
        # Prompty sends a body without role lines as one system message
        self.conversion.note("body without role lines -> one system message (as Prompty sends it)")
        return '{% message "system" %}\n' + body.rstrip("\n") + "\n{% endmessage %}\n"

    def _role_marker(self, match: re.Match[str], losses: list[Loss]) -> Marker:
        if match["attributes"]:
            losses.append(
                Loss(f"{match['role']}{match['attributes']}:", "message attributes (a name) are not kept")
            )
        return static_role(match["role"], losses)


_LOST_KEYS = {
    "tools": "tools are given by the caller to the call, not by the prompt file",
    "connection": "endpoints and keys are the caller's client configuration",
    "connections": "endpoints and keys are the caller's client configuration",
    "base": "a base prompty's settings are not inherited; convert it and merge by hand",
    "template_format": "read as Jinja",
}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "string"


def _object_schema(items: list[tuple[str, Any]], conversion: Conversion, where: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, prop in items:
        prop = prop if isinstance(prop, Mapping) else {"kind": _kind_of(prop)}
        properties[name] = _property_schema(prop, conversion, f"{where}.{name}")
        if prop.get("required", True) is not False:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _property_schema(prop: Mapping[str, Any], conversion: Conversion, where: str) -> dict[str, Any]:
    kind = str(prop.get("kind", prop.get("type", "string"))).lower()
    schema: dict[str, Any] = {}
    if kind in PROMPTY_KINDS:
        schema["type"] = PROMPTY_KINDS[kind]
    else:
        conversion.lose(f"{where}.kind: {kind}", "not a JSON Schema type; left untyped")
    if prop.get("description"):
        schema["description"] = prop["description"]
    if prop.get("enumValues"):
        schema["enum"] = list(prop["enumValues"])
    nested = prop.get("properties")
    if schema.get("type") == "object" and isinstance(nested, (list, Mapping)):
        items = (
            [(str(item.get("name")), item) for item in nested if isinstance(item, Mapping)]
            if isinstance(nested, list)
            else [(str(key), value) for key, value in nested.items()]
        )
        schema.update(_object_schema(items, conversion, where))
    item_schema = prop.get("items")
    if schema.get("type") == "array" and isinstance(item_schema, Mapping):
        schema["items"] = _property_schema(item_schema, conversion, f"{where}.items")
    return schema
