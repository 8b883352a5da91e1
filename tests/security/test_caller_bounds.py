"""Issue 11, item 7: names and selectors chosen by callers cannot grow series or caches without bound."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from promptgit.loader import Repository
from tests.conftest import PromptRepo


def series(registry: CollectorRegistry, metric: str) -> list[dict[str, str]]:
    return [
        sample.labels for family in registry.collect() for sample in family.samples if sample.name == metric
    ]


# a fallback checks inputs like any prompt: it declares the one it renders (docs/loader.md)
FALLBACK = "---\ninputs:\n  topic: {type: string}\n---\nSorry, {{ topic }}"


def test_unknown_names_share_one_series_and_one_compiled_fallback(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("real", "1.0.0")
    prompt_repo.commit("real")
    prompt_repo.tag_release("real", "1.0.0")
    registry = CollectorRegistry()
    repository = Repository(prompt_repo.root, registry=registry, fallback=FALLBACK)
    try:
        for number in range(2000):
            prompt = repository.get(f"attacker/n{number}")
            assert prompt.name == f"attacker/n{number}"  # the caller still sees the name it asked for
            assert prompt.render(topic="x") == "Sorry, x"
        assert repository.get("real").render(topic="x") == "Hello x"
        fallbacks = series(registry, "promptgit_loader_fallbacks_total")
        # the served prompts' series exist from first use, at 0; no caller-chosen name has one
        assert sorted({labels["prompt"] for labels in fallbacks}) == ["_unknown", "real"]
        assert (
            registry.get_sample_value(
                "promptgit_loader_fallbacks_total", {"prompt": "_unknown", "kind": "template"}
            )
            == 2000
        )
        rendered = sorted({labels["prompt"] for labels in series(registry, "promptgit_loader_renders_total")})
        assert rendered == ["_unknown", "real"]
    finally:
        repository.close()


def test_distinct_range_selectors_do_not_grow_the_resolution_cache_past_its_bound(
    prompt_repo: PromptRepo,
) -> None:
    prompt_repo.write_prompt("real", "1.0.0")
    prompt_repo.commit("real")
    prompt_repo.tag_release("real", "1.0.0")
    repository = Repository(prompt_repo.root, registry=CollectorRegistry())
    try:
        for number in range(4500):
            assert repository.get(f"real@>=1.0.0,<{number + 2}.0.0").version == "1.0.0"
        assert repository.cache_sizes()["resolution"] <= 4096
        assert repository.get("real@>=1.0.0,<4499.0.0").version == "1.0.0"  # still served
    finally:
        repository.close()


def test_the_ref_caches_of_the_store_are_bounded(prompt_repo: PromptRepo) -> None:
    from promptgit.store.gitstore import _MAX_NAMES, GitStore

    prompt_repo.write_prompt("real", "1.0.0")
    prompt_repo.commit("real")
    store = GitStore(prompt_repo.root)
    try:
        for number in range(_MAX_NAMES + 100):
            assert store.release_versions(f"attacker/n{number}") == []
        assert len(store._tags) <= _MAX_NAMES
    finally:
        store.close()
