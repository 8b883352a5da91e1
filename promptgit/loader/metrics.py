"""Prometheus metrics of the runtime loader, defined on an injected registry.

Nothing is registered at import time: `loader_metrics(registry)` creates the metrics the first time a
registry is used and returns the same object afterwards, so several Repository objects can share one
registry (the default global one, typically) without duplicate-timeseries errors.

The metrics touched on every get() and render() (loads, cache hits and misses, resolve and render latency,
renders, rendered tokens) are kept by the collectors of collectors.py: one lock per call updates all of
them, where prometheus_client takes a lock per counter and per histogram bucket.
They are exposed with the same names, types and labels. Rare events (errors, failures, fallbacks) use
prometheus_client's metrics directly.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter

from promptgit.loader.collectors import (
    LATENCY_BUCKETS,
    CacheEntriesCollector,
    LookupMetrics,
    RenderMetrics,
    RenderSeries,
)

__all__ = [
    "LATENCY_BUCKETS",
    "METRIC_NAMES",
    "LoaderMetrics",
    "LookupMetrics",
    "RenderMetrics",
    "RenderSeries",
    "loader_metrics",
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
    }
)


@dataclass(frozen=True)
class LoaderMetrics:
    """The loader's metrics on one registry; label values are documented in docs/loader.md."""

    lookups: LookupMetrics  # loads{source}, cache hits and misses{layer}, resolve latency
    renders: RenderMetrics  # renders and tokens{prompt, version}, render latency{prompt}
    cache_entries: CacheEntriesCollector
    render_errors: Counter  # prompt, reason: invalid_inputs | undefined | unsafe | template | chat
    refresh_failures: Counter
    fallbacks: Counter  # prompt, kind: last_known_good | template
    disk_rejects: Counter  # reason: diskcache.REJECT_REASONS


_registry_lock = threading.Lock()
_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, LoaderMetrics] = weakref.WeakKeyDictionary()


def loader_metrics(registry: CollectorRegistry | None = None) -> LoaderMetrics:
    """The loader metrics registered on `registry` (default: prometheus_client's global REGISTRY)."""
    target = REGISTRY if registry is None else registry
    with _registry_lock:
        found = _by_registry.get(target)
        if found is None:
            found = _create(target)
            _by_registry[target] = found
        return found


def _create(registry: CollectorRegistry) -> LoaderMetrics:
    from promptgit.loader.diskcache import REJECT_REASONS

    entries = CacheEntriesCollector()
    lookups = LookupMetrics()
    renders = RenderMetrics()
    for collector in (entries, lookups, renders):
        registry.register(collector)
    disk_rejects = Counter(
        "promptgit_disk_cache_rejects",
        "Compiled-prompt cache entries refused (untrusted owner or mode, bad signature): never run",
        ["reason"],
        registry=registry,
    )
    for reason in REJECT_REASONS:  # every series exists from the start: an alert sees the first increase
        disk_rejects.labels(reason)
    return LoaderMetrics(
        lookups=lookups,
        renders=renders,
        cache_entries=entries,
        render_errors=Counter(
            "promptgit_render_errors", "Failed renders, by reason", ["prompt", "reason"], registry=registry
        ),
        refresh_failures=Counter(
            "promptgit_refresh_failures", "Background or foreground git reads that failed", registry=registry
        ),
        fallbacks=Counter(
            "promptgit_fallbacks",
            "Prompts served from last-known-good or from the fallback template",
            ["prompt", "kind"],
            registry=registry,
        ),
        disk_rejects=disk_rejects,
    )
