"""Prometheus metrics of the runtime loader, defined on an injected registry.

Nothing is registered at import time: `loader_metrics(registry)` creates the metrics the first time a
registry is used and returns the same object afterwards, so several Repository objects can share one
registry (the default global one, typically) without duplicate-timeseries errors.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server as _start_http_server

__all__ = ["METRIC_NAMES", "LoaderMetrics", "MetricsServer", "loader_metrics", "start_http_server"]

# latencies of a warm render are tens of microseconds; a cold git read is milliseconds
LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

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
    }
)


class CacheSizes(Protocol):
    def cache_sizes(self) -> Mapping[str, int]: ...


class _CacheEntriesCollector:
    """`promptgit_cache_entries{layer}`: summed at scrape time over the live repositories of a registry."""

    def __init__(self) -> None:
        self._sources: weakref.WeakSet[CacheSizes] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, source: CacheSizes) -> None:
        with self._lock:
            self._sources.add(source)

    def collect(self) -> Iterator[Metric]:
        totals: dict[str, int] = {"template": 0, "resolution": 0}
        with self._lock:
            sources = list(self._sources)
        for source in sources:
            for layer, size in source.cache_sizes().items():
                totals[layer] = totals.get(layer, 0) + size
        family = GaugeMetricFamily(
            "promptgit_cache_entries", "Entries held by the loader caches", labels=["layer"]
        )
        for layer, size in sorted(totals.items()):
            family.add_metric([layer], size)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "promptgit_cache_entries", "Entries held by the loader caches", labels=["layer"]
        )


@dataclass(frozen=True)
class LoaderMetrics:
    """The loader's metrics on one registry; label values are documented in docs/loader.md."""

    loads: Counter  # source: cache | git | fallback
    cache_hits: Counter  # layer: template | resolution
    cache_misses: Counter  # layer: template | resolution
    cache_entries: _CacheEntriesCollector
    resolve_seconds: Histogram
    render_seconds: Histogram  # prompt
    renders: Counter  # prompt, version
    rendered_tokens: Counter  # prompt, version
    render_errors: Counter  # prompt, reason: invalid_inputs | undefined | unsafe | template | chat
    refresh_failures: Counter
    fallbacks: Counter  # prompt, kind: last_known_good | template


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
    entries = _CacheEntriesCollector()
    registry.register(entries)
    return LoaderMetrics(
        loads=Counter(
            "promptgit_loads",
            "Prompts returned by get(), by where they came from",
            ["source"],
            registry=registry,
        ),
        cache_hits=Counter("promptgit_cache_hits", "Loader cache hits", ["layer"], registry=registry),
        cache_misses=Counter("promptgit_cache_misses", "Loader cache misses", ["layer"], registry=registry),
        cache_entries=entries,
        resolve_seconds=Histogram(
            "promptgit_resolve_duration_seconds",
            "Time for get() to turn a selector into a compiled prompt",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        render_seconds=Histogram(
            "promptgit_render_duration_seconds",
            "Time to validate inputs and render a prompt",
            ["prompt"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        renders=Counter("promptgit_renders", "Successful renders", ["prompt", "version"], registry=registry),
        rendered_tokens=Counter(
            "promptgit_rendered_tokens",
            "Estimated tokens of successful renders",
            ["prompt", "version"],
            registry=registry,
        ),
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
    )


@dataclass(frozen=True)
class MetricsServer:
    """A running /metrics endpoint; `port` is the real one (useful when started on port 0)."""

    host: str
    port: int
    _server: object
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def stop(self) -> None:
        self._server.shutdown()  # type: ignore[attr-defined]
        self._server.server_close()  # type: ignore[attr-defined]
        self._thread.join()


def start_http_server(
    port: int, addr: str = "127.0.0.1", registry: CollectorRegistry | None = None
) -> MetricsServer:
    """Serve `registry` (default: the global one) on http://addr:port/metrics in a daemon thread.

    For processes that do not already expose /metrics. Port 0 picks a free port.
    """
    server, thread = _start_http_server(port, addr=addr, registry=REGISTRY if registry is None else registry)
    return MetricsServer(host=addr, port=int(server.server_port), _server=server, _thread=thread)
