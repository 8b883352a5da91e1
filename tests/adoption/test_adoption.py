"""Adoption end to end: a consumer repository made with `promptgit init`, pre-commit pointed at a clone of
this repository, and a day of real `git commit`s through the installed hooks; then the action's steps on a
base/PR pair. Each step asserts the exit status and the message a user would read.

pre-commit builds the hook environment of this repository's HEAD once per session (`pre_commit_home`);
every commit then costs two promptgit starts. init still writes `kinds: [example]` (its fix belongs to
issue 10's item 6), so the consumer writes its own promptgit.yaml, as a user would after the first PG202.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.actions.gha_runner import ACTION_FILE, Run, run_composite_action

REPO_ROOT = Path(__file__).resolve().parents[2]
HOOK = """\
---
version: 1.0.0
kind: hook
description: Opening line for a short video
inputs:
  topic: {type: string}
  tone: {type: string, enum: [playful, serious], default: playful}
sample: {topic: sourdough}
---
{% message "system" %}You write hooks in a {{ tone }} tone.{% endmessage %}
{% message "user" %}Topic: {{ topic }}{% endmessage %}
"""
REPLY = """\
---
version: 1.0.0
kind: reply
description: Answer a support ticket
inputs:
  ticket: {type: string}
sample: {ticket: My order is late}
---
Answer this ticket politely: {{ ticket }}
{% include "partials/signature.j2" %}
"""
CONFIG = "prompts_dir: prompts\nkinds: [example, hook, reply]\n"


@dataclass
class Done:
    code: int
    out: str  # stdout and stderr together: git shows hook output on stderr


class Consumer:
    """A consumer repository and the commands a user types in it."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def run(self, *argv: str) -> Done:
        done = subprocess.run(argv, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=300)
        return Done(done.returncode, done.stdout + done.stderr)

    def promptgit(self, *argv: str) -> Done:
        return self.run(sys.executable, "-m", "promptgit", *argv)

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{relative} has no {old!r}"
        path.write_text(text.replace(old, new, 1))

    def commit(self, message: str, *options: str) -> Done:
        self.run("git", "add", "-A")
        return self.run("git", "commit", "-m", message, *options)

    def discard(self) -> None:
        assert self.run("git", "reset", "-q", "--hard").code == 0


def expect(done: Done, code: int, *messages: str) -> None:
    assert done.code == code, f"exit {done.code}, expected {code}:\n{done.out}"
    for message in messages:
        assert message in done.out, f"{message!r} not in:\n{done.out}"


@pytest.fixture
def make_consumer(tmp_path: Path, pre_commit_home: Path) -> Callable[[str, str], Consumer]:
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Consumer",
        "GIT_AUTHOR_EMAIL": "consumer@example.com",
        "GIT_COMMITTER_NAME": "Consumer",
        "GIT_COMMITTER_EMAIL": "consumer@example.com",
    }

    def make(name: str, config: str) -> Consumer:
        consumer = Consumer(tmp_path / name, env)
        created = Consumer(tmp_path, env).promptgit("init", name)
        expect(created, 0, f"created {name}/promptgit.yaml", f"initialised a git repository in {name}")
        (consumer.root / "promptgit.yaml").write_text(config)
        for setting in (["commit.gpgsign", "false"], ["tag.gpgsign", "false"]):
            consumer.run("git", "config", *setting)
        consumer.write(
            ".pre-commit-config.yaml",
            f"repos:\n  - repo: {REPO_ROOT}\n    rev: {rev}\n    hooks:\n"
            "      - id: promptgit-validate\n      - id: promptgit-versions\n",
        )
        expect(consumer.run("pre-commit", "install"), 0, "pre-commit installed at .git/hooks/pre-commit")
        return consumer

    return make


