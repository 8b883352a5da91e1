"""Issue 19.18: counts in the docs are checked against the source (alerts, dashboards), so they cannot
drift apart again (the docs said 11 alerts and 5 dashboards while the rules and folder held more)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORDS = {"five": 5, "six": 6, "seven": 7, "eight": 8, "eleven": 11, "twelve": 12, "thirteen": 13}


def _numbers(pattern: str) -> list[tuple[str, int]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for match in re.finditer(pattern, path.read_text("utf-8")):
            text = match.group(1)
            found.append((path.name, int(text) if text.isdigit() else WORDS.get(text, -1)))
    return found


def test_alert_counts_in_the_docs_match_the_rules() -> None:
    rules = yaml.safe_load((ROOT / "metrics/alerts.rules.yml").read_text("utf-8"))
    alerts = sum(1 for group in rules["groups"] for rule in group["rules"] if "alert" in rule)
    stated = _numbers(r"\b(\d+|" + "|".join(WORDS) + r") alerts\b")
    assert stated, "the docs state how many alerts there are"
    assert [item for item in stated if item[1] != alerts] == []


def test_dashboard_counts_in_the_docs_match_the_folder() -> None:
    dashboards = len(list((ROOT / "metrics/dashboards").glob("*.json")))
    stated = _numbers(r"\b(\d+|" + "|".join(WORDS) + r") (?:Grafana )?dashboards\b")
    assert [item for item in stated if item[1] != dashboards] == []
