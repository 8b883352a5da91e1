"""Issue 19.3: removing a label entry of a prompt that still exists takes that label down on every replica
within the cache TTL; a warning (PG510), visible in review and on commit."""

from __future__ import annotations

from tests.gitflow.conftest import Team, out

WARNING = (
    "prompts/labels.yaml:1:1: PG510 warning: label production no longer names x, which still exists: "
    "get('x@production') raises PromptNotFoundError on every replica once its cache TTL passes "
    "(docs/versions.md); keep the entry until no caller uses it"
)


def test_unsetting_a_label_of_an_existing_prompt_warns_on_commit(team: Team) -> None:
    unset = team.promptgit("label", "unset", "production", "x")
    assert unset.returncode == 0, out(unset)
    team.git("add", "-A")
    committed = team.git("commit", "-m", "production: drop x")
    assert committed.returncode == 0, out(committed)  # a warning lets the commit through
    assert WARNING in out(committed)
    assert committed.stderr.endswith("promptgit: 1 warning; the commit goes ahead\n")


def test_review_shows_the_removed_entry(team: Team) -> None:
    team.repo.write("prompts/labels.yaml", "production:\n  x: 0.1.8\nstaging:\n  x: 0.1.8\n")
    team.repo.commit("staging -> x")
    team.git("checkout", "-q", "-b", "cleanup")
    team.repo.write("prompts/labels.yaml", "staging:\n  x: 0.1.8\n")
    team.repo.commit("drop production")
    review = team.promptgit("validate", "--format", "github", "--base", "main")
    assert review.returncode == 0, out(review)
    assert (
        "::warning file=prompts/labels.yaml,line=1,col=1,title=PG510::label production no longer names x"
    ) in review.stdout, review.stdout


def test_removing_the_prompt_with_its_entries_is_quiet(team: Team) -> None:
    team.git("rm", "-q", "prompts/x.j2")
    team.repo.write("prompts/labels.yaml", "{}\n")
    team.git("add", "-A")
    committed = team.git("commit", "-m", "x retired")
    assert committed.returncode == 0, out(committed)
    assert "PG510" not in out(committed)
