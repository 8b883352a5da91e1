"""Outcomes recorded by the application: counted by prompt version, values summed, names bounded."""

from __future__ import annotations

import pytest

from promptgit.loader.outcomes import MAX_OUTCOMES_PER_PROMPT


def sample(registry, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return registry.get_sample_value(name, labels) or 0.0


def test_outcomes_are_counted_by_version(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    repository.record_outcome(prompt, "accepted")
    repository.record_outcome(prompt, "accepted")
    repository.record_outcome(("content/hook", "1.1.0"), "accepted")  # as an llm Completion names it
    labels = {"prompt": "content/hook", "outcome": "accepted"}
    assert sample(registry, "promptgit_outcomes_total", version="1.0.0", **labels) == 2
    assert sample(registry, "promptgit_outcomes_total", version="1.1.0", **labels) == 1


def test_numeric_values_give_sum_count_and_squares(library, make_repository, registry) -> None:
    repository = make_repository(library.root)
    prompt = repository.get("content/hook@production")
    for value in (4.5, 3, 1.5):
        repository.record_outcome(prompt, "rating", value=value)
    labels = {"prompt": "content/hook", "version": "1.0.0", "outcome": "rating"}
    assert sample(registry, "promptgit_outcome_value_count", **labels) == 3
    assert sample(registry, "promptgit_outcome_value_sum", **labels) == 9.0
    assert sample(registry, "promptgit_outcome_value_squares_total", **labels) == 4.5**2 + 9 + 1.5**2
    assert sample(registry, "promptgit_outcomes_total", **labels) == 3


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
        if sample_.name == "promptgit_outcomes_total"
    }
    assert len(names) == MAX_OUTCOMES_PER_PROMPT + 1
    labels = {"prompt": "content/hook", "version": "1.0.0"}
    assert sample(registry, "promptgit_outcomes_total", outcome="other", **labels) == 5
    assert sample(registry, "promptgit_outcomes_total", outcome="outcome_0", **labels) == 2
    # the cap is per prompt: another prompt has its own names
    repository.record_outcome(repository.get("plain/note"), "outcome_99")
    assert (
        sample(
            registry, "promptgit_outcomes_total", prompt="plain/note", version="1.0.0", outcome="outcome_99"
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
    assert sample(registry, "promptgit_outcomes_total", **labels) == 1
