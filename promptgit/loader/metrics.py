"""Prometheus metrics of the runtime loader, on an injected registry or prometheus_client's global one.

Nothing is registered at import time: `loader_metrics(registry)` creates the metrics the first time a
registry is used and returns the same object afterwards, so several Repository objects can share one
registry (the default global one, typically) without duplicate-timeseries errors.

Every loader metric is one of the collectors of collectors.py, which count without prometheus_client: the
hot ones update all of a call's series under one lock (prometheus_client takes a lock per counter and per
histogram bucket), and all expose the same names, types and labels at scrape time. So the loader starts
without importing prometheus_client (57 ms, most of it http.server and ssl pulled in by its exposition
module). An explicit registry is registered at once (whoever made it has prometheus_client loaded); so is
the global one when prometheus_client is already imported. Otherwise the global registration runs on a
background thread a moment after the first Repository, off the path of the first get() and render(),
and again in a child process forked before it ran. Counting starts at once either way: nothing is lost,
only a scrape within that first moment would not see the loader yet.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptgit.loader.collectors import (
    LATENCY_BUCKETS,
    CacheEntriesCollector,
    LabeledCounter,
    LookupMetrics,
    RenderMetrics,
    RenderSeries,
)
from promptgit.loader.outcomes import OutcomeMetrics
from promptgit.loader.served import BuildInfoCollector, CommitCollector

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = [
    "LATENCY_BUCKETS",
    "METRIC_NAMES",
    "LabeledCounter",
    "LoaderMetrics",
    "LookupMetrics",
    "RenderMetrics",
    "RenderSeries",
    "loader_metrics",
    "register_default",
    "wait_registered",
]

# every series name the loader exports; metrics/ (dashboards, alert rules) may use only these
METRIC_NAMES = frozenset(
    {
        "promptgit_loads_total",
        "promptgit_cache_hits_total",
        "promptgit_cache_misses_total",
        "promptgit_cache_entries",
        "promptgit_resolve_duration_seconds_bucket",
        "promptgit_resolve_duration_seconds_count",
        "promptgit_resolve_duration_seconds_sum",
        "promptgit_render_duration_seconds_bucket",
        "promptgit_render_duration_seconds_count",
        "promptgit_render_duration_seconds_sum",
        "promptgit_renders_total",
        "promptgit_rendered_tokens_total",
        "promptgit_render_errors_total",
        "promptgit_refresh_failures_total",
        "promptgit_fallbacks_total",
        "promptgit_disk_cache_rejects_total",
        "promptgit_label_tag_missing_total",
        "promptgit_info",
        "promptgit_repository_commit_info",
        # experiments (docs/experiments.md): splits and the outcomes applications record
        "promptgit_split_unavailable_total",
        "promptgit_outcomes_total",
        "promptgit_outcome_value_sum",
        "promptgit_outcome_value_count",
        "promptgit_outcome_value_squares_total",
        # the response cache (promptgit.llm.cache.metrics)
        "promptgit_response_cache_hits_total",
        "promptgit_response_cache_misses_total",
        "promptgit_response_cache_errors_total",
        "promptgit_response_cache_entries",
        "promptgit_cache_tokens_saved_total",
        "promptgit_cache_cost_saved_usd_total",
        # the call path (promptgit.llm.metrics)
        "promptgit_llm_calls_total",
        "promptgit_llm_call_duration_seconds_bucket",
        "promptgit_llm_call_duration_seconds_count",
        "promptgit_llm_call_duration_seconds_sum",
        "promptgit_llm_tokens_total",
        "promptgit_llm_cost_usd_total",
    }
)


@dataclass(frozen=True)
class LoaderMetrics:
    """The loader's metrics on one registry; label values are documented in docs/loader.md."""

    lookups: LookupMetrics  # loads{source}, cache hits and misses{layer}, resolve latency
    renders: RenderMetrics  # renders and tokens{prompt, version}, render latency{prompt}
    cache_entries: CacheEntriesCollector
    commits: CommitCollector  # promptgit_repository_commit_info{ref, commit}
    build_info: BuildInfoCollector  # promptgit_info{version}
    # prompt, version, reason: invalid_inputs | undefined | unsafe | template | chat | too_large
    render_errors: LabeledCounter
    refresh_failures: LabeledCounter
    fallbacks: LabeledCounter  # prompt, kind: last_known_good | template
    split_unavailable: LabeledCounter  # prompt, label, version: split assignments to a version not loadable
    outcomes: OutcomeMetrics  # outcomes{prompt, version, outcome} and numeric values (see outcomes.py)
    disk_rejects: LabeledCounter  # reason: diskcache.REJECT_REASONS
    # prompt, label: a label naming a release tag the repository lacks (served from last-known-good)
    label_tag_missing: LabeledCounter

    def disk_rejected(self, reason: str) -> None:
        """A compiled-prompt cache entry was refused (diskcache.CompiledCache's `on_reject`)."""
        self.disk_rejects.labels(reason=reason).inc()

    def collectors(self) -> tuple[Any, ...]:
        return (
            self.cache_entries,
            self.commits,
            self.build_info,
            self.lookups,
            self.renders,
            self.render_errors,
            self.refresh_failures,
            self.fallbacks,
            self.split_unavailable,
            self.outcomes,
            self.disk_rejects,
            self.label_tag_missing,
        )


