"""What each replica serves, for dashboards: the promptgit version and the commit of each repository's ref.

`promptgit_info{version}` = 1 and `promptgit_repository_commit_info{ref, commit}` = 1, read at scrape time
(prometheus_client is imported only then, as for every loader collector).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from promptgit import __version__

if TYPE_CHECKING:
    from prometheus_client.core import Metric


class BuildInfoCollector:
    """`promptgit_info{version}` = 1: which promptgit a replica runs."""

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("promptgit_info", "The promptgit serving prompts", labels=["version"])
        family.add_metric([__version__], 1)
        yield family

    def describe(self) -> Iterator[Metric]:
        return self.collect()


class ServesCommit(Protocol):
    ref: str

    def served_commit(self) -> str | None: ...


class CommitCollector:
    """`promptgit_repository_commit_info{ref, commit}` = 1: the commit each live repository's ref resolved
    to at its last refresh, read at scrape time; a ref that moves replaces its series (one per ref)."""

    NAME = "promptgit_repository_commit_info"
    HELP = "The commit a repository's ref resolved to at its last refresh (value 1)"

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
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["ref", "commit"])
        for ref, commit in sorted(served):
            family.add_metric([ref, commit], 1)
        yield family

    def describe(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["ref", "commit"])
