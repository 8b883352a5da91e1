"""The package's layers import one way: format <- sources <- store <- tokens <- validation, loader <- llm <-
commands.

An AST walk over every module (imports inside functions included, since a lazy import is still a
dependency) checks each `promptgit.*` import against the areas its own area may use. A new top-level
module or subpackage must be given a place here, which is the point: the layering is decided, not grown.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "promptgit"

SHARED = {"errors", "findings", "resources", "private_files"}
# area -> the areas it may import, besides itself and the package root (`promptgit.__version__`)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "findings": set(),
    "resources": set(),
    "private_files": set(),  # the on-disk caches' check that only this user wrote a file
    "observability": {"errors"},  # series, spans, logs: below every area that counts, traces or logs
    "format": {"errors", "resources", "observability"},
    "config": SHARED | {"format"},
    "sources": SHARED | {"config", "format"},  # where prompt files come from: a commit's tree, the disk
    "store": SHARED | {"config", "format", "sources", "observability"},
    "bundles": SHARED | {"config", "format", "sources", "store"},  # a release artifact read with no git
    "tokens": SHARED | {"config", "format", "sources", "store"},
    "validation": SHARED | {"config", "format", "sources", "store", "tokens"},
    "reporters": SHARED | {"validation"},
    "loader": SHARED | {"config", "format", "sources", "store", "tokens", "observability", "bundles"},
    "llm": SHARED | {"config", "format", "sources", "store", "tokens", "loader", "observability"},
    "experiments": SHARED | {"config", "format", "sources", "store", "loader", "observability"},
    "schemas": set(),
    "data": set(),
}
# the applications built on the library, each in a room of its own: they may import any library area
# (not the CLI, not each other unless listed); nothing in the library imports them
LIBRARY = set(ALLOWED) - {"schemas", "data"}
APPS: dict[str, set[str]] = {
    "testing": SHARED,  # promptgit.testing: the OpenAI-compatible stand-in adopters test against
    "testrunner": LIBRARY | {"testing", "reporters"},
    "importers": LIBRARY,
    "server": LIBRARY,
    "ui": LIBRARY | {"server", "testrunner"},
}
ALLOWED.update(APPS)
TOP = {"cli", "commands", "__main__", "__init__"}  # may import anything; nothing may import cli or commands


def _area(module: Path) -> str:
    relative = module.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(module: Path) -> list[tuple[int, str]]:
    tree = ast.parse(module.read_text("utf-8"), str(module))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "promptgit":  # `from promptgit import x`: x may be a submodule
                found += [(node.lineno, f"promptgit.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "promptgit" or name.startswith("promptgit.")]


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def test_every_area_has_a_place_in_the_layering() -> None:
    areas = {_area(module) for module in _modules()}
    assert areas - set(ALLOWED) - TOP == set()


def test_imports_run_one_way() -> None:
    wrong = []
    for module in _modules():
        area = _area(module)
        for line, name in _imports(module):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target in ("__init__", "__version__"):
                continue  # the package root: lazy re-exports and the version string
            if target in ("cli", "commands") and area not in TOP:
                wrong.append(f"{module.relative_to(PACKAGE)}:{line}: {name} (nothing imports the CLI)")
            elif area not in TOP and target != area and target not in ALLOWED[area]:
                wrong.append(f"{module.relative_to(PACKAGE)}:{line}: {area} may not import {name}")
    assert wrong == []


def test_the_walk_sees_lazy_imports() -> None:
    # guards the test itself: the loader imports the store lazily in places, and that must count
    names = {name for module in (PACKAGE / "loader").glob("*.py") for _, name in _imports(module)}
    assert any(name.startswith("promptgit.store") for name in names)


# a module holds one idea however long it is (httpx's _client.py is 2,000 lines); this only catches a
# runaway file, such as generated code committed by mistake or a module that swallowed a whole room
RUNAWAY_LINES = 2500


def test_no_module_is_a_runaway() -> None:
    roots = [PACKAGE, PACKAGE.parent / "bench", PACKAGE.parent / "hooks", PACKAGE.parent / "metrics"]
    long = {
        str(path.relative_to(PACKAGE.parent)): count
        for root in roots
        for path in root.rglob("*.py")
        if not path.read_text("utf-8").startswith("# generated by")  # fastjsonschema's code
        and (count := len(path.read_text("utf-8").splitlines())) > RUNAWAY_LINES
    }
    assert long == {}


def test_each_subpackage_says_what_lives_there_and_what_it_may_import() -> None:
    missing = []
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
        if init.parent.name in ALLOWED and "import" not in doc.lower():
            missing.append(init.parent.name)
    assert missing == []
