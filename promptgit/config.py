"""promptgit.yaml: optional repository configuration, checked against schemas/config.schema.json."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from promptgit.errors import ConfigError
from promptgit.findings import Severity
from promptgit.format.fastcheck import schema_fast_check
from promptgit.format.quoting import printable, short_message
from promptgit.format.yamlsafe import safe_load
from promptgit.resources import schema

CONFIG_FILE = "promptgit.yaml"
MAX_CONFIG_BYTES = 1 << 20  # a real promptgit.yaml is a few hundred bytes


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
            raise ConfigError(f"{path}: {printable(where[:80])}: {printable(short_message(first))}")
    return Config(
        prompts_dir=_inside(data.get("prompts_dir", "prompts"), path),
        kinds=tuple(data["kinds"]) if "kinds" in data else None,
        default_model=data.get("default_model"),
        max_file_bytes=data.get("max_file_bytes", 256 * 1024),
        token_warning_ratio=data.get("token_warning_ratio", 0.9),
        rules={code: Severity(value) for code, value in (data.get("rules") or {}).items()},
        ignore=tuple(data.get("ignore") or ()),
        models=dict(data.get("models") or {}),
    )


def _inside(prompts_dir: str, path: str) -> str:
    """`prompts_dir` as a relative path that stays in the repository; ConfigError for `../x`, `/x`."""
    parts = PurePosixPath(prompts_dir.strip("/") or ".").parts
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            break
    if prompts_dir.startswith("/") or depth < 1 or "\\" in prompts_dir:
        shown = printable(prompts_dir[:80])
        raise ConfigError(f"{path}: prompts_dir {shown!r} must be a folder inside the repository")
    return prompts_dir.strip("/")


# opened without blocking (a FIFO with no writer would wait forever) and never as a controlling terminal
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC


def load_config(root: Path) -> Config:
    """The config of the repository at `root`; defaults when there is no promptgit.yaml.

    Read as every working-tree file is (store/files.py, which this layer may not import): the path must
    resolve inside `root` (a symlink to /proc/self/environ is refused, and nothing of it is echoed), be a
    regular file (a FIFO never blocks), and hold at most MAX_CONFIG_BYTES. A pull request can add any of
    these, and CI reads promptgit.yaml before anything else.
    """
    path = root / CONFIG_FILE
    if not os.path.lexists(path):
        return Config()
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root.resolve()):
            raise ConfigError(f"{CONFIG_FILE}: cannot read: it resolves outside the repository")
        text = _read_bounded(real).decode("utf-8")
    except (OSError, RuntimeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {reason}") from None
    return parse_config(text, CONFIG_FILE)


def _read_bounded(path: Path) -> bytes:
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{CONFIG_FILE}: cannot read: not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{CONFIG_FILE}: cannot read: over the {MAX_CONFIG_BYTES // 1024} KiB limit")
        os.set_blocking(descriptor, True)
        data = os.read(descriptor, MAX_CONFIG_BYTES + 1)  # one past the limit: a growing file too
    finally:
        os.close(descriptor)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: over the {MAX_CONFIG_BYTES // 1024} KiB limit")
    return data
