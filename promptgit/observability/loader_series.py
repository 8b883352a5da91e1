"""The loader's series (`promptgit_loader_*`) and the process's `promptgit_build_info`.

The hot ones update every series of one get() or one render under one lock (LookupMetrics, RenderSeries);
the rare ones are counting.Counter. The children of a prompt version's render errors and fallbacks, and
its outcomes, are created when the loader first serves that version (`RenderMetrics.series`), so that
dashboards read 0 for a version that never failed rather than "No data".
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from promptgit import __version__
from promptgit.observability import catalogue
from promptgit.observability.counting import Counter, bucket_index, cumulative, family_of
from promptgit.observability.outcome_series import OutcomeMetrics

if TYPE_CHECKING:
    from prometheus_client.core import Metric

# latencies of a warm render are tens of microseconds; a cold git read is milliseconds
LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class LookupCells:
    """Loads by source, cache hits and misses by layer: the counts of one Repository, or of the ones gone."""

    __slots__ = ("hits", "loads", "misses")

    def __init__(self) -> None:
        self.loads = dict.fromkeys(catalogue.LOAD_SOURCES, 0)
        self.hits = dict.fromkeys(catalogue.CACHE_LAYERS, 0)
        self.misses = dict.fromkeys(catalogue.CACHE_LAYERS, 0)

    def add(self, other: LookupCells) -> None:
        for mine, theirs in ((self.loads, other.loads), (self.hits, other.hits), (self.misses, other.misses)):
            for name, count in theirs.items():
                mine[name] = mine.get(name, 0) + count


class LookupMetrics:
    """Loads by source, cache hits, misses and evictions by layer, and get() latency, behind one lock.

    Each Repository counts in its own LookupShard, which its stats() reads back: every event is counted
    once, and the series are the sum over the shards at scrape time (plus what dropped repositories
    counted, so that no series goes down). Evictions are counted here directly: stats() reads
    them from the caches themselves.
    """

    SOURCES = catalogue.LOAD_SOURCES
    LAYERS = catalogue.CACHE_LAYERS

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.lock = self._lock
        self._created = time.time()
        self._gone = LookupCells()  # what dropped shards counted
        self._shards: dict[int, LookupCells] = {}
        self._dropped: list[int] = []  # shards garbage-collected since the last fold (see counting.Counter)
        self._numbers = itertools.count()
        self._evictions = dict.fromkeys(self.LAYERS, 0)
        self._buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self._seconds = 0.0

    def shard(self) -> LookupShard:
        """The counts of one Repository: counted once, read back by its stats(), summed in the series."""
        cells = LookupCells()
        shard = LookupShard(self, cells)
        with self._lock:
            number = next(self._numbers)
            self._shards[number] = cells
        weakref.finalize(shard, self._dropped.append, number)
        return shard

    def observe(self, index: int, seconds: float) -> None:
        """A get() latency in bucket `index`; the caller holds the lock."""
        self._buckets[index] += 1
        self._seconds += seconds

    def totals(self) -> LookupCells:
        with self._lock:
            while self._dropped:
                self._gone.add(self._shards.pop(self._dropped.pop(), LookupCells()))
            total = LookupCells()
            total.add(self._gone)
            for cells in self._shards.values():
                total.add(cells)
            return total

    def evicted(self, layer: str, count: int) -> None:
        """Cache `layer` forgot `count` entries to stay within its bound."""
        with self._lock:
            self._evictions[layer] += count

    def collect(self) -> Iterator[Metric]:
        total = self.totals()
        with self._lock:
            buckets, seconds = list(self._buckets), self._seconds
            evictions = dict(self._evictions)
        for spec, values in (
            (catalogue.LOADER_LOADS, total.loads),
            (catalogue.LOADER_CACHE_HITS, total.hits),
            (catalogue.LOADER_CACHE_MISSES, total.misses),
            (catalogue.LOADER_CACHE_EVICTIONS, evictions),
        ):
            family = family_of(spec)
            for value, count in values.items():
                family.add_metric([value], count, created=self._created)
            yield family
        histogram = family_of(catalogue.LOADER_RESOLVE_DURATION)
        histogram.add_metric([], cumulative(LATENCY_BUCKETS, buckets), seconds)
        yield histogram

    def describe(self) -> Iterator[Metric]:
        for spec in (
            catalogue.LOADER_LOADS,
            catalogue.LOADER_CACHE_HITS,
            catalogue.LOADER_CACHE_MISSES,
            catalogue.LOADER_CACHE_EVICTIONS,
        ):
            yield family_of(spec)
        yield family_of(catalogue.LOADER_RESOLVE_DURATION)


class LookupShard:
    """One Repository's part of LookupMetrics; each call takes the metrics' one lock once."""

    __slots__ = ("__weakref__", "_cells", "_metrics")

    def __init__(self, metrics: LookupMetrics, cells: LookupCells) -> None:
        self._metrics, self._cells = metrics, cells

    def cache_hit(self, seconds: float) -> None:
        """get() answered from the resolution cache in `seconds` (the hot path: one lock)."""
        index = bucket_index(LATENCY_BUCKETS, seconds)
        cells, metrics = self._cells, self._metrics
        with metrics.lock:
            cells.hits["resolution"] += 1
            cells.loads["cache"] += 1
            metrics._buckets[index] += 1  # observe(), inlined on the hot path
            metrics._seconds += seconds

    def loaded(self, source: str, seconds: float) -> None:
        """get() returned a prompt from `source` (cache, git or fallback) in `seconds`."""
        index = bucket_index(LATENCY_BUCKETS, seconds)
        with self._metrics.lock:
            self._cells.loads[source] += 1
            self._metrics.observe(index, seconds)

    def lookup(self, layer: str, hit: bool) -> None:
        """A lookup in cache `layer` (resolution or template)."""
        with self._metrics.lock:
            (self._cells.hits if hit else self._cells.misses)[layer] += 1

    def counts(self) -> LookupCells:
        """A copy of this shard's counts."""
        copy = LookupCells()
        with self._metrics.lock:
            copy.add(self._cells)
        return copy