def test_a_day_of_commits_in_a_consumer_repository(make_consumer: Callable[[str, str], Consumer]) -> None:
    repo = make_consumer("consumer", CONFIG)
    repo.write("prompts/content/hook.j2", HOOK)
    repo.write("prompts/support/reply.j2", REPLY)
    repo.write("prompts/partials/signature.j2", "-- The support team\n")
    expect(repo.commit("initial commit: three prompts"), 0, "promptgit validate", "Passed")

    # three commits and an amend to a version that is not released yet: no bump asked for
    for old, new in (
        ("write hooks", "write short hooks"),
        ("short hooks", "punchy hooks"),
        ("punchy", "bold"),
    ):
        repo.edit("prompts/content/hook.j2", old, new)
        expect(repo.commit(f"hook: {new}"), 0, "promptgit version rules", "Passed")
    repo.edit("prompts/content/hook.j2", "bold hooks", "scroll-stopping hooks")
    expect(repo.commit("hook: final wording", "--amend"), 0, "Passed")
    assert "version: 1.0.0" in (repo.root / "prompts/content/hook.j2").read_text()

    # the release: tags, then a label on a release, committed through the hooks
    expect(
        repo.promptgit("release", "--all"),
        0,
        "prompts/content/hook/v1.0.0",
        "prompts/support/reply/v1.0.0",
    )
    expect(repo.promptgit("label", "set", "production", "support/reply@1.0.0"), 0)
    expect(repo.commit("promote support/reply 1.0.0"), 0, "Passed")

    # a change after the release without a bump: refused, against the release, not the last commit
    repo.edit("prompts/content/hook.j2", "Topic:", "The topic:")
    expect(
        repo.commit("hook: reword without a bump"),
        1,
        "prompts/content/hook.j2:2:1: PG501 content/hook changed since its release 1.0.0 "
        "(tag prompts/content/hook/v1.0.0) but keeps its version: body changed: patch, needs 1.0.1",
        "Failed",
    )

    # a breaking change with a minor bump: refused, naming the change and the version it needs
    repo.edit(
        "prompts/content/hook.j2", "  tone: {type: string, enum: [playful, serious], default: playful}\n", ""
    )
    repo.edit("prompts/content/hook.j2", " in a {{ tone }} tone", "")
    expect(repo.promptgit("bump", "content/hook", "minor"), 0, "content/hook: 1.0.0 -> 1.1.0")
    expect(
        repo.commit("hook: no tone, minor bump"),
        1,
        "PG501 content/hook 1.1.0 is too small a bump for the change since its release 1.0.0: "
        "input 'tone' removed: breaking, needs 2.0.0",
    )
    # the same with `promptgit bump` choosing the part: accepted
    expect(
        repo.promptgit("bump", "content/hook"),
        0,
        "content/hook: since its release 1.0.0: input 'tone' removed: breaking, needs 2.0.0",
        "content/hook: 1.1.0 -> 2.0.0 (prompts/content/hook.j2)",
    )
    expect(repo.commit("hook: no tone, 2.0.0"), 0, "Passed")

    # a deleted prompt that a label points at: refused (the file list of pre-commit would be empty)
    repo.run("git", "rm", "-q", "prompts/support/reply.j2")
    expect(
        repo.run("git", "commit", "-m", "remove the reply prompt"),
        1,
        "prompts/labels.yaml",
        "PG505 label production points at support/reply, which was removed since HEAD",
    )
    repo.discard()

    # a promptgit.yaml change that invalidates a prompt: refused
    (repo.root / "promptgit.yaml").write_text("prompts_dir: prompts\nkinds: [example, hook]\n")
    expect(
        repo.commit("allow fewer kinds"),
        1,
        "prompts/support/reply.j2:3:1: PG202 kind 'reply' is not allowed by promptgit.yaml",
    )
    repo.discard()

    # a partial change under a released prompt: the commit goes ahead, the warning is shown
    repo.edit("prompts/partials/signature.j2", "The support team", "Your support team")
    expect(
        repo.commit("friendlier signature"),
        0,
        "PG506 warning: support/reply includes prompts/partials/signature.j2",
        "promptgit: 1 warning; the commit goes ahead",
    )
    expect(
        repo.promptgit("bump", "support/reply"),
        0,
        "support/reply: a partial it includes changed since its release 1.0.0: patch",
        "support/reply: 1.0.0 -> 1.0.1",
    )
    expect(repo.commit("reply 1.0.1 carries the new signature"), 0, "Passed")

    # a commit that stages nothing of promptgit's is left alone, even with a problem committed earlier
    # (--no-verify); `pre-commit run --all-files`, outside a commit, checks the whole library and finds it
    expect(
        repo.promptgit("release", "--all"), 0, "prompts/content/hook/v2.0.0", "prompts/support/reply/v1.0.1"
    )
    repo.edit("prompts/content/hook.j2", "The topic:", "The subject:")
    expect(repo.commit("unbumped, hooks skipped", "--no-verify"), 0)
    repo.write("README.md", "Our prompts.\n")
    expect(repo.commit("a readme"), 0, "Passed")
    expect(
        repo.run("pre-commit", "run", "--all-files"),
        1,
        "PG501 content/hook changed since its release 2.0.0",
    )


