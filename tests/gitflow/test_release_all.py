"""Issue 19.2: two branches bump to the same version; the second merges cleanly after the release. `release
--all` must not say "nothing to release" while main differs from the tag of its version."""

from __future__ import annotations

from tests.conftest import PromptRepo
from tests.gitflow.conftest import Team, out

FRONT = (
    "---\nversion: {version}\nkind: hook\ndescription: {description}\ninputs:\n  topic: {{type: string}}\n"
)
FRONT += "sample: {{topic: bread}}\n---\n"


def write(repo: PromptRepo, version: str, description: str, body: str) -> None:
    repo.write("prompts/y.j2", FRONT.format(version=version, description=description) + body)


def test_release_all_names_a_prompt_whose_file_differs_from_its_tag(team: Team) -> None:
    repo = team.repo
    write(repo, "0.1.4", "Opening line", "Hello {{ topic }}\n\nBe brief.\n")
    repo.commit("y 0.1.4")
    assert team.promptgit("release", "y").returncode == 0
    assert team.git("checkout", "-q", "-b", "e").returncode == 0
    write(repo, "0.1.5", "Opening line, friendlier", "Hello {{ topic }}\n\nBe brief.\n")
    repo.commit("e: description")
    assert team.git("checkout", "-q", "-b", "f", "main").returncode == 0
    write(repo, "0.1.5", "Opening line", "Hello {{ topic }}\n\nBe very brief.\n")
    repo.commit("f: body")
    assert team.git("checkout", "-q", "main").returncode == 0
    assert team.git("merge", "-q", "--no-ff", "-m", "merge e", "e").returncode == 0
    first = team.promptgit("release", "--all")
    assert first.returncode == 0, out(first)
    assert "released y 0.1.5" in first.stdout
    merged = team.git("merge", "-q", "--no-ff", "-m", "merge f", "f")
    assert merged.returncode == 0, out(merged)  # a clean merge: both set 0.1.5, the rest does not overlap

    second = team.promptgit("release", "--all")
    assert second.returncode == 1, out(second)
    assert second.stdout == ""
    assert second.stderr == (
        "promptgit: y: prompts/y.j2 differs from its release 0.1.5 (tag prompts/y/v0.1.5) but keeps its "
        "version; bump it (promptgit bump y), commit, then release\n"
        "promptgit: release --all: 1 prompt differs from the tag of its version; nothing released\n"
    )
    assert team.git("tag", "-l", "prompts/y/*").stdout.split() == ["prompts/y/v0.1.4", "prompts/y/v0.1.5"]