class RenderSeries:
    """The render metrics of one prompt version; a render updates them all under one lock."""

    __slots__ = ("_lock", "_owed", "buckets", "created", "prompt", "renders", "seconds", "tokens", "version")

    def __init__(self, prompt: str, version: str) -> None:
        self.prompt = prompt
        self.version = version
        self.created = time.time()
        self._lock = threading.Lock()
        self.renders = 0
        self.tokens = 0
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.seconds = 0.0
        self._owed: list[Callable[[], None]] = []

    def owe(self, settle: Callable[[], None]) -> None:
        """`settle` adds tokens counted later (see loader/loaded.py); a scrape calls it first."""
        with self._lock:
            self._owed.append(settle)

    def add_tokens(self, tokens: int) -> None:
        with self._lock:
            self.tokens += tokens

    def rendered(self, seconds: float, tokens: int) -> None:
        """A successful render that took `seconds` and made about `tokens` tokens."""
        index = bucket_index(LATENCY_BUCKETS, seconds)
        with self._lock:
            self.renders += 1
            self.tokens += tokens
            self.buckets[index] += 1
            self.seconds += seconds

    def failed(self, seconds: float) -> None:
        """A failed render: its latency counts, the render and tokens do not."""
        index = bucket_index(LATENCY_BUCKETS, seconds)
        with self._lock:
            self.buckets[index] += 1
            self.seconds += seconds

    def snapshot(self) -> tuple[int, int, list[int], float]:
        with self._lock:
            owed, self._owed = self._owed, []
        for settle in owed:
            settle()
        with self._lock:
            return self.renders, self.tokens, list(self.buckets), self.seconds


