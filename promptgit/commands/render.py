"""`promptgit render SELECTOR`: render a prompt with validated inputs, sandboxed.

Selectors mean what they mean everywhere (show, get(), the README): `NAME` is the highest release, and
`NAME@1.2.0`, `NAME@^1`, `NAME@production` render a release, read from git objects by the loader, exactly
as an application gets it. `NAME@worktree` renders the working tree as you edit it, partials from the
working tree too.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from promptgit.errors import ConfigError, PromptNotFoundError, RenderError, did_you_mean
from promptgit.format.bounded import RENDER_BYTES, located, render_bounded
from promptgit.format.prompt import Prompt
from promptgit.format.templating import Rendered
from promptgit.format.yamlsafe import safe_load
from promptgit.sources import PARTIALS_DIR
from promptgit.store.selectors import Selector, check_name, parse_selector
from promptgit.store.workspace import Workspace

HELP = (
    "Render a prompt: NAME (highest release), NAME@1.2.0, @^1, @production, @worktree (--var k=v, --sample)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "selector",
        metavar="SELECTOR",
        help="content/hook (its highest release), content/hook@1.2.0, @^1, @production, @worktree (the "
        "working tree)",
    )
    parser.add_argument("--ref", default="HEAD", help="where labels.yaml is read for label selectors (HEAD)")
    parser.add_argument(
        "--var", action="append", default=[], metavar="K=V", help="an input; V is read as YAML"
    )
    parser.add_argument("--vars-json", metavar="FILE", help="inputs from a JSON object file ('-' = stdin)")
    parser.add_argument("--sample", action="store_true", help="start from the prompt's sample inputs")
    parser.add_argument(
        "--key",
        help="for a label that splits traffic: the user or session id that picks the version, as "
        "Repository.get(selector, key=...) does (without it, each run picks by weight)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    selector = _selector(args.selector)
    with ExitStack() as resources:
        if selector.kind == "worktree":
            prompt = load_worktree_prompt(workspace, selector.name)
        else:
            prompt = load_release_prompt(workspace, selector, args.ref, resources, args.key)
            _say_variant(prompt, args.key, args.format)
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


def _selector(text: str) -> Selector:
    """The selector, with one meaning everywhere: a bare NAME is the highest release (issue 19)."""
    selector = parse_selector(text)
    if selector.name.split("/")[0] == PARTIALS_DIR:
        raise ConfigError(
            f"{selector.name} is a partial: it is included by prompts, never rendered on its own; "
            "render a prompt that includes it"
        )
    return selector


def _say_variant(prompt: Prompt, key: str | None, output: str) -> None:
    """A split label picked one of its versions: say which (JSON output carries it as `variant`)."""
    variant, label = getattr(prompt, "variant", None), getattr(prompt, "label", None)
    if variant is None or output == "json":
        return
    how = f"key {key!r} gets" if key is not None else "no --key, picked by weight (another run may differ):"
    print(f"promptgit: {label} splits {prompt.name} between versions; {how} {variant}", file=sys.stderr)


def load_release_prompt(
    workspace: Workspace, selector: Selector, ref: str, resources: ExitStack, key: str | None = None
) -> Prompt:
    """The release `selector` picks, read from git objects by the runtime loader (partials from the
    tagged commit), so the CLI renders exactly what an application gets. Open until `resources` closes."""
    from prometheus_client import CollectorRegistry

    from promptgit.loader import Repository

    # a registry of its own: a command's renders are not an application's metrics
    repository = resources.enter_context(Repository(workspace.root, ref, registry=CollectorRegistry()))
    return repository.get(selector, key=key)


def load_worktree_prompt(workspace: Workspace, name: str) -> Prompt:
    """Compile prompt `name` from the working tree, includes read from the working tree too."""
    check_name(name.removesuffix(".j2"))
    path = workspace.path_of(name)
    prompt = workspace.source.compile(name) if workspace.name_of(path) is not None else None
    if prompt is None:
        names = [found for found in map(workspace.name_of, workspace.prompt_files()) if found]
        raise PromptNotFoundError(
            f"no prompt {name!r}: {workspace.display_path(path)} does not exist "
            f"({did_you_mean(name, names, 'prompts')})"
        )
    return prompt


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
    document = {
        "name": prompt.name,
        "version": prompt.version,
        "commit": prompt.commit,  # null for the working tree
        "model": prompt.model,
        "params": prompt.params,
        key: rendered,
    }
    for field in ("label", "variant"):  # the label it was got by; the version a split label picked
        if getattr(prompt, field, None) is not None:
            document[field] = getattr(prompt, field)
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
