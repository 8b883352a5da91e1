"""Checks of the answer: promptfoo's vocabulary (types, `not-`, threshold, weight) on promptgit's parts.

- contains, icontains, equals, regex (RE2: linear time, whatever the pattern), contains-/icontains-any/-all
- is-json (a schema as value also checks it), json-schema (the prompt's `output:` when no value is given)
- python: `module:function` in the repository, called as function(output, context) and returning a bool,
  a score in [0, 1] (passes at `threshold`, default > 0), or {pass, score, reason}
- judge: a promptgit prompt chosen by selector whose answer is {pass, score, reason}; passes on `pass`, or
  on score >= threshold when a threshold is given. The runner makes (and records) the judge's call.
- latency: the answer came within `value` milliseconds (the recorded time when replayed)
- similar: word-level similarity to `value` of at least `threshold` (default 0.75), a ratio of matching
  words (difflib), with no embedding call: deterministic, offline, and recorded nowhere
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptgit.testrunner.cases import Case, Check
from promptgit.testrunner.cassettes import Answer
from promptgit.testrunner.checking import TEXT_KINDS, CheckResult, text_check, verdict

SUBJECT = "the answer"
SIMILAR_THRESHOLD = 0.75


@dataclass(frozen=True)
class AnswerContext:
    case: Case
    answer: Answer
    inputs: Mapping[str, Any]
    output_schema: dict[str, Any] | None
    root: Path  # the repository: where `python` checks' modules are found
    judge: Callable[[Check], Mapping[str, Any]]  # the judge's parsed verdict, or {"error": ...}


def assertion(check: Check, context: AnswerContext) -> CheckResult:
    text = context.answer.content
    try:
        if check.kind in TEXT_KINDS:
            matched, wanted = text_check(check.kind, check.value, text)
            return verdict(check, matched, wanted, subject=SUBJECT)
        if check.kind == "is-json":
            return _json(check, text, check.value if isinstance(check.value, dict) else None, "be JSON")
        if check.kind == "json-schema":
            schema = check.value if isinstance(check.value, dict) else context.output_schema
            if schema is None:
                return CheckResult(check, False, 0.0, "no schema: give one as value or declare `output:`")
            return _json(check, text, schema, "match its JSON schema")
        if check.kind == "latency":
            took = context.answer.latency_ms
            return verdict(
                check,
                took <= int(check.value),
                f"arrive within {check.value} ms",
                subject=SUBJECT,
                detail=f"took {took} ms",
            )
        if check.kind == "similar":
            return _similar(check, text)
        if check.kind == "python":
            return _scored(check, _python(check, context))
        if check.kind == "judge":
            return _scored(check, context.judge(check))
    except Exception as exc:  # a check that crashes fails its case with the reason, never the run
        return CheckResult(check, False, 0.0, f"{check.kind} raised {type(exc).__name__}: {exc}")
    return CheckResult(check, False, 0.0, f"{check.kind} is not an answer check")


def _json(check: Check, text: str, schema: dict[str, Any] | None, wanted: str) -> CheckResult:
    try:
        value = json.loads(text)
    except ValueError as exc:
        return verdict(check, False, wanted, subject=SUBJECT, detail=f"not JSON: {exc}")
    if schema is None:
        return verdict(check, True, wanted, subject=SUBJECT)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return verdict(check, True, wanted, subject=SUBJECT)
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return verdict(check, False, wanted, subject=SUBJECT, detail=f"at {path}: {error.message}")


def _similar(check: Check, text: str) -> CheckResult:
    from difflib import SequenceMatcher

    ratio = SequenceMatcher(None, text.lower().split(), str(check.value).lower().split()).ratio()
    threshold = SIMILAR_THRESHOLD if check.threshold is None else check.threshold
    return verdict(
        check,
        ratio >= threshold,
        f"be similar to {check.value!r} (>= {threshold})",
        subject=SUBJECT,
        score=ratio,
        detail=f"similarity {ratio:.2f}",
    )


def _python(check: Check, context: AnswerContext) -> Mapping[str, Any]:
    module_name, _, function_name = str(check.value).partition(":")
    root = str(context.root)
    if root not in sys.path:
        sys.path.insert(0, root)  # the repository's own modules, as pytest's rootdir insertion does
    function = getattr(importlib.import_module(module_name), function_name)
    details = {
        "inputs": dict(context.inputs),
        "case": context.case.name,
        "prompt": context.case.prompt,
        "model": context.answer.model,
    }
    result = function(context.answer.content, details)
    if isinstance(result, bool):
        return {"pass": result, "score": 1.0 if result else 0.0, "reason": ""}
    if isinstance(result, (int, float)):
        return {"score": float(result), "reason": ""}
    if isinstance(result, Mapping):
        return result
    raise TypeError(f"{check.value} returned {type(result).__name__}; expected bool, a score or a mapping")


def _scored(check: Check, result: Mapping[str, Any]) -> CheckResult:
    """A {pass, score, reason} answer (from python or a judge) against the check's threshold."""
    if "error" in result:
        return CheckResult(check, False, 0.0, str(result["error"]))
    raw_score = result.get("score")
    score = (
        float(raw_score) if isinstance(raw_score, (int, float)) and not isinstance(raw_score, bool) else None
    )
    if check.threshold is not None and score is not None:
        matched = score >= check.threshold
    elif "pass" in result:
        matched = bool(result["pass"])
    else:
        matched = score is not None and score > 0
    reason = str(result.get("reason") or "")
    detail = "; ".join(part for part in (f"score {score:g}" if score is not None else "", reason) if part)
    if "version" in result:
        detail = f"{detail} [{result['version']}]" if detail else f"[{result['version']}]"
    wanted = f"pass {check.value}" + (
        f" with a score >= {check.threshold:g}" if check.threshold is not None else ""
    )
    return verdict(
        check, matched, wanted, subject=SUBJECT, score=score if score is not None else None, detail=detail
    )
