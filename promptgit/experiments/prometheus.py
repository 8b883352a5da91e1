"""Counts per prompt version over a window, from the Prometheus HTTP API (urllib: no new dependency).

Each count is `sum by (version[, outcome]) (increase(metric{prompt="NAME"}[WINDOW]))`: increase() copes
with counter resets (restarted replicas); like every increase() it extrapolates to the window's edges, and
a series born inside the window loses what it counted before its first scrape. Both are small against a
window of many scrape intervals, which is what an experiment report is for.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from promptgit.errors import ConfigError

WINDOW_PATTERN = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_TIMEOUT = 30.0


class PrometheusError(ConfigError):
    """Prometheus could not be reached, or refused a query (a usage or configuration problem: exit 2)."""


@dataclass
class Counts:
    """What Prometheus counted for one prompt over the window, by version (and outcome)."""

    renders: dict[str, float] = field(default_factory=dict)
    outcomes: dict[tuple[str, str], float] = field(default_factory=dict)  # (version, outcome) -> count
    value_counts: dict[tuple[str, str], float] = field(default_factory=dict)
    value_sums: dict[tuple[str, str], float] = field(default_factory=dict)
    value_squares: dict[tuple[str, str], float] = field(default_factory=dict)


def check_window(window: str) -> str:
    if not WINDOW_PATTERN.match(window):
        raise ConfigError(f"--window {window!r}: a Prometheus duration such as 30m, 1h, 7d")
    return window


def read_counts(url: str, prompt: str, window: str, matchers: str = "") -> Counts:
    """Renders, outcomes and outcome values of `prompt` by version over `window`, from Prometheus at `url`.

    `matchers` are extra label matchers for every query (`job="api"`).
    """
    check_window(window)
    selector = f'prompt="{_escaped(prompt)}"' + (f", {matchers}" if matchers.strip() else "")

    def query(metric: str, by: str) -> list[dict[str, Any]]:
        return instant_query(url, f"sum by ({by}) (increase({metric}{{{selector}}}[{window}]))")

    counts = Counts()
    for item in query("promptgit_loader_renders_total", "version"):
        counts.renders[item["metric"].get("version", "")] = _value(item)
    for metric, target in (
        ("promptgit_outcome_recorded_total", counts.outcomes),
        ("promptgit_outcome_value_count", counts.value_counts),
        ("promptgit_outcome_value_sum", counts.value_sums),
        ("promptgit_outcome_value_squares_total", counts.value_squares),
    ):
        for item in query(metric, "version, outcome"):
            labels = item["metric"]
            target[(labels.get("version", ""), labels.get("outcome", ""))] = _value(item)
    return counts


def instant_query(url: str, expr: str) -> list[dict[str, Any]]:
    """The instant vector of `expr` at Prometheus `url` (its base URL); PrometheusError otherwise."""
    address = f"{url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    if not address.startswith(("http://", "https://")):
        raise PrometheusError(f"--prometheus {url!r}: an http:// or https:// URL")
    try:
        with urllib.request.urlopen(address, timeout=_TIMEOUT) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            raise PrometheusError(f"Prometheus at {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PrometheusError(f"cannot query Prometheus at {url}: {reason}") from None
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error", "unexpected answer") if isinstance(body, dict) else "unexpected answer"
        raise PrometheusError(f"Prometheus at {url} refused {expr!r}: {error}")
    data = body.get("data", {})
    if data.get("resultType") != "vector":
        raise PrometheusError(f"Prometheus at {url}: {expr!r} is not an instant vector")
    return list(data.get("result", []))


def _value(item: dict[str, Any]) -> float:
    try:
        value = float(item["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return 0.0
    return value if value == value else 0.0  # NaN (0/0 of an empty window) counts as nothing


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
