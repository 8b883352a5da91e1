"""Formats of the token report: an aligned text table, JSON, and markdown for PR comments / job summaries."""

from __future__ import annotations

import json
from collections.abc import Callable

from promptgit.tokens.report import Estimate, Row, TokenReport


def _used(estimate: Estimate | None) -> str:
    used = estimate.used if estimate else None
    return f"{used:.0%}" if used is not None else "-"


def _change(row: Row) -> str:
    if row.status in ("new", "removed"):
        return f"{row.status} ({row.change:+d})"
    return f"{row.change:+d}" if row.change else "0"


def _version(row: Row) -> str:
    current = row.current.version if row.current else "-"
    if row.base is not None and row.current is not None and row.base.version != current:
        return f"{row.base.version} -> {current}"
    return current if row.current else row.base.version if row.base else "-"


def _cells(row: Row, with_base: bool) -> list[str]:
    shown = row.current or row.base
    assert shown is not None
    cells = [row.name, _version(row), shown.model or "-", shown.method]
    if with_base:
        cells.append(str(row.base.tokens) if row.base else "-")
    cells += [str(row.current.tokens) if row.current else "-"]
    if with_base:
        cells.append(_change(row))
    budget = shown.budget
    cells += [str(budget) if budget else "-", _used(row.current)]
    return cells


def _headers(with_base: bool) -> list[str]:
    if with_base:
        return ["prompt", "version", "model", "method", "base", "tokens", "change", "budget", "used"]
    return ["prompt", "version", "model", "method", "tokens", "budget", "used"]


_NUMERIC = {"base", "tokens", "change", "budget", "used"}


def format_text(report: TokenReport) -> str:
    with_base = report.base_ref is not None
    headers = _headers(with_base)
    table = [[header.upper() for header in headers], *(_cells(row, with_base) for row in report.rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = []
    for line in table:
        cells = [
            cell.rjust(width) if header in _NUMERIC else cell.ljust(width)
            for cell, width, header in zip(line, widths, headers, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    if not report.rows:
        lines = ["no prompts"]
    return "\n".join(lines) + "\n"


def format_markdown(report: TokenReport) -> str:
    with_base = report.base_ref is not None
    headers = _headers(with_base)
    title = f"### Prompt tokens (against `{report.base_ref}`)" if with_base else "### Prompt tokens"
    lines = [title, ""]
    if not report.rows:
        return "\n".join([*lines, "No prompts."]) + "\n"
    lines.append("| " + " | ".join(header.capitalize() for header in headers) + " |")
    lines.append("|" + "|".join("---:" if header in _NUMERIC else "---" for header in headers) + "|")
    for row in report.rows:
        cells = _cells(row, with_base)
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if report.problems:
        lines += ["", "Not estimated:", *(f"- {problem}" for problem in report.problems)]
    return "\n".join(lines) + "\n"


def _estimate_json(estimate: Estimate | None) -> dict[str, object] | None:
    if estimate is None:
        return None
    return {
        "path": estimate.path,
        "version": estimate.version,
        "model": estimate.model,
        "method": estimate.method,
        "tokens": estimate.tokens,
        "budget": estimate.budget,
        "used": round(estimate.used, 4) if estimate.used is not None else None,
    }


def format_json(report: TokenReport) -> str:
    with_base = report.base_ref is not None
    prompts = []
    for row in report.rows:
        entry: dict[str, object] = {"name": row.name, **(_estimate_json(row.current) or {"tokens": None})}
        if with_base:
            entry.update(base=_estimate_json(row.base), change=row.change, status=row.status)
        prompts.append(entry)
    document = {"base": report.base_ref, "prompts": prompts, "problems": report.problems}
    return json.dumps(document, indent=2) + "\n"


FORMATS: dict[str, Callable[[TokenReport], str]] = {
    "text": format_text,
    "json": format_json,
    "markdown": format_markdown,
}
