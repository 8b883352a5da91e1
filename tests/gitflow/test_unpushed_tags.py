"""Issue 19.1: a label pushed without its tag takes the label down on every replica; refuse the push."""

from __future__ import annotations

from tests.gitflow.conftest import Team, out


def bump_release_and_label(team: Team) -> None:
    team.repo.write_prompt("x", "0.1.9", "Hello again {{ topic }}\n")
    assert team.git("commit", "-qam", "x 0.1.9").returncode == 0
    released = team.promptgit("release", "x")
    assert released.returncode == 0, out(released)
    assert released.stdout.splitlines()[-1] == (
        "push the tag, or replicas cannot load it: git push origin prompts/x/v0.1.9"
    )
    labelled = team.promptgit("label", "set", "staging", "x@0.1.9")
    assert labelled.returncode == 0, out(labelled)
    assert team.git("commit", "-qam", "staging -> x 0.1.9").returncode == 0


def test_a_push_whose_labels_name_an_unpushed_tag_is_refused(team: Team) -> None:
    bump_release_and_label(team)
    before = team.remote_refs()["refs/heads/main"]
    refused = team.git("push", "origin", "main")  # git pushes no tags unless told
    assert refused.returncode != 0
    assert (
        "promptgit: refusing to push refs/heads/main: prompts/labels.yaml has label staging -> x@0.1.9, "
        "but tag prompts/x/v0.1.9 is neither on origin nor in this push; "
        "push them together: git push origin main prompts/x/v0.1.9"
    ) in refused.stderr, out(refused)
    assert team.remote_refs()["refs/heads/main"] == before
    together = team.git("push", "origin", "main", "prompts/x/v0.1.9")
    assert together.returncode == 0, out(together)
    assert "refs/tags/prompts/x/v0.1.9" in team.remote_refs()


def test_a_tag_pushed_first_lets_the_label_through(team: Team) -> None:
    bump_release_and_label(team)
    assert team.git("push", "-q", "origin", "prompts/x/v0.1.9").returncode == 0
    pushed = team.git("push", "origin", "main")
    assert pushed.returncode == 0, out(pushed)


def test_follow_tags_pushes_the_release_with_the_label(team: Team) -> None:
    bump_release_and_label(team)
    pushed = team.git("push", "--follow-tags", "origin", "main")
    assert pushed.returncode == 0, out(pushed)
    assert "refs/tags/prompts/x/v0.1.9" in team.remote_refs()


def test_a_label_on_a_version_never_released_names_the_release_command(team: Team) -> None:
    team.repo.write("prompts/labels.yaml", "production:\n  x: 0.1.8\nstaging:\n  x: 0.2.0\n")
    assert team.git("commit", "-qam", "label ahead of the release", "--no-verify").returncode == 0
    refused = team.git("push", "origin", "main")
    assert refused.returncode != 0
    assert (
        "promptgit: refusing to push refs/heads/main: prompts/labels.yaml has label staging -> x@0.2.0, "
        "but tag prompts/x/v0.2.0 does not exist; release it first: promptgit release x"
    ) in refused.stderr, out(refused)


def test_release_push_publishes_the_tag(team: Team) -> None:
    team.repo.write_prompt("x", "0.1.9", "Hello again {{ topic }}\n")
    assert team.git("commit", "-qam", "x 0.1.9").returncode == 0
    assert team.git("push", "-q", "origin", "main").returncode == 0
    released = team.promptgit("release", "x", "--push")
    assert released.returncode == 0, out(released)
    assert released.stdout.splitlines()[-1] == "pushed prompts/x/v0.1.9 to origin"
    assert "refs/tags/prompts/x/v0.1.9" in team.remote_refs()
