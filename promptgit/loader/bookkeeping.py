"""What a Repository did, told twice: in its shard of the loader's metric series, and in structured logs.

`stats()` reads the Repository's shard of the series (observability/loader_series.py, counting.Counter):
each event is counted once, and the registry's series sum the shards of all its repositories.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from promptgit.errors import LabelTagMissingError
from promptgit.loader.caches import Freshness
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.bounds import clip
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.observability.logs import RateLimitedLog
from promptgit.store.releases import release_tag

# a label left naming a missing tag is met by every refresh of every replica: warn once per this many seconds
TAG_MISSING_LOG_SECONDS = 300.0


class Bookkeeping:
    """Records lookups, loads, fallbacks and git failures of one Repository (thread-safe, cheap on hits)."""

    def __init__(self, metrics: LoaderMetrics, log: logging.Logger) -> None:
        self.metrics = metrics
        self.log = log
        # one warning per prompt a minute: a service whose label entry is gone serves every request from
        # the fallback, and one line per request buries everything else in its logs
        self.fallback_log = RateLimitedLog(log)
        self.lookups = metrics.lookups.shard()  # loads, cache hits and misses (the compiler's too)
        self.refresh_failures = metrics.refresh_failures.shard()
        self.last_known_good = (
            metrics.fallbacks.shard()
        )  # kind=last_known_good; templates count in fallbacks.py
        self.known_names: set[str] = set()  # prompts get() has loaded: their fallbacks keep their name
        # no series counts stale serves (the loads series says "cache"): this one count is stats()' own
        self._stale = 0
        self._stale_lock = threading.Lock()
        self._lock = threading.Lock()  # the warnings below: bounded memories of what was logged
        self._tag_missing_logged: dict[tuple[str, str], float] = {}  # (label, prompt) -> last warning
        self._yank_warned: set[str] = set()  # selectors already warned about serving a yanked release

    def fresh_hit(self, selector: str, prompt: LoadedPrompt, start: float) -> None:
        """get() answered `selector` from a fresh resolution-cache entry (the hot path: one lock)."""
        self.lookups.cache_hit(time.perf_counter() - start)
        if self.log.isEnabledFor(logging.DEBUG):
            self._log(logging.DEBUG, selector, prompt, "cache", time.perf_counter() - start)

    def lookup(self, name: str, freshness: Freshness) -> None:
        """A resolution-cache lookup for prompt `name` and how it was answered."""
        self.lookups.lookup("resolution", hit=freshness is not Freshness.MISS)
        if freshness is Freshness.STALE:
            with self._stale_lock:
                self._stale += 1
        elif freshness is Freshness.LAST_KNOWN_GOOD:
            self.last_known_good.labels(prompt=name, kind="last_known_good").inc()

    def loaded(self, selector: str, prompt: LoadedPrompt, source: str, start: float) -> None:
        """get() returned `prompt` from `source` (cache, git or fallback); `start` is its perf_counter."""
        elapsed = time.perf_counter() - start
        self.lookups.loaded(source, elapsed)
        if source != "fallback":
            self.known_names.add(prompt.name)  # real prompts only: bounded by the repository, not callers
        level = logging.DEBUG if source == "cache" else logging.INFO
        if self.log.isEnabledFor(level):
            self._log(level, selector, prompt, source, elapsed)

    def _log(self, level: int, selector: str, prompt: LoadedPrompt, source: str, elapsed: float) -> None:
        self.log.log(
            level,
            "loaded %s@%s from %s",
            prompt.name,
            prompt.version,
            source,
            extra={
                "prompt": prompt.name,
                "version": prompt.version,
                "selector": selector,
                "source": source,
                "duration_ms": round(elapsed * 1000, 3),
                "commit": prompt.commit,
            },
        )

    def fallback(self, name: str, selector: str, exc: Exception) -> None:
        """The fallback template is served for `name` because of `exc` (counted as a load from "fallback")."""
        self.fallback_log.warning(
            name if name in self.known_names else "_unknown",  # callers choose names: one budget for those
            "serving the fallback template: %s",
            clip(str(exc)),
            extra={"prompt": name, "selector": selector, "source": "fallback"},
        )

    def failure(self, exc: Exception, fields: dict[str, str]) -> None:
        """A git read or fetch failed; `fields` say for what (selector and prompt, or remote)."""
        self.refresh_failures.inc()
        self.log.warning(
            "git read failed, serving last-known-good where cached: %s",
            clip(str(exc)),
            extra={**fields, "failed": "git"},
        )

    def tag_missing(self, exc: LabelTagMissingError, now: float) -> None:
        """A label names a release tag the repository lacks: counted every time, logged as a warning at
        most once per label and prompt per TAG_MISSING_LOG_SECONDS (every refresh meets it again)."""
        self.metrics.label_tag_missing.labels(prompt=exc.name, label=exc.label).inc()
        key = (exc.label, exc.name)
        with self._lock:
            if len(self._tag_missing_logged) >= 4096:
                self._tag_missing_logged.clear()
            last = self._tag_missing_logged.get(key)
            if last is not None and now - last < TAG_MISSING_LOG_SECONDS:
                return
            self._tag_missing_logged[key] = now
        tag = release_tag(exc.name, exc.version)
        self.log.warning(
            "label %s of %s names %s, but tag %s is not in the repository (pushed without its tag?): "
            "serving last-known-good; git push origin %s fixes it",
            exc.label,
            exc.name,
            exc.version,
            tag,
            tag,
            extra={"prompt": exc.name, "label": exc.label, "version": exc.version},
        )

    def yanked_pin(self, selector: str, name: str, version: str, reason: str) -> None:
        """An exact pin or a label resolved to a yanked release: served (PyPI's semantics), warned once
        per selector (bounded: at most 4096 remembered)."""
        with self._lock:
            if selector in self._yank_warned:
                return
            if len(self._yank_warned) >= 4096:
                self._yank_warned.clear()
            self._yank_warned.add(selector)
        why = f" ({reason})" if reason else ""
        self.log.warning(
            "%s %s is yanked%s; served because %s pins it",
            name,
            version,
            why,
            selector,
            extra={"prompt": name, "version": version, "selector": selector, "yanked": reason},
        )

    def stats(self, entries: dict[str, int]) -> dict[str, Any]:
        """Repository.stats(), read from this Repository's shard of the series: hits, misses, hit_rate,
        stale, last_known_good, fallbacks, refresh_failures, entries, template hits and misses."""
        counts = self.lookups.counts()
        hits, misses = counts.hits["resolution"], counts.misses["resolution"]
        with self._stale_lock:
            stale = self._stale
        return {
            "hits": hits,
            "misses": misses,
            "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
            "stale": stale,
            "last_known_good": round(self.last_known_good.total(kind="last_known_good")),
            "fallbacks": counts.loads["fallback"],
            "refresh_failures": round(self.refresh_failures.total()),
            "entries": entries,
            "template_hits": counts.hits["template"],
            "template_misses": counts.misses["template"],
        }
