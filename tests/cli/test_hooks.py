from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from promptgit.cli import main
from promptgit.commands.hooks import HOOKS, script

REPO_ROOT = Path(__file__).resolve().parents[2]


def git(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True)


@pytest.mark.parametrize("hook", HOOKS)
def test_shipped_hook_files_are_what_install_writes(hook: str) -> None:
    path = REPO_ROOT / "hooks" / hook
    assert path.read_text() == script(hook)
    assert os.access(path, os.X_OK)


def test_install_is_idempotent_and_never_clobbers(history: Any, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.chdir(history.root)
    hooks = history.root / ".git" / "hooks"
    (hooks / "pre-push").write_text("#!/bin/sh\necho mine\n")
    assert main(["hooks", "install"]) == 1
    assert capsys.readouterr().out == (
        f"pre-commit: installed {hooks / 'pre-commit'}\n"
        f"pre-push: left alone, {hooks / 'pre-push'} exists and is not promptgit's; "
        "add this line to it: promptgit hooks run pre-push\n"
    )
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\necho mine\n"
    (hooks / "pre-push").unlink()
    assert main(["hooks", "install"]) == 0
    assert capsys.readouterr().out == (
        f"pre-commit: already installed ({hooks / 'pre-commit'})\npre-push: installed {hooks / 'pre-push'}\n"
    )
    assert os.access(hooks / "pre-push", os.X_OK)


def test_install_respects_core_hooks_path(history: Any, monkeypatch: Any, capsys: Any) -> None:
    git(history, "config", "core.hooksPath", "custom-hooks")
    monkeypatch.chdir(history.root)
    assert main(["hooks", "install"]) == 0
    assert (history.root / "custom-hooks" / "pre-commit").read_text() == script("pre-commit", sys.executable)


def test_pre_commit_hook_refuses_a_bad_commit_and_accepts_a_good_one(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    assert main(["hooks", "install"]) == 0
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")  # released 0.1.0 changed: PG501
    git(history, "add", "prompts/greeting.j2")
    refused = git(history, "commit", "-m", "change without bump")
    assert refused.returncode != 0
    assert (
        "prompts/greeting.j2:2:1: PG501 greeting changed since its release 0.1.0"
        in refused.stdout + refused.stderr
    )
    history.write_prompt("greeting", "0.2.0", "Changed {{ topic }}\n")
    git(history, "add", "prompts/greeting.j2")
    accepted = git(history, "commit", "-m", "change with bump")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_pre_commit_hook_ignores_commits_without_prompts(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("README.md", "hello\n")
    git(history, "add", "README.md")
    assert git(history, "commit", "-m", "docs").returncode == 0


def test_pre_push_refuses_moving_or_deleting_a_release_tag(
    history: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(history, "remote", "add", "origin", str(remote))
    assert git(history, "push", "-q", "origin", "main", "--tags").returncode == 0
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    git(history, "tag", "-f", "-a", "-m", "moved", "prompts/greeting/v0.1.0", "HEAD")
    moved = git(history, "push", "--force", "origin", "prompts/greeting/v0.1.0")
    assert moved.returncode != 0
    assert "refusing to move release tag prompts/greeting/v0.1.0" in moved.stderr
    deleted = git(history, "push", "origin", ":refs/tags/prompts/content/hook/v1.0.0")
    assert deleted.returncode != 0
    assert "refusing to delete release tag prompts/content/hook/v1.0.0" in deleted.stderr
    remote_tags = subprocess.run(["git", "tag"], cwd=remote, capture_output=True, text=True).stdout.split()
    assert "prompts/content/hook/v1.0.0" in remote_tags
    history.write_prompt("greeting", "0.3.0", "Fine {{ topic }}\n")
    history.commit("greeting 0.3.0")
    history.tag_release("greeting", "0.3.0")
    pushed = git(history, "push", "origin", "main", "prompts/greeting/v0.3.0")
    assert pushed.returncode == 0, pushed.stderr


def test_pre_push_runs_the_version_rules(history: Any, tmp_path: Path, monkeypatch: Any) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(history, "remote", "add", "origin", str(remote))
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("prompts/labels.yaml", "production:\n  content/hook: 7.0.0\n")
    git(history, "add", "prompts/labels.yaml")
    assert git(history, "commit", "-q", "--no-verify", "-m", "label an unreleased version").returncode == 0
    pushed = git(history, "push", "origin", "main")
    assert pushed.returncode != 0
    assert (
        "prompts/labels.yaml:2:17: PG504 label production points at content/hook@7.0.0"
        in pushed.stdout + pushed.stderr
    )


def test_pre_commit_hook_with_only_a_deleted_prompt_checks_labels(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    git(history, "rm", "-q", "prompts/content/hook.j2")
    refused = git(history, "commit", "-m", "remove a labelled prompt")
    assert refused.returncode != 0
    assert (
        "PG505 label production points at content/hook, which was removed" in refused.stdout + refused.stderr
    )


def test_pre_commit_hook_warns_about_a_staged_partial(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("prompts/partials/style.j2", "Style five.")
    git(history, "add", "prompts/partials/style.j2")
    accepted = git(history, "commit", "-m", "partial only")
    assert accepted.returncode == 0  # a warning does not refuse the commit
    assert "prompts/content/hook.j2:2:1: PG506 warning: content/hook includes prompts/partials/style.j2" in (
        accepted.stdout + accepted.stderr
    )


def hooked(repo: Any, monkeypatch: Any) -> Any:
    monkeypatch.chdir(repo.root)
    assert main(["hooks", "install"]) == 0
    return lambda *args: git(repo, *args)


def out(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_initial_commit_and_amends_of_an_unreleased_version(prompt_repo: Any, monkeypatch: Any) -> None:
    run = hooked(prompt_repo, monkeypatch)
    prompt_repo.write_prompt("a", "1.0.0")
    run("add", "-A")
    first = run("commit", "-m", "first")
    assert first.returncode == 0, out(first)
    prompt_repo.write_prompt("a", "1.0.0", "Changed {{ topic }}\n")
    run("add", "-A")
    amended = run("commit", "--amend", "-m", "first, amended")
    assert amended.returncode == 0, out(amended)
    assert run("rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_a_renamed_labelled_prompt_is_a_warning(history: Any, monkeypatch: Any) -> None:
    """Issue 19.8: the label keeps serving the old name's releases (tests/gitflow/test_renames.py)."""
    run = hooked(history, monkeypatch)
    run("mv", "prompts/content/hook.j2", "prompts/content/opener.j2")
    accepted = run("commit", "-m", "rename")
    assert accepted.returncode == 0
    warning = "PG511 warning: label production points at content/hook, renamed to content/opener"
    assert warning in out(accepted)


def test_a_staged_config_change_rechecks_every_prompt(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    history.write("promptgit.yaml", "kinds: [critic]\n")
    run("add", "promptgit.yaml")
    refused = run("commit", "-m", "restrict kinds")
    assert refused.returncode == 1
    assert "prompts/greeting.j2:3:1: PG202 kind 'hook' is not allowed" in out(refused), out(refused)


def test_a_custom_prompts_dir_is_followed(prompt_repo: Any, monkeypatch: Any) -> None:
    run = hooked(prompt_repo, monkeypatch)
    prompt_repo.write("promptgit.yaml", "prompts_dir: llm/prompts\n")
    prompt_repo.write("llm/prompts/a.j2", "---\nversion: 1.0.0\nkind: hook\n---\nHi {{ name }}\n")
    run("add", "-A")
    refused = run("commit", "-m", "broken prompt in llm/prompts")
    assert refused.returncode == 1
    assert "llm/prompts/a.j2:5:7: PG301" in out(refused), out(refused)


def test_a_commit_without_prompt_changes_is_left_alone_but_all_files_checks_everything(
    history: Any, monkeypatch: Any
) -> None:
    run = hooked(history, monkeypatch)
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")
    assert run("commit", "-qam", "unbumped change", "--no-verify").returncode == 0
    history.write("README.md", "hello\n")
    run("add", "README.md")
    assert run("commit", "-m", "docs").returncode == 0  # nothing of promptgit's staged
    everything = subprocess.run(
        ["promptgit", "hooks", "run", "pre-commit"], cwd=history.root, capture_output=True, text=True
    )  # what `pre-commit run --all-files` runs: outside a commit, the whole library
    assert everything.returncode == 1
    assert "PG501 greeting changed since its release 0.1.0" in everything.stdout


def test_warnings_get_a_summary_line_and_pass(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    history.write("prompts/partials/style.j2", "Style five.")
    run("add", "-A")
    accepted = run("commit", "-m", "partial")
    assert accepted.returncode == 0
    assert accepted.stderr.endswith("promptgit: 1 warning; the commit goes ahead\n")


def test_merge_and_cherry_pick_commits(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    run("checkout", "-q", "-b", "side")
    history.write_prompt("side", "0.1.0")
    run("add", "-A")
    assert run("commit", "-qm", "side prompt").returncode == 0
    run("checkout", "-q", "main")
    history.write_prompt("greeting", "0.1.1", "Hello again {{ topic }}\n")
    run("add", "-A")
    assert run("commit", "-qm", "greeting 0.1.1").returncode == 0
    merged = run("merge", "--no-ff", "-m", "merge side", "side")
    assert merged.returncode == 0, out(merged)
    run("checkout", "-q", "-b", "pick", "HEAD~1")
    picked = run("cherry-pick", "side")
    assert picked.returncode == 0, out(picked)
    # a cherry-pick that stops on a conflict is concluded by `git commit`, which runs the hook
    run("checkout", "-q", "main")
    history.write_prompt("greeting", "0.1.2", "Conflicting {{ topic }}\n")
    run("add", "-A")
    assert run("commit", "-qm", "greeting 0.1.2").returncode == 0
    run("checkout", "-q", "pick")
    history.write_prompt("greeting", "0.1.2", "Other {{ topic }}\n")
    run("add", "-A")
    assert run("commit", "-qm", "greeting 0.1.2 on pick").returncode == 0
    assert run("cherry-pick", "main").returncode != 0  # conflict
    history.write_prompt("greeting", "0.1.2", "Resolved {{ topic }}\n")
    run("add", "-A")
    concluded = run("commit", "--no-edit")
    assert concluded.returncode == 0, out(concluded)


def test_a_rebased_branch_of_unreleased_commits_stays_valid(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    run("checkout", "-q", "-b", "feature")
    for text in ("One", "Two", "Three"):  # three commits to greeting 0.2.0, released nowhere
        history.write_prompt("greeting", "0.2.0", f"{text} {{{{ topic }}}}\n")
        run("add", "-A")
        assert run("commit", "-qm", f"greeting: {text}").returncode == 0
    run("checkout", "-q", "main")
    history.write_prompt("other", "1.0.0")
    run("add", "-A")
    assert run("commit", "-qm", "other prompt").returncode == 0
    run("checkout", "-q", "feature")
    rebased = run("rebase", "-q", "main")
    assert rebased.returncode == 0, out(rebased)
    checked = subprocess.run(
        ["promptgit", "hooks", "run", "pre-commit"], cwd=history.root, capture_output=True, text=True
    )
    assert (checked.returncode, checked.stdout) == (0, ""), out(checked)
