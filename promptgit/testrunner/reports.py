"""Reports of a test run: text, json, junit, markdown (the job summary), github (annotations).

Reporters only format; the command decides the exit status. The markdown report stays under GitHub's
1 MiB step summary limit: rows and diffs are added in order of importance (regressions, failures, the
table, diffs) until the budget is spent, then one line says what was left out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptgit.testrunner.basehead import REGRESSION, BaseHeadReport
from promptgit.testrunner.runner import ERROR, FAILED, PASSED, SKIPPED, CaseResult

if TYPE_CHECKING:
    from xml.etree import ElementTree

SUMMARY_LIMIT = 1024 * 1024  # GitHub's step summary limit, in bytes
SUMMARY_BUDGET = SUMMARY_LIMIT - 16 * 1024  # room for the truncation note and what other steps add


@dataclass
class RunReport:
    results: list[CaseResult]
    seconds: float = 0.0
    mode: str = "replay"  # replay | record
    written: list[str] = field(default_factory=list)  # cassette files a recording run wrote
    basehead: BaseHeadReport | None = None

    def counts(self) -> Counter[str]:
        return Counter(result.status for result in self.results)

    def summary_line(self) -> str:
        counts = self.counts()
        parts = [
            f"{counts[status]} {_plural('error', counts[status]) if status == ERROR else status}"
            for status in (PASSED, FAILED, ERROR, SKIPPED)
            if counts[status]
        ]
        text = ", ".join(parts) or "no cases"
        if self.basehead is not None:
            regressions = len(self.basehead.regressions)
            text += f"; {regressions} {_plural('regression', regressions)} against {self.basehead.base_label}"
        return f"{text} in {self.seconds:.2f}s ({self.mode})"


def _plural(word: str, count: int) -> str:
    return word if count == 1 else f"{word}s"


def _who(result: CaseResult) -> str:
    return f"{result.case.prompt} / {result.case.name}"


# --- text ----------------------------------------------------------------------------------------------
def text_report(report: RunReport) -> str:
    lines = []
    for result in report.results:
        if result.status in (FAILED, ERROR):
            lines.append(
                f"{result.case.path}:{result.case.line}: {_who(result)}: {result.status.upper()}: "
                f"{result.summary()}"
            )
            for check in result.failures()[1:]:
                lines.append(
                    f"    {result.case.path}:{check.check.line}: {check.check.label}: {check.reason}"
                )
    if report.basehead is not None:
        lines += ["", *_table_text(report.basehead)]
        for delta in report.basehead.deltas:
            lines.append(
                f"\n{delta.name}: input tokens {_arrow(delta.base_tokens, delta.head_tokens)}, "
                f"input cost per call {_arrow_cost(delta.base_cost, delta.head_cost)}"
            )
            if delta.diff:
                lines.append(delta.diff.rstrip("\n"))
    for path in report.written:
        lines.append(f"recorded: {path}")
    lines.append(report.summary_line())
    return "\n".join(lines).lstrip("\n") + "\n"


def _table_text(basehead: BaseHeadReport) -> list[str]:
    rows = [
        (f"{item.head.case.prompt} / {item.head.case.name}", item.base.status, item.head.status, item.change)
        for item in basehead.comparisons
    ]
    header = ("case", f"base ({basehead.base_label})", f"head ({basehead.head_label})", "change")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _arrow(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return f"{before if before is not None else '-'} -> {after if after is not None else '-'}"
    return f"{before} -> {after} ({after - before:+d})"


def _arrow_cost(before: float | None, after: float | None) -> str:
    def usd(value: float | None) -> str:
        return "-" if value is None else f"${value:.6f}"

    if before is None or after is None:
        return f"{usd(before)} -> {usd(after)}"
    return f"{usd(before)} -> {usd(after)} ({after - before:+.6f})"


# --- json ----------------------------------------------------------------------------------------------
def json_report(report: RunReport) -> str:
    document: dict[str, Any] = {
        "summary": {
            **{status: report.counts()[status] for status in (PASSED, FAILED, ERROR, SKIPPED)},
            "seconds": round(report.seconds, 4),
            "mode": report.mode,
        },
        "results": [result.as_dict() for result in report.results],
        "recorded": report.written,
    }
    if report.basehead is not None:
        basehead = report.basehead
        document["base"] = {
            "base": basehead.base_label,
            "head": basehead.head_label,
            "regressions": len(basehead.regressions),
            "cases": [
                {
                    "prompt": item.head.case.prompt,
                    "case": item.head.case.name,
                    "base": item.base.status,
                    "head": item.head.status,
                    "change": item.change,
                    "base_reason": item.base.summary(),
                    "head_reason": item.head.summary(),
                }
                for item in basehead.comparisons
            ],
            "prompts": [delta.as_dict() for delta in basehead.deltas],
        }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- junit ---------------------------------------------------------------------------------------------
def junit_report(report: RunReport) -> str:
    """JUnit XML in the shape Jenkins, GitLab and GitHub test reporters read: a testsuite per prompt."""
    from xml.etree import ElementTree

    regressions = {id(item.head) for item in report.basehead.regressions} if report.basehead else set()
    root = ElementTree.Element("testsuites", name="promptgit test")
    suites: dict[str, ElementTree.Element] = {}
    totals: Counter[str] = Counter()
    for result in report.results:
        suite = suites.get(result.case.prompt)
        if suite is None:
            suite = suites[result.case.prompt] = ElementTree.SubElement(
                root, "testsuite", name=result.case.prompt
            )
        case = ElementTree.SubElement(
            suite,
            "testcase",
            name=result.case.name,
            classname=result.case.prompt,
            file=result.case.path,
            line=str(result.case.line),
            time=f"{result.seconds:.4f}",
        )
        if result.status == FAILED:
            tag = "failure"
        elif result.status == ERROR:
            tag = "error"
        elif result.status == SKIPPED:
            tag = "skipped"
        else:
            tag = ""
        if tag:
            message = result.summary() + (" (regression)" if id(result) in regressions else "")
            element = ElementTree.SubElement(case, tag, message=message)
            if tag != "skipped":
                element.set("type", "regression" if id(result) in regressions else tag)
                element.text = (
                    "\n".join(
                        f"{result.case.path}:{item.check.line}: {item.check.label}: {item.reason}"
                        for item in result.failures()
                    )
                    or message
                )
        for key, value in _suite_counts(suite, result).items():
            suite.set(key, value)
        totals[result.status] += 1
    root.set("tests", str(len(report.results)))
    root.set("failures", str(totals[FAILED]))
    root.set("errors", str(totals[ERROR]))
    root.set("skipped", str(totals[SKIPPED]))
    root.set("time", f"{report.seconds:.4f}")
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _suite_counts(suite: ElementTree.Element, result: CaseResult) -> dict[str, str]:
    def bump(key: str, by: float = 1) -> str:
        now = float(suite.get(key, "0")) + by
        return f"{now:.4f}" if key == "time" else str(int(now))

    counts = {
        "tests": bump("tests"),
        "time": bump("time", result.seconds),
        "failures": bump("failures", result.status == FAILED),
        "errors": bump("errors", result.status == ERROR),
        "skipped": bump("skipped", result.status == SKIPPED),
    }
    return counts


# --- markdown ------------------------------------------------------------------------------------------
def markdown_report(report: RunReport, limit: int = SUMMARY_BUDGET) -> str:
    """The job summary: within `limit` bytes whatever the size of the run."""
    out = _Budget(limit)
    out.add(f"## promptgit test\n\n{_md(report.summary_line())}\n")
    basehead = report.basehead
    if basehead is not None:
        out.add(
            f"\n### Base `{_md(basehead.base_label)}` against head `{_md(basehead.head_label)}`\n\n"
            "| case | base | head | change |\n|---|---|---|---|\n"
        )
        ordered = sorted(basehead.comparisons, key=lambda item: item.change != REGRESSION)
        for item in ordered:
            change = f"**{item.change}**" if item.change == REGRESSION else item.change
            reason = item.head.summary() if not item.head.passed else ""
            out.add(
                f"| {_md(item.head.case.prompt)} / {_md(item.head.case.name)} | {_icon(item.base.status)} | "
                f"{_icon(item.head.status)} {_md(reason)} | {change} |\n",
                row=True,
            )
        out.close_rows("| … | | | |\n")
        for delta in basehead.deltas:
            out.add(
                f"\n#### `{_md(delta.name)}` {delta.base_version or '(new)'} → "
                f"{delta.head_version or '(removed)'}"
                f"\n\nInput tokens per call: {_arrow(delta.base_tokens, delta.head_tokens)}; input cost per "
                f"call: {_arrow_cost(delta.base_cost, delta.head_cost)}\n"
            )
            if delta.diff:
                fence = "~~~~"
                out.add(
                    f"\n<details><summary>rendered diff (sample inputs)</summary>\n\n{fence}diff\n"
                    f"{delta.diff.replace(fence, '~~~ ~')}{fence}\n\n</details>\n"
                )
    failing = [result for result in report.results if result.status in (FAILED, ERROR)]
    if failing:
        out.add("\n### Failures\n\n| case | file | why |\n|---|---|---|\n")
        for result in failing:
            out.add(
                f"| {_md(_who(result))} | `{result.case.path}:{result.case.line}` | "
                f"{_md(result.summary())} |\n",
                row=True,
            )
        out.close_rows("| … | | |\n")
    return out.text()


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.left_out = 0
        self.rows_left_out = 0

    def add(self, text: str, row: bool = False) -> None:
        size = len(text.encode("utf-8"))
        if self.size + size > self.limit:
            if row:
                self.rows_left_out += 1
            else:
                self.left_out += 1
            return
        self.parts.append(text)
        self.size += size

    def close_rows(self, marker: str) -> None:
        if self.rows_left_out:
            self.parts.append(marker)
            self.left_out += self.rows_left_out
            self.rows_left_out = 0

    def text(self) -> str:
        if self.left_out:
            self.parts.append(
                f"\n_{self.left_out} more rows or sections left out: GitHub's step summary "
                "holds 1 MiB; `promptgit test --format json` has everything._\n"
            )
        return "".join(self.parts)


def _icon(status: str) -> str:
    return {PASSED: "✅ pass", FAILED: "❌ fail", ERROR: "⚠️ error", SKIPPED: "⏭ skip"}.get(status, status)


def _md(text: str) -> str:
    """Text safe in a table cell: one line, pipes escaped, HTML left inert."""
    cleaned = " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;")
    return cleaned if len(cleaned) <= 300 else cleaned[:299] + "…"


# --- github --------------------------------------------------------------------------------------------
def github_report(report: RunReport) -> str:
    """Workflow commands: an annotation at the case's file:line for each failing case (an error for a
    regression or a failure without --base; a warning for a case that already failed at base)."""
    already = set()
    if report.basehead is not None:
        already = {id(item.head) for item in report.basehead.comparisons if item.change != REGRESSION}
    lines = []
    for result in report.results:
        if result.status not in (FAILED, ERROR):
            continue
        level = "warning" if id(result) in already else "error"
        message = _escape(f"{_who(result)}: {result.summary()}")
        where = f"file={_escape_property(result.case.path)},line={result.case.line}"
        lines.append(f"::{level} {where},title=promptgit test::{message}")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


REPORTS: dict[str, Callable[[RunReport], str]] = {
    "text": text_report,
    "json": json_report,
    "junit": junit_report,
    "markdown": markdown_report,
    "github": github_report,
}
