"""Fixtures of the bundle and server tests: the example library released in a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, PromptRepo


def release_example_library(repo: PromptRepo) -> dict[str, str]:
    """Copy the example library (prompts/ and promptgit.yaml) into `repo`, release every prompt at its
    front-matter version, then label every prompt on production and split one on staging; a second
    release of content/hook (a patch) makes the range, latest and split selectors pick between two.
    Returns {name: version first released}."""
    shutil.copytree(REPO_ROOT / "prompts", repo.root / "prompts")
    shutil.copy(REPO_ROOT / "promptgit.yaml", repo.root / "promptgit.yaml")
    repo.commit("the example library")
    versions = {}
    for path in sorted((repo.root / "prompts").rglob("*.j2")):
        relative = path.relative_to(repo.root / "prompts").as_posix()
        if relative.startswith("partials/"):
            continue
        name = relative.removesuffix(".j2")
        front = path.read_text("utf-8").split("---\n")[1]
        versions[name] = str(yaml.safe_load(front)["version"])
        repo.tag_release(name, versions[name])
    hook = repo.root / "prompts/content/hook.j2"
    major, minor, patch = versions["content/hook"].split(".")
    second = f"{major}.{minor}.{int(patch) + 1}"
    text = hook.read_text("utf-8").replace(f"version: {versions['content/hook']}", f"version: {second}", 1)
    hook.write_text(text + "\n", "utf-8")
    partials = repo.root / "prompts/partials/brand_safety.j2"
    partials.write_text(partials.read_text("utf-8") + "\nA partial changed after the first release.\n")
    repo.commit("content/hook patch")
    repo.tag_release("content/hook", second)
    labels = ["production:"] + [f"  {name}: {version}" for name, version in sorted(versions.items())]
    labels += ["staging:", f"  content/hook: {{{versions['content/hook']}: 50, {second}: 50}}"]
    (repo.root / "prompts/labels.yaml").write_text("\n".join(labels) + "\n", "utf-8")
    repo.commit("labels")
    return versions


@pytest.fixture
def example_library(prompt_repo: PromptRepo) -> PromptRepo:
    release_example_library(prompt_repo)
    return prompt_repo


def git_free_path(tmp_path: Path) -> str:
    """A PATH holding only a directory with python (so `python` works) and no git."""
    import sys

    bin_dir = tmp_path / "no-git-bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python").symlink_to(sys.executable)
    assert shutil.which("git", path=str(bin_dir)) is None
    return str(bin_dir)
