"""Counts per prompt version over a window, from the Prometheus HTTP API (urllib: no new dependency).

Each count is `sum by (version[, outcome]) (increase(metric{prompt="NAME"}[WINDOW]))`: increase() copes
with counter resets (restarted replicas); like every increase() it extrapolates to the window's edges, and
a series born inside the window loses what it counted before its first scrape. Both are small against a
window of many scrape intervals, which is what an experiment report is for.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from promptgit.errors import ConfigError
from promptgit.format.quoting import printable, quoted

WINDOW_PATTERN = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
DEFAULT_TIMEOUT = 30.0  # seconds for all the queries of one report together
MAX_ANSWER_BYTES = 4 * 2**20  # an instant vector by version and outcome is a few kilobytes
MAX_COUNT = 2.0**53  # above this a float no longer counts in ones: not a count of renders or outcomes


class PrometheusError(ConfigError):
    """Prometheus could not be reached, or refused a query (a usage or configuration problem: exit 2)."""


@dataclass
class Counts:
    """What Prometheus counted for one prompt over the window, by version (and outcome)."""

    renders: dict[str, float] = field(default_factory=dict)
    assignments: dict[str, float] = field(default_factory=dict)  # keys first assigned to each version
    outcomes: dict[tuple[str, str], float] = field(default_factory=dict)  # (version, outcome) -> count
    value_counts: dict[tuple[str, str], float] = field(default_factory=dict)
    value_sums: dict[tuple[str, str], float] = field(default_factory=dict)
    value_squares: dict[tuple[str, str], float] = field(default_factory=dict)


def check_window(window: str) -> str:
    if not WINDOW_PATTERN.match(window):
        raise ConfigError(f"--window {window!r}: a Prometheus duration such as 30m, 1h, 7d")
    return window


def read_counts(
    url: str,
    prompt: str,
    window: str,
    matchers: str = "",
    *,
    label: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Counts:
    """Renders, outcomes and outcome values of `prompt` by version over `window`, from Prometheus at `url`.

    `matchers` are extra label matchers for every query (`job="api"`); `label` narrows the first
    assignments to the split under that label; `timeout` bounds all the queries together (seconds).
    PrometheusError when Prometheus cannot be asked or answers something unexpected.
    """
    check_window(window)
    selector = f'prompt="{_escaped(prompt)}"' + (f", {matchers}" if matchers.strip() else "")
    deadline = time.monotonic() + timeout

    def query(metric: str, by: str, narrower: str = "") -> list[tuple[dict[str, str], float]]:
        expr = f"sum by ({by}) (increase({metric}{{{selector}{narrower}}}[{window}]))"
        return instant_query(url, expr, deadline=deadline, timeout=timeout)

    counts = Counts()
    for labels, value in query("promptgit_loader_renders_total", "version"):
        counts.renders[labels.get("version", "")] = value
    of_label = f', label="{_escaped(label)}"' if label is not None else ""
    for labels, value in query("promptgit_loader_split_assignments_total", "version", of_label):
        counts.assignments[labels.get("version", "")] = value
    for metric, target in (
        ("promptgit_outcome_recorded_total", counts.outcomes),
        ("promptgit_outcome_value_count", counts.value_counts),
        ("promptgit_outcome_value_sum", counts.value_sums),
        ("promptgit_outcome_value_squares_total", counts.value_squares),
    ):
        for labels, value in query(metric, "version, outcome"):
            target[(labels.get("version", ""), labels.get("outcome", ""))] = value
    return counts


def instant_query(
    url: str, expr: str, *, deadline: float | None = None, timeout: float = DEFAULT_TIMEOUT
) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of each sample of the instant vector `expr` at Prometheus `url` (its base URL).

    Prometheus is a peer: its answer must have the API's shape, fit MAX_ANSWER_BYTES and arrive before
    `deadline` (time.monotonic(); default `timeout` seconds from now), and each value must be a count (a
    finite number, not negative, below 2**53). PrometheusError (exit 2) otherwise, in one line.
    """
    address = f"{url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    if not address.startswith(("http://", "https://")):
        raise PrometheusError(f"--prometheus {url!r}: an http:// or https:// URL")
    deadline = time.monotonic() + timeout if deadline is None else deadline
    status, raw = _fetch_before(address, url, deadline, timeout)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        if status != 200:
            raise PrometheusError(f"Prometheus at {url}: HTTP {status}") from None
        raise _unexpected(url, "not JSON") from None
    if isinstance(body, dict) and body.get("status") == "error":
        error = printable(quoted(str(body.get("error", "")))) if "error" in body else "no reason given"
        raise PrometheusError(f"Prometheus at {url} refused {expr!r}: {error}")
    if not isinstance(body, dict) or body.get("status") != "success":
        raise _unexpected(url, "no `status: success`")
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector":
        raise _unexpected(url, f"{expr!r} is not an instant vector")
    result = data.get("result")
    if not isinstance(result, list):
        raise _unexpected(url, "`data.result` is not a list")
    return [_sample(url, item) for item in result]