class RenderMetrics:
    """Renders, rendered tokens and the render latency histogram, all by {prompt, version}.

    `on_first_use(prompt, version)` runs once per prompt version, when the loader first serves it: it
    creates that version's other children (errors, fallbacks, outcomes) at 0.
    """

    _FAMILIES = (catalogue.LOADER_RENDERS, catalogue.LOADER_RENDERED_TOKENS, catalogue.LOADER_RENDER_DURATION)

    def __init__(self, on_first_use: Callable[[str, str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], RenderSeries] = {}
        self._on_first_use = on_first_use

    def series(self, prompt: str, version: str) -> RenderSeries:
        """The series of one prompt version, shared by every Repository on the registry; bind it once."""
        with self._lock:
            found = self._series.get((prompt, version))
            if found is not None:
                return found
            found = self._series[(prompt, version)] = RenderSeries(prompt, version)
        if self._on_first_use is not None:
            self._on_first_use(prompt, version)
        return found

    def served(self, prompt: str, version: str) -> bool:
        """Whether the loader has served this prompt version on this registry."""
        with self._lock:
            return (prompt, version) in self._series

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            series = list(self._series.values())
        renders, tokens, histogram = (family_of(spec) for spec in self._FAMILIES)
        for one in series:
            count, token_count, buckets, seconds = one.snapshot()
            renders.add_metric([one.prompt, one.version], count, created=one.created)
            tokens.add_metric([one.prompt, one.version], token_count, created=one.created)
            histogram.add_metric([one.prompt, one.version], cumulative(LATENCY_BUCKETS, buckets), seconds)
        yield renders
        yield tokens
        yield histogram

    def describe(self) -> Iterator[Metric]:
        for spec in self._FAMILIES:
            yield family_of(spec)


class CacheSizes(Protocol):
    def cache_sizes(self) -> Mapping[str, int]: ...


class CacheEntriesCollector:
    """`promptgit_loader_cache_entries{layer}`: summed at scrape time over the live repositories."""

    def __init__(self) -> None:
        self._sources: weakref.WeakSet[CacheSizes] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, source: CacheSizes) -> None:
        with self._lock:
            self._sources.add(source)

    def collect(self) -> Iterator[Metric]:
        totals = dict.fromkeys(catalogue.CACHE_LAYERS, 0)
        with self._lock:
            sources = list(self._sources)
        for source in sources:
            for layer, size in source.cache_sizes().items():
                totals[layer] = totals.get(layer, 0) + size
        family = family_of(catalogue.LOADER_CACHE_ENTRIES)
        for layer, size in sorted(totals.items()):
            family.add_metric([layer], size)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(catalogue.LOADER_CACHE_ENTRIES)


class BuildInfoCollector:
    """`promptgit_build_info{version}` = 1: which promptgit a replica runs."""

    def collect(self) -> Iterator[Metric]:
        family = family_of(catalogue.BUILD_INFO)
        family.add_metric([__version__], 1)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(catalogue.BUILD_INFO)


class ServesCommit(Protocol):
    ref: str

    def served_commit(self) -> str | None: ...


class CommitCollector:
    """`promptgit_loader_commit_info{ref, commit}` = 1: the commit each live repository's ref resolved
    to at its last refresh, read at scrape time; a ref that moves replaces its series (one per ref)."""

    def __init__(self) -> None:
        self._sources: weakref.WeakSet[ServesCommit] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, source: ServesCommit) -> None:
        with self._lock:
            self._sources.add(source)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            sources = list(self._sources)
        served = {(source.ref, commit) for source in sources if (commit := source.served_commit())}
        family = family_of(catalogue.LOADER_COMMIT_INFO)
        for ref, commit in sorted(served):
            family.add_metric([ref, commit], 1)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(catalogue.LOADER_COMMIT_INFO)


class DescribesLabels(Protocol):
    def describe(self, label: str | None = None) -> list[dict[str, Any]]: ...


