"""Langfuse prompts (the JSON of its public API) to promptgit.

A source file holds one prompt object (`GET /api/public/v2/prompts/{name}`), a list of them, or
`{"data": [...]}`. A text prompt is a string with `{{variable}}`s; a chat prompt a list of `{role,
content}` messages and `{"type": "placeholder", "name": ...}` slots, which become a loop of messages over
an input of that name. Langfuse's folders (`team/support/greeting`) are the prompt's path. Its integer
version is not semver: the prompt starts at 1.0.0 here, and its labels (`production`, ...) become
labels.yaml entries once that version is released (writing.apply_labels). When an export holds several
versions of one prompt, the highest is imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptgit.importers.compose import OPENAI_PARAMETERS, Draft, finish, prompt_name
from promptgit.importers.handlebars import jinja_literal_text
from promptgit.importers.messages import THREAD_LOOP_VARIABLE, static_role
from promptgit.importers.result import Conversion, Loss

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OTHER_TAG = re.compile(r"\{\{[^}]*\}\}")
_REFERENCE = re.compile(r"@@@langfusePrompt:[^@]*@@@")
RESERVED_LABELS = frozenset({"latest"})


def convert_all(paths: list[Path], kind: str) -> list[Conversion]:
    conversions: list[Conversion] = []
    for path in paths:
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            conversions += _convert_file(file, kind)
    return conversions


def _convert_file(path: Path, kind: str) -> list[Conversion]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Conversion(source=path.as_posix(), error=f"not a JSON file: {exc}")]
    items = data.get("data") if isinstance(data, Mapping) and isinstance(data.get("data"), list) else data
    items = items if isinstance(items, list) else [items]
    newest: dict[str, tuple[int, int]] = {}  # name -> (version, index)
    skipped: dict[str, list[int]] = {}
    labels_of: dict[tuple[str, int], list[str]] = {}
    conversions: list[Conversion] = []
    for index, item in enumerate(items):
        where = f"{path.as_posix()}#{index}" if len(items) > 1 else path.as_posix()
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            conversions.append(Conversion(source=where, error="not a Langfuse prompt object (no name)"))
            continue
        if "prompt" not in item:
            message = (
                "no prompt text: the list endpoint returns names and versions only; save each prompt from "
                f"GET /api/public/v2/prompts/{item['name']}"
            )
            conversions.append(Conversion(source=where, error=message))
            continue
        version: int = item["version"] if isinstance(item.get("version"), int) else 0
        labels_of[(item["name"], version)] = [str(label) for label in item.get("labels") or []]
        known = newest.get(item["name"])
        if known is None or version > known[0]:
            if known is not None:
                skipped.setdefault(item["name"], []).append(known[0])
            newest[item["name"]] = (version, index)
        else:
            skipped.setdefault(item["name"], []).append(version)
    for name, (_, index) in newest.items():
        where = f"{path.as_posix()}#{index}" if len(items) > 1 else path.as_posix()
        conversion = convert(items[index], where, kind)
        for older in sorted(skipped.get(name, [])):
            labels = labels_of.get((name, older)) or []
            shown = f" (labels {', '.join(labels)})" if labels else ""
            conversion.lose(
                f"version {older} of {name}{shown}",
                "an export's older versions are not imported; promptgit's history starts at the import",
            )
        conversions.append(conversion)
    return conversions


def convert(item: Mapping[str, Any], source: str, kind: str) -> Conversion:
    """One prompt object of Langfuse's public API."""
    conversion = Conversion(source=source)
    name = prompt_name(item["name"], conversion)
    conversion.version = "1.0.0"
    if "version" in item:
        conversion.note(f"Langfuse version {item['version']} -> 1.0.0 (not semver; the history starts here)")
    metadata: dict[str, Any] = {}
    inputs: dict[str, dict[str, Any]] = {}
    _config(item.get("config"), metadata, conversion)
    if isinstance(item.get("tags"), list) and item["tags"]:
        metadata["tags"] = list(dict.fromkeys(str(tag) for tag in item["tags"]))
        conversion.note("tags")
    prompt = item.get("prompt")
    if item.get("type") == "chat" or isinstance(prompt, list):
        body = _chat(prompt if isinstance(prompt, list) else [], inputs, conversion)
    elif isinstance(prompt, str):
        body = _text(prompt, conversion)
    else:
        conversion.error = "the prompt is neither text nor a list of chat messages"
        return conversion
    for label in item.get("labels") or []:
        if label in RESERVED_LABELS:
            conversion.note(f"label {label}: promptgit's highest release (a selector without @)")
        elif isinstance(label, str):
            conversion.labels.append(label)
    if conversion.labels:
        conversion.note(f"labels {', '.join(conversion.labels)} -> labels.yaml once released")
    draft = Draft(name=name, kind=kind, body=body, metadata=metadata)
    draft.inputs = inputs
    finish(draft, conversion)
    return conversion