def _fetch_before(address: str, url: str, deadline: float, timeout: float) -> tuple[int, bytes]:
    """(HTTP status, body) of a GET of `address`, read whole before `deadline` and within the size cap.

    A socket timeout bounds each read, not the whole answer (a server sending a byte a second would never
    end), so the exchange runs in a daemon thread that this one stops waiting for at the deadline; the
    thread itself stops reading at the deadline or the cap, whichever comes first.
    """
    outcome: list[tuple[int, bytes] | BaseException] = []

    def fetch() -> None:
        try:
            outcome.append(_read(address, deadline))
        except BaseException as exc:  # handed to the waiting thread, which decides what it means
            outcome.append(exc)

    worker = threading.Thread(target=fetch, name="promptgit-prometheus-query", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if not outcome:
        raise PrometheusError(f"Prometheus at {url} did not answer within {timeout:g} s")
    found = outcome[0]
    if isinstance(found, _TooLarge):
        raise _unexpected(url, f"larger than {MAX_ANSWER_BYTES // 2**20} MiB")
    if isinstance(found, _TooSlow):
        raise PrometheusError(f"Prometheus at {url} did not answer within {timeout:g} s")
    if isinstance(found, (urllib.error.URLError, OSError, ValueError, http.client.HTTPException)):
        reason = printable(quoted(str(getattr(found, "reason", found))))
        raise PrometheusError(f"cannot query Prometheus at {url}: {reason}")
    if isinstance(found, BaseException):
        raise found
    return found


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


def _read(address: str, deadline: float) -> tuple[int, bytes]:
    try:
        response = urllib.request.urlopen(address, timeout=max(0.1, deadline - time.monotonic()))
    except urllib.error.HTTPError as exc:
        response = exc  # Prometheus answers a refused query with 400 or 422 and a JSON body
    with response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(65536) if hasattr(response, "read1") else response.read(65536):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _TooLarge
            if time.monotonic() > deadline:
                raise _TooSlow
            chunks.append(chunk)
        return int(getattr(response, "status", None) or response.getcode() or 0), b"".join(chunks)


def _unexpected(url: str, what: str) -> PrometheusError:
    return PrometheusError(f"unexpected answer from Prometheus at {url}: {what}")


def _sample(url: str, item: Any) -> tuple[dict[str, str], float]:
    """One sample of an instant vector: its labels and its value, a count."""
    if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
        raise _unexpected(url, f"a sample is not {{metric, value}}: {printable(quoted(item))}")
    labels = item["metric"]
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in labels.items()):
        raise _unexpected(url, f"labels that are not strings: {printable(quoted(labels))}")
    pair = item.get("value")
    if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
        raise _unexpected(url, f'a value is not [time, "number"]: {printable(quoted(pair))}')
    try:
        value = float(pair[1])
    except ValueError:
        raise _unexpected(url, f"a value is not a number: {printable(quoted(pair[1]))}") from None
    if value != value:
        return labels, 0.0  # NaN (0/0 of an empty window) counts as nothing
    if not 0 <= value < MAX_COUNT:
        raise _unexpected(url, f"{quoted(pair[1])} is not a count (finite, not negative, below 2**53)")
    return labels, value


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
