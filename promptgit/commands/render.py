"""`promptgit render NAME`: render a prompt of the working tree with validated inputs, sandboxed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from promptgit.errors import ConfigError, PromptgitError, PromptNotFoundError, RenderError
from promptgit.findings import Finding
from promptgit.format.bounded import RENDER_BYTES, located, render_bounded
from promptgit.format.prompt import Prompt, compile_document, parse_document
from promptgit.format.templating import Rendered, make_environment
from promptgit.format.yamlsafe import safe_load
from promptgit.store.selectors import check_name
from promptgit.store.workspace import Workspace
from promptgit.validation.sources import read_text

HELP = "Render a prompt from the working tree (--var k=v, --vars-json FILE, --sample)."
_WORKTREE = "@worktree"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="prompt name, e.g. content/hook (working tree)")
    parser.add_argument(
        "--var", action="append", default=[], metavar="K=V", help="an input; V is read as YAML"
    )
    parser.add_argument("--vars-json", metavar="FILE", help="inputs from a JSON object file ('-' = stdin)")
    parser.add_argument("--sample", action="store_true", help="start from the prompt's sample inputs")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    prompt = load_worktree_prompt(workspace, args.name)
    values: dict[str, Any] = dict(prompt.sample) if args.sample else {}
    if args.vars_json:
        values.update(_json_inputs(args.vars_json))
    for assignment in args.var:
        key, value = _parse_var(assignment, prompt)
        values[key] = value
    try:
        rendered = render_bounded(prompt, values, memory=RENDER_BYTES)  # this process is ours to bound
    except RenderError as exc:
        raise RenderError(located(exc, prompt.path), exc.reason, exc.line) from None
    sys.stdout.write(_as_json(prompt, rendered) if args.format == "json" else _as_text(rendered))
    return 0


def load_worktree_prompt(workspace: Workspace, name: str) -> Prompt:
    """Compile prompt `name` from the working tree, includes read from the working tree too."""
    name = name.removesuffix(_WORKTREE)
    if "@" in name:
        raise ConfigError(f"render reads the working tree; {name!r} selects a release (use `promptgit show`)")
    check_name(name.removesuffix(".j2"))
    path = workspace.path_of(name)
    shown = workspace.display_path(path)
    if workspace.name_of(path) is None or not os.path.lexists(path):
        raise PromptNotFoundError(f"no prompt {name!r}: {shown} does not exist")
    text = read_text(path, shown, workspace.config.max_file_bytes, workspace.root)
    if isinstance(text, Finding):
        raise PromptgitError(text.format())
    document = parse_document(name, shown, text)
    return compile_document(document, make_environment(workspace.read_partial))


def _parse_var(assignment: str, prompt: Prompt) -> tuple[str, Any]:
    key, separator, raw = assignment.partition("=")
    if not separator or not key:
        raise ConfigError(f"--var {assignment!r}: expected K=V")
    declared = prompt.inputs.get(key) or {}
    types = declared.get("type") if isinstance(declared, dict) else None
    if types == "string" or types == ["string"]:
        return key, raw  # a declared string stays text: --var version=1.10 must not become 1.1
    try:
        return key, safe_load(raw) if raw else raw
    except yaml.YAMLError:
        return key, raw


def _json_inputs(filename: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if filename == "-" else Path(filename).read_text("utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise ConfigError(f"--vars-json {filename}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"--vars-json {filename}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"--vars-json {filename}: expected a JSON object of inputs")
    return data


def _as_text(rendered: Rendered) -> str:
    if isinstance(rendered, str):
        return rendered + "\n"
    return "\n".join(f"[{message['role']}]\n{message['content']}\n" for message in rendered)


def _as_json(prompt: Prompt, rendered: Rendered) -> str:
    key = "text" if isinstance(rendered, str) else "messages"
    document = {"name": prompt.name, "version": prompt.version, key: rendered}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
