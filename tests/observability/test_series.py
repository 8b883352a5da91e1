"""Every series one way: what a registry exposes is the catalogue, the docs list it, children exist at 0."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.complete import complete
from promptgit.loader import Repository
from promptgit.observability import catalogue
from promptgit.observability.registry import cache_metrics, llm_metrics, loader_metrics, metrics_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def exposed(registry: CollectorRegistry) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, label names) of every family the registry describes."""
    found = {}
    for collector in list(registry._collector_to_names):
        for family in collector.describe():
            found[family.name] = (family.type, ())
    return found


def test_a_registry_exposes_exactly_the_catalogue() -> None:
    registry = CollectorRegistry()
    metrics_for(registry)
    families = {family.name: family.kind for family in catalogue.FAMILIES}
    assert {name: kind for name, (kind, _) in exposed(registry).items()} == families


def test_one_memo_for_every_part() -> None:
    registry = CollectorRegistry()
    both = metrics_for(registry)
    assert loader_metrics(registry) is both.loader
    assert llm_metrics(registry) is both.llm
    assert cache_metrics(registry) is both.response_cache
    assert metrics_for(registry) is both


def test_every_name_follows_the_scheme() -> None:
    scheme = re.compile(r"^promptgit_(build_info|(loader|llm|response_cache|outcome)_[a-z_]+)$")
    assert [family.name for family in catalogue.FAMILIES if not scheme.match(family.name)] == []


def test_the_docs_list_every_series_as_the_catalogue_says() -> None:
    text = DOCS.read_text("utf-8")
    assert catalogue.markdown_table() in text, (
        "docs/observability.md's table of series is not the catalogue's: paste the output of "
        "`python -m promptgit.observability.catalogue` over it"
    )


def test_disk_cache_reasons_are_the_loaders(tmp_path: Path) -> None:
    from promptgit.loader.diskcache import REJECT_REASONS

    assert catalogue.DISK_CACHE_REJECT_REASONS == REJECT_REASONS


def test_a_served_version_has_its_error_and_fallback_series_at_zero(released) -> None:  # type: ignore[no-untyped-def]
    # issue 20 item 10: error and fallback series appeared at their first increment, so panels read
    # "No data" and rate() missed the first event
    registry = CollectorRegistry()
    with Repository(released.root, registry=registry) as repository:
        repository.get("content/hook@production").render(topic="x")
    for reason in catalogue.RENDER_ERROR_REASONS:
        labels = {"prompt": "content/hook", "version": "1.2.0", "reason": reason}
        assert registry.get_sample_value("promptgit_loader_render_errors_total", labels) == 0, reason
    for kind in catalogue.FALLBACK_KINDS:
        labels = {"prompt": "content/hook", "kind": kind}
        assert registry.get_sample_value("promptgit_loader_fallbacks_total", labels) == 0, kind


def test_a_first_call_creates_every_outcome_of_its_prompt_version(released, client) -> None:  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    cache = ResponseCache("memory://", registry=registry)
    with Repository(released.root, registry=registry) as repository:
        complete(
            repository.get("content/hook@production"),
            client=client,
            cache=cache,
            inputs={"topic": "x"},
            registry=registry,
        )
    for outcome in catalogue.LLM_OUTCOMES:
        labels = {"prompt": "content/hook", "version": "1.2.0", "model": "gpt-4o-mini", "outcome": outcome}
        expected = 1 if outcome == "ok" else 0
        assert registry.get_sample_value("promptgit_llm_calls_total", labels) == expected, outcome
    labels = {"backend": "memory", "operation": "get"}
    assert registry.get_sample_value("promptgit_response_cache_errors_total", labels) == 0
    cache.close()


def test_the_fallback_warning_is_rate_limited(released, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    # issue 20 item 11: one WARNING per fallback use, 240 lines in 12 s, beside a cache fault log that
    # already said once a minute
    registry = CollectorRegistry()
    fallback = "Sorry about {{ topic }}"
    with (
        Repository(released.root, registry=registry, fallback=fallback) as repository,
        caplog.at_level(logging.WARNING, "promptgit.loader"),
    ):
        for _ in range(240):
            repository.get("content/gone@production")
    warnings = [record for record in caplog.records if "fallback" in record.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].pathname.endswith("bookkeeping.py")  # the line that logged, not the helper
    labels = {"prompt": "_unknown", "kind": "template"}  # a name the repository does not have
    assert registry.get_sample_value("promptgit_loader_fallbacks_total", labels) == 240
