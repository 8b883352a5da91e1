"""Every selector kind through Repository.get, against a real repository with annotated release tags."""

from __future__ import annotations

import pytest

from promptgit.errors import PromptNotFoundError, SelectorError


def hook_messages(voice: str, topic: str = "bread", tone: str = "playful") -> list[dict[str, str]]:
    return [{"role": "system", "content": voice}, {"role": "user", "content": f"Topic: {topic} ({tone})"}]


@pytest.mark.parametrize(
    ("selector", "version", "voice"),
    [
        ("content/hook", "2.0.0", "Voice two."),
        ("content/hook@latest", "2.0.0", "Voice two."),
        ("content/hook@1.0.0", "1.0.0", "Voice one."),
        ("content/hook@2.0.0-rc.1", "2.0.0-rc.1", "Voice rc."),
        ("content/hook@^1.0", "1.1.0", "Voice 1.1."),
        ("content/hook@~1.0", "1.0.0", "Voice one."),
        ("content/hook@>=1.0.0,<2", "1.1.0", "Voice 1.1."),
        ("content/hook@production", "1.0.0", "Voice one."),
        ("content/hook@staging", "1.1.0", "Voice 1.1."),
    ],
)
def test_selector_resolves_to_the_release_with_partials_of_its_commit(
    library, make_repository, selector: str, version: str, voice: str
) -> None:
    repository = make_repository(library.root)
    prompt = repository.get(selector)
    tag_commit = library.git.tags[f"prompts/content/hook/v{version}"].commit
    assert (prompt.name, prompt.version, prompt.commit) == ("content/hook", version, tag_commit.hexsha)
    assert prompt.blob_sha == tag_commit.tree["prompts/content/hook.j2"].hexsha
    assert prompt.params == {"temperature": 0.5} and prompt.chat
    assert prompt.render(topic="bread") == hook_messages(voice)
    assert prompt.render(topic="bread", tone="serious") == hook_messages(voice, tone="serious")


def test_worktree_reads_uncommitted_files_from_disk(library, make_repository) -> None:
    repository = make_repository(library.root)
    library.write("prompts/partials/voice.j2", "Voice of the working tree.\n")
    prompt = repository.get("content/hook@worktree")
    assert (prompt.version, prompt.commit, prompt.origin) == ("2.0.0", None, "worktree")
    assert prompt.render(topic="bread") == hook_messages("Voice of the working tree.")
    library.write("prompts/partials/voice.j2", "Edited again.\n")
    assert repository.get("content/hook@worktree").render(topic="x")[0]["content"] == "Edited again."


def test_text_prompt_renders_a_string(library, make_repository) -> None:
    prompt = make_repository(library.root).get("plain/note@1.0.0")
    assert not prompt.chat
    assert prompt.render(topic="rye") == "Note about rye."


def test_get_many_and_prefetch(library, make_repository) -> None:
    repository = make_repository(library.root)
    found = repository.get_many(["content/hook@production", "plain/note"])
    assert {key: prompt.version for key, prompt in found.items()} == {
        "content/hook@production": "1.0.0",
        "plain/note": "1.0.0",
    }
    fresh = make_repository(library.root)
    assert fresh.prefetch() == [
        "content/hook",
        "plain/note",
        "content/hook@production",
        "content/hook@staging",
    ]
    assert fresh.stats()["entries"]["resolution"] == 4
    assert fresh.stats()["misses"] == 4


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("content/missing", "content/missing: no prompt content/missing (prompts at HEAD: content/hook, "),
        ("content/hook@9.9.9", "content/hook@9.9.9: no release matches"),
        ("content/hook@^7", "content/hook@^7: no release matches"),
        ("content/hook@canary", "content/hook@canary: no label 'canary'"),
        ("plain/note@production", "plain/note@production: label 'production' has no entry for plain/note"),
        ("content/missing@worktree", "content/missing@worktree: no file prompts/content/missing.j2"),
    ],
)
def test_missing_prompt_without_fallback_raises_a_clear_error(
    library, make_repository, selector: str, message: str
) -> None:
    repository = make_repository(library.root)
    with pytest.raises(PromptNotFoundError) as raised:
        repository.get(selector)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_malformed_selector_is_a_selector_error(library, make_repository) -> None:
    with pytest.raises(SelectorError):
        make_repository(library.root).get("content/hook@")


def test_a_missing_label_entry_of_an_existing_prompt_names_its_labels_not_another_prompt(
    library, make_repository
) -> None:
    """Issue 20.11: services echo this message to their clients; "did you mean content/hook?" for a prompt
    that exists is noise. Say which labels do have an entry for it (a bounded list) instead."""
    library.write_prompt("content/hooks", "1.0.0", body="Hooks about {{ topic }}.\n")
    library.commit("content/hooks")
    library.tag_release("content/hooks", "1.0.0")
    labels = {f"canary{n:02d}": "  content/hooks: 1.0.0\n" for n in range(14)}
    library.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.0.0\n"
        + "".join(f"{label}:\n{entry}" for label, entry in labels.items()),
    )
    library.commit("labels")
    repository = make_repository(library.root)
    with pytest.raises(PromptNotFoundError) as raised:
        repository.get("content/hooks@production")
    message = str(raised.value)
    assert message.startswith("content/hooks@production: label 'production' has no entry for content/hooks")
    assert "did you mean" not in message and "content/hook," not in message and "content/hook)" not in message
    assert "labels with an entry for content/hooks: canary00, canary01" in message
    assert message.endswith("canary09 and 4 more)")  # bounded, like every listing in a message
    # a prompt in no label at all says so
    with pytest.raises(PromptNotFoundError) as raised:
        repository.get("plain/note@production")
    assert str(raised.value) == (
        "plain/note@production: label 'production' has no entry for plain/note (no label has an entry for it)"
    )
    # a name that is no prompt keeps its suggestion: that is a typo worth pointing at
    with pytest.raises(PromptNotFoundError, match="did you mean content/hook"):
        repository.get("content/hok@production")
