"""The loader's metrics over real HTTP, and the names dashboards and alert rules use are the ones exported."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from promptgit.errors import InputValidationError
from promptgit.loader import Repository
from promptgit.observability.exposition import start_http_server
from promptgit.observability.registry import METRIC_NAMES, loader_metrics
from tests.conftest import PromptRepo
from tests.llm.stub_server import StubLLM
from tests.metrics.workload import CANDIDATE, UNTAGGED, Workload, release, release_with_splits

ROOT = Path(__file__).resolve().parents[2]
# identifiers in PromQL that are metric names: everything promptgit exports starts with promptgit_
PROMQL_METRIC = re.compile(r"\bpromptgit_[a-z0-9_]+\b")


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt("content/hook", "1.2.0", body="Hook about {{ topic }}\n")
    # canary splits traffic with a version that was never released: served 1.2.0, counted
    prompt_repo.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.2.0\ncanary:\n  content/hook: {1.2.0: 50, 9.9.9: 50}\n",
    )
    prompt_repo.commit("release")
    prompt_repo.tag_release("content/hook", "1.2.0")
    return prompt_repo


def exercise(root: Path, registry: CollectorRegistry) -> None:
    """Every path that produces a metric: loads, renders, a render error, a fallback, a failed refresh,
    outcomes, and a split assignment to a version that cannot be loaded."""
    clock = Clock()
    repository = Repository(root, registry=registry, clock=clock, cache_ttl=10, fallback={"gone": "Fallback"})
    prompt = repository.get("content/hook@production")
    repository.get("content/hook@production")
    assert {repository.get("content/hook@canary", key=key).version for key in range(20)} == {"1.2.0"}
    repository.record_outcome(prompt, "accepted")
    repository.record_outcome(("content/hook", "1.2.0"), "rating", value=4.5)
    assert prompt.render(topic="bread") == "Hook about bread"
    with pytest.raises(InputValidationError):
        prompt.render()
    repository.get("gone")
    shutil.rmtree(root / ".git")
    clock.now += 11
    repository.get("content/hook@production")
    assert repository.wait_for_refreshes(30)
    repository.get("content/hook@production")


def exported_names(registry: CollectorRegistry) -> set[str]:
    return {sample.name for family in registry.collect() for sample in family.samples}


def names_in_metrics_folder() -> dict[str, set[str]]:
    """Metric names used by each dashboard and the alert rules, parsed out of the PromQL."""
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "metrics" / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text("utf-8"))
        exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
        exprs += [v["query"]["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
        used[path.name] = {name for expr in exprs for name in PROMQL_METRIC.findall(expr)}
    rules = yaml.safe_load((ROOT / "metrics" / "alerts.rules.yml").read_text("utf-8"))
    used["alerts.rules.yml"] = {
        name
        for group in rules["groups"]
        for rule in group["rules"]
        for name in PROMQL_METRIC.findall(rule["expr"])
    }
    return used


def test_every_metric_in_dashboards_and_rules_is_exported(prompt_repo, tmp_path, registry) -> None:
    """The loader's, the call path's and the response cache's metrics, all of them, after two rounds of
    the workload the real-Prometheus test scrapes."""
    live = release_with_splits(prompt_repo)
    doomed = release(PromptRepo(tmp_path / "doomed"), "1.1.0")
    with StubLLM() as stub:
        workload = Workload(live, doomed, registry, stub)
        workload.run_round()
        workload.run_round()
        workload.close()
    # the experiments are really run: both sides of the A/B split served, outcomes and an unavailable one
    for version in ("1.2.0", CANDIDATE):
        served = {"prompt": "content/hook", "version": version}
        assert registry.get_sample_value("promptgit_outcome_value_count", {**served, "outcome": "rating"})
        assert registry.get_sample_value(
            "promptgit_outcome_recorded_total", {**served, "outcome": "accepted"}
        )
    unavailable = {"prompt": "content/hook", "label": "canary", "version": UNTAGGED}
    assert registry.get_sample_value("promptgit_loader_split_unavailable_total", unavailable)
    exported = exported_names(registry)
    assert exported >= METRIC_NAMES  # the documented list is real
    used = names_in_metrics_folder()
    for where, names in used.items():
        assert names, where
        assert names <= exported, (
            f"{where} uses metrics the loader does not export: {sorted(names - exported)}"
        )
    # and every exported metric is shown on a dashboard or alerted on (sums and counts of histograms aside)
    shown = set().union(*used.values())
    unshown = {name for name in METRIC_NAMES - shown if not name.endswith(("_sum", "_count"))}
    assert unshown == set()


def test_scrape_over_http_finds_metrics_with_labels_and_values(released, registry) -> None:
    exercise(released.root, registry)
    server = start_http_server(0, registry=registry)
    try:
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            body = response.read().decode("utf-8")
    finally:
        server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert (
        samples[("promptgit_loader_renders_total", (("prompt", "content/hook"), ("version", "1.2.0")))] == 1
    )
    errors = (("prompt", "content/hook"), ("reason", "invalid_inputs"), ("version", "1.2.0"))
    assert samples[("promptgit_loader_render_errors_total", errors)] == 1
    assert samples[("promptgit_loader_loads_total", (("source", "git"),))] == 2
    assert samples[("promptgit_loader_loads_total", (("source", "cache"),))] == 22
    assert samples[("promptgit_loader_loads_total", (("source", "fallback"),))] == 1
    assert samples[("promptgit_loader_cache_hits_total", (("layer", "resolution"),))] == 22
    assert samples[("promptgit_loader_cache_misses_total", (("layer", "resolution"),))] == 3
    assert samples[("promptgit_loader_cache_entries", (("layer", "resolution"),))] == 2
    assert samples[("promptgit_loader_cache_entries", (("layer", "template"),))] == 1
    assert samples[("promptgit_loader_refresh_failures_total", ())] == 1
    assert samples[("promptgit_loader_fallbacks_total", (("kind", "template"), ("prompt", "gone")))] == 1
    assert (
        samples[
            ("promptgit_loader_fallbacks_total", (("kind", "last_known_good"), ("prompt", "content/hook")))
        ]
        == 1
    )
    version = (("prompt", "content/hook"), ("version", "1.2.0"))
    assert samples[("promptgit_loader_render_duration_seconds_count", version)] == 2
    assert samples[("promptgit_loader_resolve_duration_seconds_count", ())] == 25
    assert (
        samples[
            ("promptgit_loader_rendered_tokens_total", (("prompt", "content/hook"), ("version", "1.2.0")))
        ]
        > 0
    )


def test_repositories_share_one_registry(released, registry) -> None:
    first = Repository(released.root, registry=registry)
    second = Repository(released.root, registry=registry)
    first.get("content/hook")
    second.get("content/hook@1.2.0")
    assert loader_metrics(registry) is loader_metrics(registry)
    assert registry.get_sample_value("promptgit_loader_loads_total", {"source": "git"}) == 2
    assert registry.get_sample_value("promptgit_loader_cache_entries", {"layer": "resolution"}) == 2
    first.close()
    second.close()


def test_serve_metrics_command_serves_until_interrupted(released) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "promptgit",
            "-C",
            str(released.root),
            "serve-metrics",
            "--port",
            "0",
            "--prefetch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "promptgit: prefetched 3 prompt(s)\n"
        line = process.stdout.readline()
        match = re.fullmatch(r"promptgit: serving metrics on (http://127\.0\.0\.1:\d+/metrics)\n", line)
        assert match, line
        with urllib.request.urlopen(match.group(1), timeout=10) as response:
            body = response.read().decode("utf-8")
        assert 'promptgit_loader_loads_total{source="git"} 3.0' in body
        assert 'promptgit_loader_cache_entries{layer="resolution"} 3.0' in body
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr


def test_serve_metrics_on_a_busy_port_is_a_one_line_error(released) -> None:
    server = start_http_server(0, registry=CollectorRegistry())
    try:
        result = subprocess.run(
            [sys.executable, "-m", "promptgit", "serve-metrics", "--port", str(server.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.stop()
    assert result.returncode == 2
    assert result.stderr.startswith(f"promptgit: error: cannot listen on 127.0.0.1:{server.port}: ")
    assert result.stderr.count("\n") == 1
