"""The one YAML loader of promptgit: PyYAML's safe loader (libyaml when available), made strict twice.

- A duplicate key in a mapping is an error (`DuplicateKeyError`, marked where the second one is), not
  PyYAML's silent last-wins: `version: 1.0.0` followed later by `version: 2.0.0` must not pass review.
- An integer too long for Python's int-conversion limit (4300 digits) is a marked YAML error, not the
  ValueError PyYAML lets escape from deep inside its constructor.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_INT_DIGITS = 4000  # under CPython's default limit of 4300, whatever sign and underscores add


class DuplicateKeyError(ConstructorError):
    """A mapping with the same key twice; `key` is the key, `problem_mark` where it is repeated."""

    def __init__(self, key: str, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r} (first on line {first.line + 1})", again)
        self.key = key
        self.first_line = first.line + 1


class SafeLoader(_Base):
    """yaml.SafeLoader (CSafeLoader when libyaml is there) refusing duplicate keys and huge integers."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            check_unique_keys(node)
        return super().construct_mapping(node, deep=deep)


def _bounded_int(loader: Any, node: yaml.ScalarNode) -> int:
    digits = sum(character.isdigit() for character in str(node.value))
    if digits > MAX_INT_DIGITS:
        raise ConstructorError(None, None, f"integer with {digits} digits is too large", node.start_mark)
    return int(SafeConstructor.construct_yaml_int(loader, node))


SafeLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


def check_unique_keys(node: yaml.MappingNode) -> None:
    """DuplicateKeyError when two scalar keys of `node` (this mapping only) are the same."""
    seen: dict[tuple[str, str], yaml.Mark] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        if key in seen:
            raise DuplicateKeyError(str(key_node.value), seen[key], key_node.start_mark)
        seen[key] = key_node.start_mark


def safe_load(text: str | bytes) -> Any:
    """yaml.safe_load with SafeLoader: MarkedYAMLError (a DuplicateKeyError too) for what it refuses."""
    return yaml.load(text, Loader=SafeLoader)  # a yaml.SafeLoader subclass