class LabelCollector:
    """`promptgit_loader_label_info{label, prompt, version, weight}` = 1: what each label of each live
    repository serves (Repository.describe), read at scrape time from the labels file at the served
    commit (parsed once per content); a repository that cannot say is left out of that scrape."""

    def __init__(self) -> None:
        self._sources: weakref.WeakSet[DescribesLabels] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, source: DescribesLabels) -> None:
        with self._lock:
            self._sources.add(source)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            sources = list(self._sources)
        rows: set[tuple[str, str, str, str]] = set()
        for source in sources:
            try:
                described = source.describe()
            except Exception:  # a scrape must not fail for one unreadable repository
                continue
            rows.update(
                (row["label"], row["prompt"], row["version"], str(row["weight"])) for row in described
            )
        family = family_of(catalogue.LOADER_LABEL_INFO)
        for row in sorted(rows):
            family.add_metric(list(row), 1)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(catalogue.LOADER_LABEL_INFO)


@dataclass(frozen=True)
class LoaderMetrics:
    """The loader's series on one registry; label values are listed in docs/observability.md."""

    lookups: LookupMetrics  # loads{source}, cache hits and misses{layer}, resolve latency
    renders: RenderMetrics  # renders and tokens{prompt, version}, render latency{prompt, version}
    cache_entries: CacheEntriesCollector
    commits: CommitCollector  # promptgit_loader_commit_info{ref, commit}
    labels: LabelCollector  # promptgit_loader_label_info{label, prompt, version, weight}
    render_errors: Counter  # prompt, version, reason: catalogue.RENDER_ERROR_REASONS
    refresh_failures: Counter
    fallbacks: Counter  # prompt, kind: last_known_good | template
    split_unavailable: Counter  # prompt, label, version: split assignments to a version not loadable
    split_assignments: Counter  # prompt, label, version: first assignments of a key (loader/variants.py)
    # prompt, label: a label naming a release tag the repository lacks (served from last-known-good)
    label_tag_missing: Counter
    outcomes: OutcomeMetrics  # the outcome series (outcome_series.py), bounded by the versions served
    disk_rejects: Counter  # reason: catalogue.DISK_CACHE_REJECT_REASONS

    @classmethod
    def create(cls) -> LoaderMetrics:
        outcomes = OutcomeMetrics()
        render_errors = Counter(catalogue.LOADER_RENDER_ERRORS)
        fallbacks = Counter(catalogue.LOADER_FALLBACKS)

        def first_use(prompt: str, version: str) -> None:
            for reason in catalogue.RENDER_ERROR_REASONS:
                render_errors.labels(prompt=prompt, version=version, reason=reason)
            for kind in catalogue.FALLBACK_KINDS:
                fallbacks.labels(prompt=prompt, kind=kind)
            outcomes.served(prompt, version)

        disk_rejects = Counter(catalogue.LOADER_DISK_CACHE_REJECTS)
        for reason in catalogue.DISK_CACHE_REJECT_REASONS:  # from the start: an alert sees the first one
            disk_rejects.labels(reason=reason)
        return cls(
            lookups=LookupMetrics(),
            renders=RenderMetrics(first_use),
            cache_entries=CacheEntriesCollector(),
            commits=CommitCollector(),
            labels=LabelCollector(),
            render_errors=render_errors,
            refresh_failures=Counter(catalogue.LOADER_REFRESH_FAILURES),
            fallbacks=fallbacks,
            split_unavailable=Counter(catalogue.LOADER_SPLIT_UNAVAILABLE),
            split_assignments=Counter(catalogue.LOADER_SPLIT_ASSIGNMENTS),
            label_tag_missing=Counter(catalogue.LOADER_LABEL_TAG_MISSING),
            outcomes=outcomes,
            disk_rejects=disk_rejects,
        )

    def disk_rejected(self, reason: str) -> None:
        """A compiled-prompt cache entry was refused (diskcache.CompiledCache's `on_reject`)."""
        self.disk_rejects.labels(reason=reason).inc()

    def collectors(self) -> tuple[Any, ...]:
        return (
            self.cache_entries,
            self.commits,
            self.labels,
            self.lookups,
            self.renders,
            self.render_errors,
            self.refresh_failures,
            self.fallbacks,
            self.split_unavailable,
            self.split_assignments,
            self.label_tag_missing,
            self.outcomes,
            self.disk_rejects,
        )
