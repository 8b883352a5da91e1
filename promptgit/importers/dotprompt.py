"""Dotprompt (`.prompt`, Google's format used by Genkit) to promptgit.

`name.prompt` is the prompt `name`; `name.variant.prompt` a variant, imported as the prompt `name.variant`
of its own; `_name.prompt` the partial `{{> name}}`, written to partials/name.j2. The front matter's
`model`, `config` (Gemini-style option names mapped to OpenAI's), `input.schema` (Picoschema or JSON
Schema), `input.default` and `output.schema` convert; the Handlebars body is translated by
importers.handlebars and its `{{role}}` markers become message blocks. A body without role markers is
one user message, as Dotprompt renders it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptgit.format.frontmatter import YAMLProblem, load_marked_yaml
from promptgit.importers.compose import Draft, finish, prompt_name, version_from
from promptgit.importers.handlebars import ROLE_SENTINEL_PATTERN, partial_name, translate
from promptgit.importers.messages import MarkerRule, split_messages, static_role
from promptgit.importers.result import Conversion, Loss
from promptgit.importers.schemas import TYPES, inputs_from_json_schema, picoschema

SUFFIX = ".prompt"
CONFIG_NAMES = {
    "temperature": "temperature",
    "maxOutputTokens": "max_tokens",
    "topP": "top_p",
    "stopSequences": "stop",
    "frequencyPenalty": "frequency_penalty",
    "presencePenalty": "presence_penalty",
    "seed": "seed",
}
ROLE_ALIASES = {"model": "assistant"}
KNOWN_KEYS = frozenset(
    {
        "name",
        "variant",
        "version",
        "description",
        "model",
        "config",
        "input",
        "output",
        "tools",
        "metadata",
        "ext",
        "raw",
    }
)


def convert_all(paths: list[Path], kind: str) -> list[Conversion]:
    """Every `.prompt` file under `paths`: partials first (prompts include them), then the prompts."""
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files += [(file, file.relative_to(path).as_posix()) for file in sorted(path.rglob(f"*{SUFFIX}"))]
        else:
            files.append((path, path.name))
    partials: dict[str, tuple[Path, str]] = {}
    prompts: list[tuple[Path, str]] = []
    for file, relative in files:
        stem = relative.removesuffix(SUFFIX)
        if file.name.startswith("_"):
            partials[stem.rsplit("/", 1)[-1].removeprefix("_")] = (file, stem)
        else:
            prompts.append((file, stem))
    return [convert(file, stem, kind, partials) for file, stem in prompts]


def convert(path: Path, raw_name: str, kind: str, partials: Mapping[str, tuple[Path, str]]) -> Conversion:
    conversion = Conversion(source=path.as_posix())
    read = _read(path, conversion)
    if read is None:
        return conversion
    data, body = read
    name = prompt_name(raw_name, conversion)
    conversion.version = version_from(data.get("version"), conversion)
    metadata: dict[str, Any] = {}
    if isinstance(data.get("description"), str) and data["description"].strip():
        metadata["description"] = data["description"].strip()
        conversion.note("description")
    if isinstance(data.get("model"), str):
        metadata["model"] = data["model"]
        conversion.note(f"model {data['model']}")
    params = _config(data.get("config"), conversion)
    inputs, defaults = _input(data.get("input"), conversion)
    output = _output(data.get("output"), conversion)
    if output:
        metadata["output"] = output
    if params:
        metadata["params"] = params
    for key in ("tools", "ext", "raw"):
        if data.get(key):
            conversion.lose(key, _LOST.get(key, "no promptgit equivalent"))
    if isinstance(data.get("metadata"), Mapping) and data["metadata"]:
        conversion.lose("metadata", "promptgit's front matter has no free-form metadata")
    for key in sorted(
        str(key) for key in data if str(key) not in KNOWN_KEYS and not str(key).startswith("ext.")
    ):
        conversion.lose(key, "not a Dotprompt key promptgit knows; left out")
    if any(str(key).startswith("ext.") for key in data):
        conversion.lose("ext.*", _LOST["ext"])
    declared = {**{key: {"type": "string"} for key in defaults}, **inputs}
    translation = translate(body, declared=declared, where="body")
    for loss in translation.losses:
        conversion.lose(loss.what, loss.why)
    for note in translation.notes:
        conversion.note(note)
    draft = Draft(name=name, kind=kind, body=_messages(translation.text, conversion), metadata=metadata)
    draft.inputs = inputs
    draft.sample = dict(defaults)
    for partial in _partials_of(translation.partials, partials, declared, conversion):
        draft.partials[partial[0]] = partial[1]
    finish(draft, conversion)
    return conversion


def _read(path: Path, conversion: Conversion) -> tuple[dict[str, Any], str] | None:
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        conversion.error = f"cannot read: {exc}"
        return None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            try:
                data, _ = load_marked_yaml("".join(lines[1:index]), line_offset=1)
            except YAMLProblem as problem:
                conversion.error = f"line {problem.line}: YAML front matter: {problem.problem}"
                return None
            if data is not None and not isinstance(data, dict):
                conversion.error = "line 2: the front matter is not a mapping"
                return None
            return data or {}, "".join(lines[index + 1 :])
    return {}, text


def _config(config: Any, conversion: Conversion) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if not isinstance(config, Mapping):
        return params
    for key, value in config.items():
        if key in CONFIG_NAMES:
            params[CONFIG_NAMES[key]] = value
            conversion.note(f"config.{key} -> params.{CONFIG_NAMES[key]}")
        else:
            conversion.lose(f"config.{key}", "not an OpenAI chat parameter")
    return params


def _input(section: Any, conversion: Conversion) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    if not isinstance(section, Mapping):
        return {}, {}
    defaults = dict(section.get("default") or {}) if isinstance(section.get("default"), Mapping) else {}
    schema = section.get("schema")
    if isinstance(schema, str) and schema.split(",")[0].strip() not in TYPES | {"any"}:
        conversion.lose(f"input.schema: {schema}", "a schema registered by name in the Dotprompt runtime")
        return {}, defaults
    json_schema = picoschema(schema, conversion.losses, "input.schema")
    inputs = inputs_from_json_schema(json_schema, conversion.losses, "input.schema") if json_schema else {}
    for key, value in defaults.items():
        if key in inputs:
            inputs[key]["default"] = value
            inputs[key].pop("required", None)
    if inputs:
        conversion.note(f"input.schema -> inputs ({len(inputs)})")
    if defaults:
        conversion.note("input.default -> defaults and sample")
    for key in sorted(set(section) - {"schema", "default"}):
        conversion.lose(f"input.{key}", "not an input setting promptgit has")
    return inputs, defaults


def _output(section: Any, conversion: Conversion) -> dict[str, Any] | None:
    if not isinstance(section, Mapping):
        return None
    output_format = section.get("format")
    if output_format not in (None, "json", "text"):
        conversion.lose(f"output.format: {output_format}", "promptgit answers are text or JSON")
    schema = section.get("schema")
    if isinstance(schema, str) and schema.split(",")[0].strip() not in TYPES | {"any"}:
        conversion.lose(f"output.schema: {schema}", "a schema registered by name in the Dotprompt runtime")
        return None
    json_schema = picoschema(schema, conversion.losses, "output.schema")
    if json_schema:
        conversion.note("output.schema -> output (JSON Schema)")
    for key in sorted(set(section) - {"schema", "format"}):
        conversion.lose(f"output.{key}", "not an output setting promptgit has")
    return json_schema


def _messages(body: str, conversion: Conversion) -> str:
    losses: list[Loss] = []
    rules: list[MarkerRule] = [
        (ROLE_SENTINEL_PATTERN, lambda match: static_role(match[1], losses, ROLE_ALIASES))
    ]
    split = split_messages(body, rules, "user")
    for loss in [*losses, *split.losses]:
        conversion.lose(loss.what, loss.why)
    if split.chat:
        conversion.note("{{role}} -> message blocks")
        return split.text
    conversion.note("body -> one user message (as Dotprompt renders a body without roles)")
    return '{% message "user" %}\n' + body.rstrip("\n") + "\n{% endmessage %}\n"


def _partials_of(
    names: list[str],
    available: Mapping[str, tuple[Path, str]],
    declared: Mapping[str, Mapping[str, Any]],
    conversion: Conversion,
) -> list[tuple[str, str]]:
    """(partial name, Jinja) for the partials a body includes, and theirs in turn; a missing one is lost."""
    out: dict[str, str] = {}
    queue = list(names)
    while queue:
        name = queue.pop(0)
        if partial_name(name) in out:
            continue
        if name not in available:
            conversion.lose(f"{{{{> {name}}}}}", f"no _{name}{SUFFIX} among the sources")
            continue
        path, _ = available[name]
        read = _read(path, conversion)
        if read is None:
            conversion.error = None
            conversion.lose(f"{{{{> {name}}}}}", f"{path} cannot be read")
            continue
        translation = translate(read[1], declared=declared, where=f"partial {name}")
        for loss in translation.losses:
            conversion.lose(loss.what, loss.why)
        if ROLE_SENTINEL_PATTERN.search(translation.text):
            conversion.lose(f"{{{{role}}}} in partial {name}", "roles are kept only in the prompt's own body")
        text = ROLE_SENTINEL_PATTERN.sub("", translation.text)
        # promptgit's environment drops a template's last newline (keep_trailing_newline=False), Dotprompt
        # keeps a partial's: one more newline keeps the text that follows an include on its own line
        out[partial_name(name)] = text + "\n" if text.endswith("\n") else text
        conversion.note(f"_{name}{SUFFIX} -> partials/{partial_name(name)}.j2")
        queue += translation.partials
    return list(out.items())


_LOST = {
    "tools": "tools are given by the caller to the call, not by the prompt file",
    "ext": "extension fields of other tools have no promptgit equivalent",
    "raw": "the raw front matter is not kept",
}
