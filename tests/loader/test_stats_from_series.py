"""Issue 18 §5: Repository.stats() is read from the loader's metric series, not counted a second time.

Each Repository counts its lookups, loads, failures and last-known-good serves once, in cells that the
registry's series sum at scrape time; stats() reads the same cells. Two repositories on one registry
keep their own stats, and the series (their sum) never go down when a repository is dropped.
"""

from __future__ import annotations

import gc

import pytest

from promptgit.errors import PromptNotFoundError


def sample(registry, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return registry.get_sample_value(name, labels) or 0.0


def series(registry) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {
        "hits": sample(registry, "promptgit_loader_cache_hits_total", layer="resolution"),
        "misses": sample(registry, "promptgit_loader_cache_misses_total", layer="resolution"),
        "fallbacks": sample(registry, "promptgit_loader_loads_total", source="fallback"),
        "refresh_failures": sample(registry, "promptgit_loader_refresh_failures_total"),
        "template_hits": sample(registry, "promptgit_loader_cache_hits_total", layer="template"),
        "template_misses": sample(registry, "promptgit_loader_cache_misses_total", layer="template"),
    }


KEYS = ("hits", "misses", "fallbacks", "refresh_failures", "template_hits", "template_misses")


def test_stats_of_two_repositories_add_up_to_the_series_they_share(
    library, make_repository, registry
) -> None:
    first = make_repository(library.root, fallback={"content/gone": "Gone."})
    second = make_repository(library.root)
    for _ in range(3):
        first.get("content/hook@production")
    first.get("content/gone")
    second.get("content/hook@staging")
    with pytest.raises(PromptNotFoundError):
        second.get("content/gone")
    one, two = first.stats(), second.stats()
    assert (one["hits"], one["misses"], one["fallbacks"]) == (2, 2, 1)
    assert (two["hits"], two["misses"], two["fallbacks"]) == (0, 2, 0)
    assert one["hit_rate"] == 0.5
    assert series(registry) == {key: one[key] + two[key] for key in KEYS}


def test_stats_and_the_series_are_one_count(library, make_repository, registry) -> None:
    """The same cell: counting an event once shows in both (before, stats() kept its own copy)."""
    repository = make_repository(library.root)
    repository.get("content/hook@production")
    before = series(registry)["refresh_failures"]
    repository._books.refresh_failures.inc()  # what a failed git read counts
    assert repository.stats()["refresh_failures"] == 1
    assert series(registry)["refresh_failures"] == before + 1
    assert not hasattr(repository._books, "_counts")


def test_the_series_keep_what_a_dropped_repository_counted(library, make_repository, registry) -> None:
    from promptgit.loader import Repository

    kept = make_repository(library.root)
    dropped = Repository(library.root, registry=registry)
    for repository in (kept, dropped):
        repository.get("content/hook@production")
        repository.get("content/hook@production")
    counted = series(registry)
    assert counted["hits"] == 2 and counted["misses"] == 2
    dropped.close()
    del dropped, repository
    gc.collect()
    assert series(registry) == counted  # counters never go down
    kept.get("content/hook@production")
    assert series(registry)["hits"] == 3 and kept.stats()["hits"] == 2