# seconds between the first Repository on the global registry and registering there, when prometheus_client
# is not loaded yet: long enough to keep the import off a cold start's first answer
DEFERRED_REGISTRATION_SECONDS = 1.0

_registry_lock = threading.Lock()
_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, LoaderMetrics] = weakref.WeakKeyDictionary()
_default: LoaderMetrics | None = None
_default_registered = threading.Event()
_registration_lock = threading.Lock()


def loader_metrics(registry: CollectorRegistry | None = None) -> LoaderMetrics:
    """The loader metrics of `registry` (default: prometheus_client's global REGISTRY, see above)."""
    global _default
    with _registry_lock:
        if registry is not None:
            found = _by_registry.get(registry)
            if found is None:
                found = _by_registry[registry] = _create()
                _register(found, registry)
            return found
        if _default is None:
            _default = _create()
            if "prometheus_client" in sys.modules:
                register_default()
            else:
                _schedule_default_registration()
        return _default


def register_default() -> None:
    """Register the global registry's loader metrics now if they are pending (servers call this first)."""
    with _registration_lock:
        if _default is None or _default_registered.is_set():
            return
        from prometheus_client import REGISTRY

        _register(_default, REGISTRY)
        _default_registered.set()


def wait_registered(timeout: float) -> bool:
    """Whether the global registry's loader metrics are registered within `timeout` seconds (for tests)."""
    return _default_registered.wait(timeout)


def _schedule_default_registration() -> None:
    def later() -> None:
        time.sleep(DEFERRED_REGISTRATION_SECONDS)
        register_default()

    threading.Thread(target=later, name="promptgit-metrics-registration", daemon=True).start()


def _after_fork_in_child() -> None:
    # threads do not survive fork: a registration still pending in the parent must run in the child
    global _registration_lock
    _registration_lock = threading.Lock()
    if _default is not None and not _default_registered.is_set():
        _schedule_default_registration()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _create() -> LoaderMetrics:
    return LoaderMetrics(
        lookups=LookupMetrics(),
        renders=RenderMetrics(),
        cache_entries=CacheEntriesCollector(),
        commits=CommitCollector(),
        build_info=BuildInfoCollector(),
        render_errors=LabeledCounter(
            "promptgit_render_errors", "Failed renders, by reason", ("prompt", "version", "reason")
        ),
        refresh_failures=LabeledCounter(
            "promptgit_refresh_failures", "Background or foreground git reads that failed"
        ),
        fallbacks=LabeledCounter(
            "promptgit_fallbacks",
            "Prompts served from last-known-good or from the fallback template",
            ("prompt", "kind"),
        ),
        split_unavailable=LabeledCounter(
            "promptgit_split_unavailable",
            "Split assignments to a version that cannot be loaded, served by another version of the split",
            ("prompt", "label", "version"),
        ),
        outcomes=OutcomeMetrics(),
        disk_rejects=_disk_rejects(),
        label_tag_missing=LabeledCounter(
            "promptgit_label_tag_missing",
            "Label resolutions that met a label naming a release tag the repository lacks",
            ("prompt", "label"),
        ),
    )


def _disk_rejects() -> LabeledCounter:
    from promptgit.loader.diskcache import REJECT_REASONS

    counter = LabeledCounter(
        "promptgit_disk_cache_rejects",
        "Compiled-prompt cache entries refused (untrusted owner or mode, bad signature): never run",
        ("reason",),
    )
    for reason in REJECT_REASONS:  # every series exists from the start: an alert sees the first increase
        counter.labels(reason=reason).inc(0)
    return counter


def _register(metrics: LoaderMetrics, registry: CollectorRegistry) -> None:
    for collector in metrics.collectors():
        registry.register(collector)
