"""The package list in pyproject.toml is explicit (so schemas/ can be mapped in): it must match the tree.

That the installed package really holds the schemas is shown by tests/cli/test_precommit_integration.py,
where pre-commit pip-installs a clone of this repository and runs the validator, which needs them.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _declared(table: str) -> str:
    text = (REPO_ROOT / "pyproject.toml").read_text("utf-8")
    match = re.search(rf"^\[{re.escape(table)}\]\n(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"pyproject.toml has no [{table}]"
    return match.group(1)


def test_every_package_in_the_tree_is_declared_and_nothing_else() -> None:
    block = _declared("tool.setuptools")
    listed = set(re.findall(r'"(promptgit[\w.]*)"', block.split("packages = [", 1)[1].split("]", 1)[0]))
    in_tree = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "promptgit").rglob("__init__.py")
    }
    assert listed == in_tree | {"promptgit.schemas"}


def test_promptgit_schemas_is_the_schemas_directory_with_every_schema() -> None:
    assert '"promptgit.schemas" = "schemas"' in _declared("tool.setuptools.package-dir")
    assert '"promptgit.schemas" = ["*.json"]' in _declared("tool.setuptools.package-data")
    from promptgit import resources

    for path in sorted((REPO_ROOT / "schemas").glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        assert resources.schema(name)["$schema"], name
