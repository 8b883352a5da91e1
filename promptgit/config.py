"""promptgit.yaml: optional repository configuration, checked against schemas/config.schema.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from promptgit.errors import ConfigError
from promptgit.findings import Severity
from promptgit.format.fastcheck import schema_fast_check
from promptgit.format.yamlsafe import safe_load
from promptgit.resources import schema

CONFIG_FILE = "promptgit.yaml"


@dataclass(frozen=True)
class Config:
    prompts_dir: str = "prompts"
    kinds: tuple[str, ...] | None = None
    default_model: str | None = None
    max_file_bytes: int = 256 * 1024
    token_warning_ratio: float = 0.9
    rules: dict[str, Severity] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    models: dict[str, dict[str, Any]] = field(default_factory=dict)

    def severity(self, code: str, default: Severity) -> Severity:
        return self.rules.get(code, default)


def parse_config(text: str, path: str = CONFIG_FILE) -> Config:
    try:
        data = safe_load(text) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"{path}:{line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a YAML mapping")
    rules = data.get("rules")
    if isinstance(rules, dict):
        # YAML 1.1 reads a bare `off` as false; that is what the user meant
        data["rules"] = {code: "off" if value is False else value for code, value in rules.items()}
    accepts = schema_fast_check(schema("config"))
    if accepts is None or not accepts(data):  # jsonschema (40 ms to import) decides and words the error
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema("config"))
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path])
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(top level)"
            raise ConfigError(f"{path}: {where}: {first.message}")
    return Config(
        prompts_dir=data.get("prompts_dir", "prompts").strip("/"),
        kinds=tuple(data["kinds"]) if "kinds" in data else None,
        default_model=data.get("default_model"),
        max_file_bytes=data.get("max_file_bytes", 256 * 1024),
        token_warning_ratio=data.get("token_warning_ratio", 0.9),
        rules={code: Severity(value) for code, value in (data.get("rules") or {}).items()},
        ignore=tuple(data.get("ignore") or ()),
        models=dict(data.get("models") or {}),
    )


def load_config(root: Path) -> Config:
    """The config of the repository at `root`; defaults when there is no promptgit.yaml."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, str(path.relative_to(root)) if path.is_relative_to(root) else str(path))
