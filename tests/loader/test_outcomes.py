"""Outcomes recorded by the application: counted by prompt version, values summed, names bounded."""

from __future__ import annotations

import pytest

from promptgit.errors import PromptgitError
from promptgit.observability.outcome_series import MAX_OUTCOMES_PER_PROMPT, MAX_UNSERVED_VERSIONS


def sample(registry, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return registry.get_sample_value(name, labels) or 0.0


def test_outcomes_are_counted_by_version(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    repository.record_outcome(prompt, "accepted")
    repository.record_outcome(prompt, "accepted")
    repository.record_outcome(("content/hook", "1.1.0"), "accepted")  # as an llm Completion names it
    labels = {"prompt": "content/hook", "outcome": "accepted"}
    assert sample(registry, "promptgit_outcome_recorded_total", version="1.0.0", **labels) == 2
    assert sample(registry, "promptgit_outcome_recorded_total", version="1.1.0", **labels) == 1


def test_numeric_values_give_sum_count_and_squares(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    for value in (4.5, 3, 1.5):
        repository.record_outcome(prompt, "rating", value=value)
    labels = {"prompt": "content/hook", "version": "1.0.0", "outcome": "rating"}
    assert sample(registry, "promptgit_outcome_value_count", **labels) == 3
    assert sample(registry, "promptgit_outcome_value_sum", **labels) == 9.0
    assert sample(registry, "promptgit_outcome_value_squares_total", **labels) == 4.5**2 + 9 + 1.5**2
    assert sample(registry, "promptgit_outcome_recorded_total", **labels) == 3


@pytest.mark.parametrize("outcome", ["Accepted", "has space", "", "x" * 33, "9lives", "a-b"])
def test_outcome_names_are_lowercase_words(library, make_repository, outcome: str) -> None:
    repository = make_repository(library.root)
    with pytest.raises(ValueError, match="lowercase word"):
        repository.record_outcome(repository.get("content/hook@production"), outcome)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "4"])
def test_values_are_finite_numbers(library, make_repository, value: object) -> None:
    repository = make_repository(library.root)
    with pytest.raises(ValueError, match="not a finite number"):
        repository.record_outcome(repository.get("content/hook@production"), "rating", value=value)  # type: ignore[arg-type]


def test_outcome_names_past_the_cap_count_as_other(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    for n in range(MAX_OUTCOMES_PER_PROMPT + 5):
        repository.record_outcome(prompt, f"outcome_{n}")
    repository.record_outcome(prompt, "outcome_0")  # a name already seen keeps its own series
    names = {
        sample_.labels["outcome"]
        for family in registry.collect()
        for sample_ in family.samples
        if sample_.name == "promptgit_outcome_recorded_total"
    }
    assert len(names) == MAX_OUTCOMES_PER_PROMPT + 1
    labels = {"prompt": "content/hook", "version": "1.0.0"}
    assert sample(registry, "promptgit_outcome_recorded_total", outcome="other", **labels) == 5
    assert sample(registry, "promptgit_outcome_recorded_total", outcome="outcome_0", **labels) == 2
    # the cap is per prompt: another prompt has its own names
    repository.record_outcome(repository.get("plain/note"), "outcome_99")
    assert (
        sample(
            registry,
            "promptgit_outcome_recorded_total",
            prompt="plain/note",
            version="1.0.0",
            outcome="outcome_99",
        )
        == 1
    )


def test_a_completion_links_to_the_same_prompt_version(library, make_repository, registry) -> None:
    from promptgit.llm.completion import Completion, Usage

    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    completion = Completion(
        text="hi",
        output=None,
        response={},
        usage=Usage(input_tokens=3, output_tokens=1),
        cost_usd=None,
        latency_seconds=0.1,
        cached=False,
        model=prompt.model,
        name=prompt.name,
        version=prompt.version,
        commit=prompt.commit,
        blob_sha=prompt.blob_sha,
        cache_key=None,
    )
    repository.record_outcome(completion, "accepted")  # a Completion names its prompt and version
    labels = {"prompt": "content/hook", "version": "1.0.0", "outcome": "accepted"}
    assert sample(registry, "promptgit_outcome_recorded_total", **labels) == 1


def series_count(registry, name: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for family in registry.collect() for one in family.samples if one.name == name)


def test_caller_chosen_tuples_make_no_series(library, make_repository, registry) -> None:
    # issue 21 item 10: 40,000 made-up (name, version) tuples made 40,000 series
    repository = make_repository(library.root)
    repository.get("content/hook@production")
    before = series_count(registry, "promptgit_outcome_recorded_total")
    for n in range(2000):
        repository.record_outcome((f"made/up{n}", "1.0.0"), "accepted")
        repository.record_outcome(("content/hook", f"9.9.{n}"), "accepted")
    repository.record_outcome(repository.get("content/hook@production"), "accepted")  # served: counted
    # the capped unserved pairs, and the served version's own series
    assert series_count(registry, "promptgit_outcome_recorded_total") == before + MAX_UNSERVED_VERSIONS + 1
    dropped = 4000 - MAX_UNSERVED_VERSIONS
    assert sample(registry, "promptgit_outcome_dropped_total", reason="unserved_over_cap") == dropped
    labels = {"prompt": "content/hook", "version": "1.0.0", "outcome": "accepted"}
    assert sample(registry, "promptgit_outcome_recorded_total", **labels) == 1


def test_a_version_recorded_later_in_another_process_is_counted(library, make_repository, registry) -> None:
    # docs/experiments.md: a (name, version) tuple from stored identifiers, where nothing was served
    repository = make_repository(library.root)
    repository.record_outcome(("content/hook", "1.1.0"), "accepted")
    labels = {"prompt": "content/hook", "version": "1.1.0", "outcome": "accepted"}
    assert sample(registry, "promptgit_outcome_recorded_total", **labels) == 1


def test_a_huge_value_is_refused_before_anything_is_counted(library, make_repository, registry) -> None:
    # issue 21 item 10: value=1e200 raised a raw OverflowError after the count and sum were updated
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    repository.record_outcome(prompt, "rating", value=4.0)
    with pytest.raises(PromptgitError, match="not a finite number"):
        repository.record_outcome(prompt, "rating", value=1e200)
    labels = {"prompt": "content/hook", "version": "1.0.0", "outcome": "rating"}
    assert sample(registry, "promptgit_outcome_recorded_total", **labels) == 1
    assert sample(registry, "promptgit_outcome_value_count", **labels) == 1
    assert sample(registry, "promptgit_outcome_value_sum", **labels) == 4.0
    assert sample(registry, "promptgit_outcome_value_squares_total", **labels) == 16.0


def test_a_newly_served_version_reads_zero_for_the_prompts_outcomes(
    library, make_repository, registry
) -> None:
    # issue 20 item 10: a series that appears only at its first increment is "No data" on a panel and
    # rate() misses that first event
    repository = make_repository(library.root)
    repository.record_outcome(repository.get("content/hook@production"), "accepted")
    repository.get("content/hook@staging")
    labels = {"prompt": "content/hook", "version": "1.1.0", "outcome": "accepted"}
    assert registry.get_sample_value("promptgit_outcome_recorded_total", labels) == 0
    assert registry.get_sample_value("promptgit_outcome_value_count", labels) == 0