def _config(config: Any, metadata: dict[str, Any], conversion: Conversion) -> None:
    if not isinstance(config, Mapping):
        return
    params: dict[str, Any] = {}
    for key, value in config.items():
        if key == "model" and isinstance(value, str):
            metadata["model"] = value
            conversion.note(f"config.model -> model {value}")
        elif key == "response_format" and isinstance(value, Mapping) and value.get("type") == "json_schema":
            schema = (value.get("json_schema") or {}).get("schema")
            if isinstance(schema, Mapping):
                metadata["output"] = dict(schema)
                conversion.note("config.response_format (json_schema) -> output")
        elif key in ("json_schema", "output_schema") and isinstance(value, Mapping):
            metadata["output"] = dict(value.get("schema", value))
            conversion.note(f"config.{key} -> output")
        elif key in OPENAI_PARAMETERS:
            params[key] = value
            conversion.note(f"config.{key} -> params.{key}")
        else:
            conversion.lose(f"config.{key}", "a free-form config key, not an OpenAI chat parameter")
    if params:
        metadata["params"] = params


def _text(text: str, conversion: Conversion, where: str = "prompt") -> str:
    """Langfuse's template text as Jinja: `{{name}}` variables, everything else literal."""
    for reference in _REFERENCE.findall(text):
        conversion.lose(f"{where}: {reference}", "a prompt reference is resolved by Langfuse; kept as text")
    out: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        out.append(_literal(text[position : match.start()], conversion, where))
        out.append("{{ " + match[1] + " }}")
        position = match.end()
    out.append(_literal(text[position:], conversion, where))
    return "".join(out)


def _literal(text: str, conversion: Conversion, where: str) -> str:
    for tag in _OTHER_TAG.findall(text):
        conversion.lose(
            f"{where}: {tag}", "not a plain variable; Langfuse's Python SDK leaves it as text, so does this"
        )
    return jinja_literal_text(text)


def _chat(messages: list[Any], inputs: dict[str, dict[str, Any]], conversion: Conversion) -> str:
    out: list[str] = []
    losses: list[Loss] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            conversion.lose(f"prompt[{index}]", "not a message object")
            continue
        if message.get("type") == "placeholder":
            name = str(message.get("name", ""))
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                conversion.lose(f"placeholder {name!r}", "not a variable name")
                continue
            inputs[name] = {"type": "array", "default": []}
            item = THREAD_LOOP_VARIABLE
            out.append(
                f"{{% for {item} in {name} %}}\n"
                f"{{% message {item}.role %}}{{{{ {item}.content }}}}{{% endmessage %}}\n"
                "{% endfor %}\n"
            )
            conversion.note(f"placeholder {name} -> a loop of messages over the input {name}")
            continue
        role = static_role(str(message.get("role", "user")), losses).role
        content = message.get("content", "")
        if not isinstance(content, str):
            conversion.lose(f"prompt[{index}].content", "not text (multi-part content); left out")
            content = ""
        out.append(
            f"{{% message {role} %}}\n{_text(content, conversion, f'prompt[{index}]')}\n{{% endmessage %}}\n"
        )
    for loss in losses:
        conversion.lose(loss.what, loss.why)
    conversion.note(f"chat messages ({len(messages)}) -> message blocks")
    return "".join(out)
