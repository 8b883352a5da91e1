"""metrics/: alert rules pass promtool (syntax and unit tests), dashboards are importable Grafana JSON."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
METRICS = ROOT / "metrics"
RULES = METRICS / "alerts.rules.yml"
DASHBOARDS = sorted((METRICS / "dashboards").glob("*.json"))
PROMTOOL = shutil.which("promtool")  # Debian package prometheus; .ci/run installs it

# Grafana's variables, replaced by values Prometheus accepts, to check dashboard PromQL with promtool
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$job": ".*", "$prompt": ".*"}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None, "promtool is required: apt-get install prometheus"
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, check=False, cwd=ROOT)


def dashboard_expressions(dashboard: dict[str, Any]) -> list[str]:
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    exprs += [v["query"]["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return exprs


def test_promtool_check_rules() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 17 rules found" in result.stdout  # 15 alerts, 2 recording rules (the cost budget)


def test_promtool_unit_tests_pass() -> None:
    tests = sorted(str(p) for p in (METRICS / "tests").glob("*.yaml"))
    assert tests
    result = _promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_can_fail(tmp_path: Path) -> None:
    """The unit tests really depend on the thresholds: at 3% errors the error-rate alert must not fire."""
    source = (METRICS / "tests" / "alerts_test.yaml").read_text("utf-8")
    weakened = source.replace("values: '0+6x30'", "values: '0+2x30'", 1)
    assert weakened != source
    shutil.copy(RULES, tmp_path / "alerts.rules.yml")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "alerts_test.yaml").write_text(weakened, "utf-8")
    result = _promtool("test", "rules", str(tmp_path / "tests" / "alerts_test.yaml"))
    assert result.returncode != 0
    assert "PromptgitRenderErrorRateHigh" in result.stdout + result.stderr


def test_every_required_alert_exists_with_a_runbook() -> None:
    rules = yaml.safe_load(RULES.read_text("utf-8"))
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule}
    assert set(alerts) == {
        "PromptgitRenderErrorRateHigh",
        "PromptgitCacheHitRateLow",
        "PromptgitRefreshFailing",
        "PromptgitRenderLatencyHigh",
        "PromptgitFallbackInUse",
        "PromptgitDiskCacheRejected",
        "PromptgitLLMProviderErrorRateHigh",
        "PromptgitLLMProviderDown",
        "PromptgitLLMFailureRatioHigh",
        "PromptgitLLMLatencyHigh",
        "PromptgitResponseCacheErrors",
        "PromptgitResponseCacheHitRateLow",
        "PromptgitCostBudgetExceeded",
        "PromptgitReplicasServeDifferentCommits",
        "PromptgitLabelNamesMissingTag",
    }
    for name, rule in alerts.items():
        assert set(rule["annotations"]) == {"summary", "description", "runbook"}, name
        assert len(rule["annotations"]["runbook"]) > 80, name


def test_every_alert_has_promtool_tests_that_fire_it() -> None:
    tested = set()
    for path in (METRICS / "tests").glob("*.yaml"):
        for case in yaml.safe_load(path.read_text("utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                if check["exp_alerts"]:
                    tested.add(check["alertname"])
    rules = yaml.safe_load(RULES.read_text("utf-8"))
    assert tested == {
        rule["alert"] for group in rules["groups"] for rule in group["rules"] if "alert" in rule
    }


@pytest.mark.parametrize(
    ("alert", "healthy", "broken"),
    [
        # at 30% of the error rate the LLM error alert must stay quiet
        ("PromptgitLLMProviderErrorRateHigh", "values: '0+4x30'", "values: '0+1x30'"),
        # without the outage (issue 20 item 8: 96% cache hits, every provider call failing) nothing fires
        ("PromptgitLLMProviderDown", "values: '0x20 40+40x19'", "values: '0x40'"),
        # below the budget (9 USD/h) the cost alert must stay quiet
        ("PromptgitCostBudgetExceeded", "values: '0+0.5x90'", "values: '0+0.15x90'"),
        # the same commit everywhere: no disagreement to alert on
        ("PromptgitReplicasServeDifferentCommits", 'commit="bbbb"', 'commit="aaaa"'),
    ],
)
def test_the_llm_alert_tests_depend_on_their_thresholds(
    alert: str, healthy: str, broken: str, tmp_path: Path
) -> None:
    source = (METRICS / "tests" / "llm_alerts_test.yaml").read_text("utf-8")
    weakened = source.replace(healthy, broken, 1)
    assert weakened != source
    shutil.copy(RULES, tmp_path / "alerts.rules.yml")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "llm_alerts_test.yaml").write_text(weakened, "utf-8")
    result = _promtool("test", "rules", str(tmp_path / "tests" / "llm_alerts_test.yaml"))
    assert result.returncode != 0
    assert alert in result.stdout + result.stderr


def test_dashboards_are_the_generator_output() -> None:
    sys.path.insert(0, str(METRICS))
    try:
        import build_dashboards
    finally:
        sys.path.remove(str(METRICS))
    expected = build_dashboards.render_all()
    assert (
        sorted(expected)
        == [p.name for p in DASHBOARDS]
        == [
            "cache.json",
            "cost.json",
            "experiments.json",
            "llm.json",
            "overview.json",
            "prompts.json",
        ]
    )
    for path in DASHBOARDS:
        assert path.read_text("utf-8") == expected[path.name], (
            f"run python metrics/build_dashboards.py ({path.name})"
        )


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_importable_grafana_json(path: Path) -> None:
    dashboard = json.loads(path.read_text("utf-8"))
    assert dashboard["uid"].startswith("promptgit-") and dashboard["title"].startswith("promptgit / ")
    assert isinstance(dashboard["schemaVersion"], int)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (
        variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    )
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and len(ids) >= 4
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}" and target["refId"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_promql_parses(path: Path, tmp_path: Path) -> None:
    """Each dashboard query, with Grafana's variables filled in, must be PromQL that promtool accepts."""
    rules = []
    for index, expr in enumerate(dashboard_expressions(json.loads(path.read_text("utf-8")))):
        if expr.startswith("label_values("):  # Grafana's variable query function, not PromQL
            expr = re.sub(r"^label_values\((.*), *\w+\)$", r"\1", expr)
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{index}", "expr": expr})
    rule_file = tmp_path / "dashboard.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": path.stem, "rules": rules}]}), "utf-8")
    result = _promtool("check", "rules", str(rule_file))
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_describe_every_metric_dashboard_and_alert() -> None:
    from promptgit.observability.registry import METRIC_NAMES

    text = (ROOT / "docs" / "observability.md").read_text("utf-8")
    bases = {re.sub(r"_(bucket|count|sum)$", "", name) for name in METRIC_NAMES}
    assert sorted(name for name in bases if f"`{name}`" not in text) == []
    assert sorted(p.stem for p in DASHBOARDS if f"**{p.stem}**" not in text) == []
    rules = yaml.safe_load(RULES.read_text("utf-8"))
    alerts = [rule["alert"] for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    assert sorted(name for name in alerts if f"| {name} |" not in text) == []
