"""Issue 19.1: a label naming a release tag the repository lacks (pushed without its tag) is an
inconsistency, not an answer: last-known-good keeps being served, a warning is logged (rate-limited),
the inconsistency is counted, and an alert rule fires on the count (metrics/alerts.rules.yml)."""

from __future__ import annotations

import logging

import pytest

from promptgit.errors import LabelTagMissingError


def count(registry, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return registry.get_sample_value("promptgit_loader_label_tag_missing_total", labels) or 0.0


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def test_a_label_naming_a_missing_tag_keeps_last_known_good(
    library, make_repository, clock, registry, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="promptgit.loader")
    repository = make_repository(library.root, cache_ttl=60)
    assert repository.get("content/hook@production").version == "1.0.0"
    library.write(
        "prompts/labels.yaml", "production:\n  content/hook: 2.1.0\nstaging:\n  content/hook: 1.1.0\n"
    )
    library.commit("production -> 2.1.0, whose tag was not pushed")
    for _ in range(3):  # three refreshes, each past the TTL, each finding the tag missing
        clock.advance(61)
        assert repository.get("content/hook@production").version == "1.0.0"
        assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production").version == "1.0.0"  # last-known-good
    assert count(registry, prompt="content/hook", label="production") == 3
    assert warnings_of(caplog) == [
        "label production of content/hook names 2.1.0, but tag prompts/content/hook/v2.1.0 is not in the "
        "repository (pushed without its tag?): serving last-known-good; git push origin "
        "prompts/content/hook/v2.1.0 fixes it"
    ]  # one warning per label and prompt per 5 minutes, however many refreshes meet it
    library.write(
        "prompts/labels.yaml", "production:\n  content/hook: 1.1.0\nstaging:\n  content/hook: 1.1.0\n"
    )
    library.commit("production -> 1.1.0")
    clock.advance(61)
    repository.get("content/hook@production")
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production").version == "1.1.0"  # consistent again: followed


def test_without_last_known_good_the_caller_gets_the_error_and_it_is_counted(
    library, make_repository, registry
) -> None:  # type: ignore[no-untyped-def]
    library.write("prompts/labels.yaml", "production:\n  content/hook: 2.1.0\n")
    library.commit("production -> 2.1.0")
    repository = make_repository(library.root)
    with pytest.raises(LabelTagMissingError) as raised:
        repository.get("content/hook@production")
    assert (raised.value.label, raised.value.name, raised.value.version) == (
        "production",
        "content/hook",
        "2.1.0",
    )
    assert count(registry, prompt="content/hook", label="production") == 1


def test_a_removed_label_entry_is_still_a_definite_answer(library, make_repository, clock) -> None:  # type: ignore[no-untyped-def]
    """The documented behaviour next to PG510: removing an entry takes the label down within the TTL."""
    repository = make_repository(library.root, cache_ttl=60)
    repository.get("content/hook@staging")
    library.write("prompts/labels.yaml", "production:\n  content/hook: 1.0.0\n")
    library.commit("staging removed")
    clock.advance(61)
    repository.get("content/hook@staging")  # stale, refresh finds no entry and drops it
    assert repository.wait_for_refreshes(30)
    with pytest.raises(Exception, match="label 'staging'"):
        repository.get("content/hook@staging")
