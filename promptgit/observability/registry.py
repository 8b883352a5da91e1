"""One memo of promptgit's series per Prometheus registry: `metrics_for(registry)`.

Nothing is registered at import time. The first `Repository`, `ResponseCache` or `complete()` on a
registry creates every promptgit series for it (loader, call path, response cache, outcomes: catalogue.py)
and registers them together; every later one gets the same object, so several of each share one registry
(the default global one, typically) without duplicate-timeseries errors. `loader_metrics`, `llm_metrics`
and `cache_metrics` are the parts their callers use.

Counting never needs prometheus_client (counting.py). An explicit registry is registered at once (whoever
made it has prometheus_client loaded); so is the global one when prometheus_client is already imported.
Otherwise the global registration runs on a background thread a moment after first use, off the path of
the first get() and render() of a cold start, and again in a child process forked before it ran.
Counting starts at once either way: nothing is lost, only a scrape within that first moment would not
see promptgit yet.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptgit.observability.catalogue import METRIC_NAMES
from promptgit.observability.llm_series import LLMMetrics
from promptgit.observability.loader_series import BuildInfoCollector, LoaderMetrics
from promptgit.observability.response_cache_series import CacheMetrics

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = [
    "METRIC_NAMES",
    "Metrics",
    "cache_metrics",
    "llm_metrics",
    "loader_metrics",
    "metrics_for",
    "register_default",
    "wait_registered",
]


@dataclass(frozen=True)
class Metrics:
    """Every promptgit series on one registry."""

    loader: LoaderMetrics
    llm: LLMMetrics
    response_cache: CacheMetrics
    build_info: BuildInfoCollector

    @classmethod
    def create(cls) -> Metrics:
        return cls(LoaderMetrics.create(), LLMMetrics.create(), CacheMetrics.create(), BuildInfoCollector())

    def collectors(self) -> tuple[Any, ...]:
        return (
            self.build_info,
            *self.loader.collectors(),
            *self.llm.collectors(),
            *self.response_cache.collectors(),
        )


# seconds between first use on the global registry and registering there, when prometheus_client is not
# loaded yet: long enough to keep the import off a cold start's first answer
DEFERRED_REGISTRATION_SECONDS = 1.0

_registry_lock = threading.Lock()
_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, Metrics] = weakref.WeakKeyDictionary()
_default: Metrics | None = None
_default_registered = threading.Event()
_registration_lock = threading.Lock()


def metrics_for(registry: CollectorRegistry | None = None) -> Metrics:
    """Every promptgit series of `registry` (default: prometheus_client's global REGISTRY, see above)."""
    global _default
    with _registry_lock:
        if registry is not None:
            found = _by_registry.get(registry)
            if found is None:
                found = _by_registry[registry] = Metrics.create()
                _register(found, registry)
            return found
        if _default is None:
            _default = Metrics.create()
            if "prometheus_client" in sys.modules:
                register_default()
            else:
                _schedule_default_registration()
        return _default


def loader_metrics(registry: CollectorRegistry | None = None) -> LoaderMetrics:
    """The loader's series on `registry` (see metrics_for)."""
    return metrics_for(registry).loader


def llm_metrics(registry: CollectorRegistry | None = None) -> LLMMetrics:
    """The call path's series on `registry` (see metrics_for)."""
    return metrics_for(registry).llm


def cache_metrics(registry: CollectorRegistry | None = None) -> CacheMetrics:
    """The response cache's series on `registry` (see metrics_for)."""
    return metrics_for(registry).response_cache


def register_default() -> None:
    """Register the global registry's series now if they are pending (servers call this first)."""
    with _registration_lock:
        if _default is None or _default_registered.is_set():
            return
        from prometheus_client import REGISTRY

        _register(_default, REGISTRY)
        _default_registered.set()


def wait_registered(timeout: float) -> bool:
    """Whether the global registry's series are registered within `timeout` seconds (for tests)."""
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


def _register(metrics: Metrics, registry: CollectorRegistry) -> None:
    for collector in metrics.collectors():
        registry.register(collector)