def test_a_custom_prompts_dir_is_checked(make_consumer: Callable[[str, str], Consumer]) -> None:
    repo = make_consumer("custom", "prompts_dir: llm/prompts\n")
    repo.write("llm/prompts/content/hook.j2", HOOK.replace("Topic: {{ topic }}", "Topic: {{ subject }}"))
    expect(
        repo.commit("a broken prompt under llm/prompts"),
        1,
        "llm/prompts/content/hook.j2:11:",
        "PG301 variable 'subject' is used but not declared",
    )
    repo.write("llm/prompts/content/hook.j2", HOOK)
    expect(repo.commit("a good prompt under llm/prompts"), 0, "Passed")


def test_the_action_on_a_pull_request(make_consumer: Callable[[str, str], Consumer], tmp_path: Path) -> None:
    upstream = make_consumer("upstream", CONFIG)
    upstream.write("prompts/content/hook.j2", HOOK)
    expect(upstream.commit("hook 1.0.0"), 0)
    expect(upstream.promptgit("release", "content/hook"), 0, "prompts/content/hook/v1.0.0")
    branch = upstream.run("git", "symbolic-ref", "--short", "HEAD").out.strip()

    def pull_request(name: str, *clone_options: str) -> Consumer:
        checkout = Consumer(tmp_path / name, upstream.env)
        cloned = Consumer(tmp_path, upstream.env).run(
            "git", "clone", "-q", *clone_options, f"file://{upstream.root}", name
        )
        expect(cloned, 0)
        checkout.run("git", "checkout", "-q", "-b", "feature")
        checkout.write(
            "prompts/content/hook.j2", HOOK.replace("1.0.0", "1.1.0").replace(", default: playful", "")
        )
        expect(checkout.run("git", "commit", "-qam", "tone is required now", "--no-verify"), 0)
        return checkout

    def action(checkout: Consumer) -> Run:
        env = {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": branch,
            "GITHUB_WORKSPACE": str(checkout.root),
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        return run_composite_action(
            ACTION_FILE,
            {},
            workdir=checkout.root,
            runner_dir=tmp_path / f"runner-{checkout.root.name}",
            env=env,
            preset_outputs={"install": {"bin": str(Path(sys.executable).parent)}},
        )

    run = action(pull_request("checkout"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert (
        "::error file=prompts/content/hook.j2,line=2,col=1,title=PG501::"
        "content/hook 1.1.0 is too small a bump for the change since its release 1.0.0: "
        "input 'tone' lost its default: breaking, needs 2.0.0"
    ) in run.stdout
    assert run.summary.startswith(
        f"## Prompt changes since origin/{branch}\n\n### content/hook 1.0.0 -> 1.1.0\n\n"
        "- **breaking**: input 'tone' lost its default\n"
        "- since its release 1.0.0: needs 2.0.0 (not covered by 1.1.0)\n"
    )

    # a shallow checkout without tags (actions/checkout's default) is a finding, not a silent pass
    shallow = action(pull_request("shallow", "--depth", "1", "--no-tags"))
    assert shallow.returncode != 0
    assert "title=PG507::no release tags" in shallow.stdout
    assert "fetch-depth: 0" in shallow.stdout
