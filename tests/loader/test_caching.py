"""The loader's caches against real repositories: TTL, stale-while-revalidate, last-known-good, fallbacks."""

from __future__ import annotations

import shutil

import pytest

import promptgit.loader.repository as repository_module
from promptgit.errors import GitError, InputValidationError, PromptNotFoundError


def sample(registry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def move_label(library, version: str) -> None:
    library.write(
        "prompts/labels.yaml", f"production:\n  content/hook: {version}\nstaging:\n  content/hook: 1.1.0\n"
    )
    library.commit(f"production -> {version}")


def test_label_moved_by_a_commit_is_seen_after_the_ttl(library, make_repository, clock, registry) -> None:
    repository = make_repository(library.root, cache_ttl=60)
    assert repository.get("content/hook@production").version == "1.0.0"
    move_label(library, "2.0.0")
    clock.advance(59)
    assert repository.get("content/hook@production").version == "1.0.0"  # within the TTL: cached
    clock.advance(2)
    # past the TTL: the stale value is served at once while one background refresh runs
    assert repository.get("content/hook@production").version == "1.0.0"
    assert repository.wait_for_refreshes(30)
    prompt = repository.get("content/hook@production")
    assert prompt.version == "2.0.0"
    assert prompt.render(topic="t")[0]["content"] == "Voice two."
    stats = repository.stats()
    assert (stats["misses"], stats["hits"], stats["stale"]) == (1, 3, 1)
    assert sample(registry, "promptgit_loader_loads_total", source="git") == 1
    assert sample(registry, "promptgit_loader_loads_total", source="cache") == 3


def test_new_release_is_seen_by_latest_and_ranges_after_the_ttl(library, make_repository, clock) -> None:
    repository = make_repository(library.root, cache_ttl=10)
    assert repository.get("content/hook").version == "2.0.0"
    assert repository.get("content/hook@^2").version == "2.0.0"
    library.write(
        "prompts/content/hook.j2",
        library.root.joinpath("prompts/content/hook.j2")
        .read_text()
        .replace("version: 2.0.0", "version: 2.1.0"),
    )
    library.commit("2.1.0")
    library.tag_release("content/hook", "2.1.0")
    assert repository.get("content/hook").version == "2.0.0"
    clock.advance(11)
    repository.get("content/hook")
    repository.get("content/hook@^2")
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook").version == "2.1.0"
    assert repository.get("content/hook@^2").version == "2.1.0"
    assert repository.get("content/hook@^1").version == "1.1.0"


def test_compiled_templates_are_shared_by_blob(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    first = repository.get("content/hook@1.0.0")
    labelled = repository.get("content/hook@production")  # same release: one compiled template
    assert (labelled.blob_sha, labelled.label, first.label) == (first.blob_sha, "production", None)
    note = repository.get("plain/note@1.0.0")
    assert repository.get("plain/note") is note
    stats = repository.stats()
    assert (stats["template_misses"], stats["template_hits"]) == (2, 2)
    assert sample(registry, "promptgit_loader_cache_entries", layer="template") == 2
    assert sample(registry, "promptgit_loader_cache_entries", layer="resolution") == 4
    assert sample(registry, "promptgit_loader_cache_hits_total", layer="template") == 2


def test_template_lru_is_bounded(library, make_repository) -> None:
    repository = make_repository(library.root, max_templates=2)
    for version in ["1.0.0", "1.1.0", "2.0.0"]:
        repository.get(f"content/hook@{version}")
    stats = repository.stats()
    assert stats["entries"]["template"] == 2
    assert (stats["bounds"]["template"], stats["evictions"]["template"]) == (2, 1)


SELECTORS = [f"content/hook@{v}" for v in ("1.0.0", "1.1.0", "2.0.0-rc.1", "2.0.0")] + ["plain/note@1.0.0"]


def test_default_bounds_are_sized_from_the_library(library, make_repository, monkeypatch, registry) -> None:
    # bounds smaller than this library (2 prompts + 2 label entries) stand in for 512 and 4096 against a
    # larger one: the first time a cache is full it is sized from the library, not cycled cold
    monkeypatch.setattr(repository_module, "DEFAULT_MAX_TEMPLATES", 2)
    monkeypatch.setattr(repository_module, "DEFAULT_MAX_SELECTORS", 2)
    repository = make_repository(library.root)
    for selector in SELECTORS * 2:
        repository.get(selector)
    stats = repository.stats()
    assert stats["bounds"] == {"template": 2 * 4, "resolution": 4 * 4}
    assert stats["evictions"] == {"template": 0, "resolution": 0}
    assert stats["template_misses"] == len(SELECTORS)  # the second round is all hits
    for layer in ("template", "resolution"):  # the series exist at 0: an alert or panel sees the first one
        assert sample(registry, "promptgit_loader_cache_evictions_total", layer=layer) == 0


def test_a_fixed_bound_is_kept_and_its_evictions_counted(library, make_repository, registry) -> None:
    repository = make_repository(library.root, max_templates=2, max_selectors=3)
    for selector in SELECTORS:
        repository.get(selector)
    stats = repository.stats()
    assert stats["bounds"] == {"template": 2, "resolution": 3}
    assert stats["evictions"] == {"template": 3, "resolution": 2}
    # the same counts as Prometheus series, which outlive the Repository (counters never go down)
    assert sample(registry, "promptgit_loader_cache_evictions_total", layer="template") == 3
    assert sample(registry, "promptgit_loader_cache_evictions_total", layer="resolution") == 2


def test_exact_versions_never_expire(library, make_repository, clock, registry) -> None:
    repository = make_repository(library.root, cache_ttl=1)
    prompt = repository.get("content/hook@1.0.0")
    shutil.rmtree(library.root / ".git")
    clock.advance(10_000)
    assert repository.get("content/hook@1.0.0") is prompt
    assert repository.wait_for_refreshes(30)
    assert sample(registry, "promptgit_loader_refresh_failures_total") == 0


def _delete(root) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(root / ".git")


def _corrupt(root) -> None:  # type: ignore[no-untyped-def]
    (root / ".git" / "HEAD").write_bytes(b"\x00garbage\n")
    for pack in (root / ".git" / "objects").rglob("*"):
        if pack.is_file():
            pack.chmod(0o644)
            pack.write_bytes(b"not a git object")


@pytest.mark.parametrize("damage", [_delete, _corrupt], ids=["deleted", "corrupted"])
def test_broken_repository_after_warm_up_serves_last_known_good(
    library, make_repository, clock, registry, damage
) -> None:
    repository = make_repository(library.root, cache_ttl=30)
    warm = repository.get("content/hook@production")
    damage(library.root)
    clock.advance(31)
    assert repository.get("content/hook@production") is warm  # stale, refresh starts and fails
    assert repository.wait_for_refreshes(30)
    served = repository.get("content/hook@production")
    assert served is warm
    assert served.render(topic="still works") == [
        {"role": "system", "content": "Voice one."},
        {"role": "user", "content": "Topic: still works (playful)"},
    ]
    assert sample(registry, "promptgit_loader_refresh_failures_total") == 1
    assert (
        sample(registry, "promptgit_loader_fallbacks_total", prompt="content/hook", kind="last_known_good")
        == 1
    )
    stats = repository.stats()
    assert (stats["refresh_failures"], stats["last_known_good"]) == (1, 1)
    # a selector never loaded before cannot be had: a clear error, and the failure is counted
    with pytest.raises(GitError) as raised:
        repository.get("content/hook@staging")
    assert str(library.root) in str(raised.value)
    assert sample(registry, "promptgit_loader_refresh_failures_total") == 2


def test_fallback_template_only_when_the_prompt_cannot_be_had(library, make_repository, registry) -> None:
    fallback = "---\nversion: 0.0.0\ninputs:\n  topic: {type: string}\n---\nFallback about {{ topic }}"
    repository = make_repository(library.root, fallback={"content/missing": fallback})
    prompt = repository.get("content/missing@production")
    assert (prompt.origin, prompt.version) == ("fallback", "0.0.0")
    assert prompt.render(topic="rye") == "Fallback about rye"
    assert repository.get("content/hook@production").origin == "git"  # found in git: no fallback
    with pytest.raises(PromptNotFoundError):
        repository.get("plain/other")  # no fallback for this name
    assert (
        sample(registry, "promptgit_loader_fallbacks_total", prompt="content/missing", kind="template") == 1
    )
    assert sample(registry, "promptgit_loader_loads_total", source="fallback") == 1
    assert repository.stats()["fallbacks"] == 1


def test_bare_fallback_text_for_every_prompt(library, make_repository) -> None:
    repository = make_repository(library.root, fallback="Sorry, try again later.")
    prompt = repository.get("content/nothing")
    assert (prompt.version, prompt.render()) == ("fallback", "Sorry, try again later.")


@pytest.mark.parametrize(
    "fallback",
    ["Sorry: {{ topic }}", "---\nversion: 0.0.1\n---\nSorry: {{ topic }}"],
    ids=["bare-body", "front-matter-without-inputs"],
)
def test_a_fallback_without_declared_inputs_refuses_inputs(library, make_repository, fallback) -> None:
    """Issue 20.4: a fallback checks inputs like any prompt. Declaring nothing, it takes nothing: an input
    given to it is refused, not rendered unchecked (its values would reach the model unbounded)."""
    repository = make_repository(library.root, fallback={"content/nothing": fallback})
    prompt = repository.get("content/nothing")
    assert prompt.origin == "fallback"
    with pytest.raises(InputValidationError, match="topic: is not a declared input"):
        prompt.render(topic="x" * 10_000)


def test_a_fallback_declaring_inputs_checks_them_like_a_release(library, make_repository) -> None:
    fallback = "---\ninputs:\n  topic: {type: string, maxLength: 20}\n---\nSorry: {{ topic }}"
    repository = make_repository(library.root, fallback=fallback)
    prompt = repository.get("content/nothing")
    assert prompt.render(topic="rye") == "Sorry: rye"
    with pytest.raises(InputValidationError, match="topic"):
        prompt.render(topic="x" * 21)
    with pytest.raises(InputValidationError, match="tone: is not a declared input"):
        prompt.render(topic="rye", tone="playful")


def test_missing_repository_is_a_clear_error(tmp_path, registry) -> None:
    from promptgit.loader import Repository

    with pytest.raises(GitError) as raised:
        Repository(tmp_path / "nowhere", registry=registry)
    assert str(raised.value) == f"{tmp_path / 'nowhere'}: no such directory"


def test_refresh_expires_labels_but_not_exact_versions(library, make_repository, clock) -> None:
    repository = make_repository(library.root, cache_ttl=3600)
    exact = repository.get("content/hook@1.0.0")
    assert repository.get("content/hook@production").version == "1.0.0"
    move_label(library, "1.1.0")
    repository.refresh()  # no clock movement: refresh() alone makes the label stale
    assert repository.get("content/hook@production").version == "1.0.0"
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production").version == "1.1.0"
    assert repository.get("content/hook@1.0.0") is exact


def test_broken_fallback_is_reported_when_the_repository_is_made(library, registry) -> None:
    from promptgit.errors import PromptSyntaxError
    from promptgit.loader import Repository

    with pytest.raises(PromptSyntaxError) as raised:
        Repository(library.root, registry=registry, fallback={"content/hook": "Hello {{ topic"})
    assert str(raised.value).startswith("<fallback for content/hook>:1:1: PG102")
