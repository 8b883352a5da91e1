"""Input `pattern`s matched by a linear-time engine, so no pattern and no value can make a check hang.

JSON Schema's `pattern` is an ECMA-262 regular expression, searched (not anchored) in the value. Python's
`re` (what jsonschema and fastjsonschema use) backtracks: `^(a+)+$` against 40 `a`s and a `!` takes
longer than the age of the universe. google-re2 (Google's RE2, maintained with it) runs in time linear in
the value whatever the pattern, with no timeout to tune and no result that depends on machine load (the
`regex` package's timeouts would do both). The price: RE2 has no backreferences and no lookaround, and
repetition counts stop at 1000; such a pattern cannot be checked at all (PG603 flags it, and a render
with it fails closed). Where ECMA-262 and RE2 differ otherwise: `\\s` and `\\b` are ASCII in RE2 (Unicode
in ECMA), `\\p{..}` classes need no `u` flag, `$` matches only at the end in both (unlike Python's `re`).
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Any

try:  # Python 3.11+: the parser `re` itself uses; sre_parse (deprecated since) before that
    sre_parse: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    sre_parse = importlib.import_module("sre_parse")


class PatternError(ValueError):
    """A pattern the linear-time engine cannot compile (backreference, lookaround, syntax, size)."""


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    """The RE2 program of `pattern`; PatternError when RE2 rejects it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print each rejection to stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(f"pattern {pattern!r} cannot be checked in linear time: {detail}") from None


def search(pattern: str, value: str) -> bool:
    """JSON Schema `pattern` semantics: does `pattern` match anywhere in `value` (PatternError: unusable)."""
    return compiled(pattern).search(value) is not None


def problem(pattern: str) -> str | None:
    """Why `pattern` cannot be checked, or None."""
    try:
        compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def backtracking_risk(pattern: str) -> str | None:
    """Why `pattern` would backtrack catastrophically in a backtracking engine (Python's `re`, most JSON
    Schema validators), or None: a repetition inside an unbounded repetition with no required text
    between the inner ones (`(a+)+`, `(a*b?)*`, `(\\w+\\s?)*`; not `(-[a-z]+)*`). A heuristic for the
    classic shape, not a proof: promptgit itself matches with RE2, whatever the pattern."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None  # not Python syntax either: problem() says what RE2 thinks
    return _risk(tree, inside_unbounded=False)


def _risk(items: Any, inside_unbounded: bool) -> str | None:
    for op, argument in items:
        name = str(op)
        if name in _REPEATS:
            _low, high, body = argument
            unbounded = high == sre_parse.MAXREPEAT or high > 100
            if inside_unbounded and high > 1:
                return "a repetition inside an unbounded repetition (nested quantifiers)"
            # a required piece of text between the inner repetitions (`(-[a-z]+)*`) splits the input one
            # way only; without one (`(a+)+`, `(\w+\s?)*`), the inner repetitions can share it many ways
            found = _risk(body, (inside_unbounded or unbounded) and not _has_separator(body))
        elif name == "SUBPATTERN":
            found = _risk(argument[-1], inside_unbounded)
        elif name == "BRANCH":
            found = next((r for b in argument[1] if (r := _risk(b, inside_unbounded))), None)
        elif name in ("ASSERT", "ASSERT_NOT"):
            found = _risk(argument[1], inside_unbounded)
        else:
            found = None
        if found:
            return found
    return None


def _has_separator(body: Any) -> bool:
    """Whether `body` needs some text that is not a repetition (a literal, a class, a group of them)."""
    for op, argument in body:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL", "IN", "ANY"):
            return True
        if name in _REPEATS and argument[0] >= 1 and _has_separator(argument[2]) and argument[1] == 1:
            return True
        if name == "SUBPATTERN" and _has_separator(argument[-1]):
            return True
    return False
