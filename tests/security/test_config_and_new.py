"""Issue 21 item 12: promptgit.yaml is read like every other working-tree file (a pull request can add a
symlink to /proc/self/environ or a huge file, and CI reads it), and `new` never writes outside the
repository (`prompts_dir: ../x`, or a prompts folder that is a symlink)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from promptgit.config import MAX_CONFIG_BYTES, load_config
from promptgit.errors import ConfigError

SECRET = "PROMPTGIT_TEST_SECRET_7f3a"


@pytest.fixture
def repo(prompt_repo: Any) -> Path:
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("hook")
    return Path(prompt_repo.root)


def test_a_symlinked_config_to_the_environment_is_refused_without_echoing_it(
    repo: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET, "hunter2")
    (repo / "promptgit.yaml").symlink_to("/proc/self/environ")

    result = cli(repo, "validate")

    assert result.returncode == 2
    assert result.stderr.startswith("promptgit: error: promptgit.yaml: cannot read")
    assert SECRET not in result.stderr + result.stdout and "hunter2" not in result.stderr + result.stdout


def test_a_config_symlinked_inside_the_repository_is_still_read(repo: Path) -> None:
    (repo / "config").mkdir()
    (repo / "config" / "promptgit.yaml").write_text("kinds: [hook]\n")
    (repo / "promptgit.yaml").symlink_to("config/promptgit.yaml")

    assert load_config(repo).kinds == ("hook",)


def test_a_huge_config_is_refused_before_it_is_read(repo: Path, cli: Any) -> None:
    with open(repo / "promptgit.yaml", "wb") as huge:
        huge.truncate(300 * 2**20)  # sparse: 300 MB that take no disk

    result = cli(repo, "validate")

    assert result.returncode == 2
    assert f"over the {MAX_CONFIG_BYTES // 1024} KiB" in result.stderr


def test_a_fifo_config_does_not_block(repo: Path) -> None:
    os.mkfifo(repo / "promptgit.yaml")

    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(repo)


def test_keys_of_a_bad_config_are_quoted_briefly(repo: Path) -> None:
    (repo / "promptgit.yaml").write_text(f"? {'k' * 100_000}\n: 1\n")  # an explicit key: any length

    with pytest.raises(ConfigError) as raised:
        load_config(repo)
    assert len(str(raised.value)) < 200 and "100,000 characters" in str(raised.value)


@pytest.mark.parametrize("prompts_dir", ["../x", "/tmp/x", "a/../../x", "prompts/.."])
def test_a_prompts_dir_outside_the_repository_is_a_config_error(
    repo: Path, cli: Any, prompts_dir: str
) -> None:
    (repo / "promptgit.yaml").write_text(f"prompts_dir: {prompts_dir}\n")

    result = cli(repo, "new", "evil", "--kind", "hook")

    assert result.returncode == 2
    assert "prompts_dir" in result.stderr and "inside the repository" in result.stderr
    assert not (repo.parent / "x").exists() and not Path("/tmp/x/evil.j2").exists()


def test_new_refuses_a_symlinked_prompts_folder_leading_outside(repo: Path, cli: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "prompts" / "content").rename(repo / "content-moved")
    (repo / "prompts" / "content").symlink_to(outside)

    result = cli(repo, "new", "content/evil", "--kind", "hook")

    assert result.returncode == 2
    assert "outside the repository" in result.stderr
    assert list(outside.iterdir()) == []


def test_new_still_writes_inside(repo: Path, cli: Any) -> None:
    result = cli(repo, "new", "content/fresh", "--kind", "hook")

    assert result.returncode == 0, result.stderr
    assert (repo / "prompts" / "content" / "fresh.j2").is_file()
