"""Size limits the prompt sandbox adds to Jinja's: one small number must not make a huge string.

Jinja's sandbox caps `range()` but nothing else that grows with a number: `"x" * 10**10`, `9 ** 10**12`,
`"%2000000000d" % 1`, `"x"|center(2000000000)`, `[]|slice(10**9)`. Each of these allocates gigabytes (or
computes for hours) from a few characters of template or one input value, and Jinja even evaluates
constant filter calls while compiling. Each is refused here with a SecurityError naming the limit.

Growth by combination (a string doubled in a loop, a big input joined with itself) is not caught here;
the commands that render bound the memory of the render for that (bounded.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import filters
from jinja2.exceptions import SecurityError

MAX_REPEAT_LENGTH = 1_000_000  # items of a repetition; characters of padding or a format field
MAX_EXPONENT = 1_000
# operators whose generated code calls PromptEnvironment.call_binop instead of the Python operator
INTERCEPTED_BINOPS = frozenset({"*", "**", "%"})

# a printf-style conversion: width and precision are each digits or `*` (taken from the arguments)
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def binop(operator: str, left: Any, right: Any) -> Any:
    """`left <operator> right` for the intercepted operators, refusing results over the limits."""
    if operator == "**":
        if isinstance(right, int) and abs(right) > MAX_EXPONENT and isinstance(left, (int, float)):
            raise SecurityError(f"exponent {right} is over the sandbox limit of {MAX_EXPONENT}")
        return left**right
    if operator == "%":
        if isinstance(left, str):
            check_format(left, right if isinstance(right, tuple) else (right,))
        return left % right
    for sequence, times in ((left, right), (right, left)):
        repeated = isinstance(sequence, (str, list, tuple)) and isinstance(times, int)
        if repeated and len(sequence) * times > MAX_REPEAT_LENGTH:
            size = len(sequence) * times
            raise SecurityError(
                f"repetition to {size} items is over the sandbox limit of {MAX_REPEAT_LENGTH}"
            )
    return left * right


def check_format(template: str, arguments: tuple[Any, ...]) -> None:
    """Refuse a printf-style format whose field width or precision (`%9999999999d`, `%.*f`) is too big."""
    if "%" not in template:
        return
    for match in _CONVERSION.finditer(template):
        for size in match.groups():
            if size is None:
                continue
            if size == "*":
                numbers = [item for item in arguments if isinstance(item, int)]
                value = max(numbers, default=0)
            else:
                value = int(size)
            if value > MAX_REPEAT_LENGTH:
                raise SecurityError(
                    f"format field of {value} characters is over the sandbox limit of {MAX_REPEAT_LENGTH}"
                )


def _limit(what: str, value: Any) -> None:
    if isinstance(value, int) and value > MAX_REPEAT_LENGTH:
        raise SecurityError(f"{what} {value} is over the sandbox limit of {MAX_REPEAT_LENGTH}")


def _center(value: str, width: int = 80) -> str:
    _limit("center width", width)
    return filters.do_center(value, width)


def _indent(text: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if isinstance(width, int):
        _limit("indent width", width)
    return filters.do_indent(text, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    check_format(str(value), args)
    return filters.do_format(value, *args, **kwargs)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    if fill_with is not None:  # the last batch is padded up to linecount items
        _limit("batch size", linecount)
    return filters.do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    _limit("slice count", slices)  # one list per slice, even for an empty value
    return filters.sync_do_slice(value, slices, fill_with)


def capped_filters() -> Mapping[str, Callable[..., Any]]:
    """Jinja's filters that grow with a number argument, each refusing a number over the limit."""
    return {"center": _center, "indent": _indent, "format": _format, "batch": _batch, "slice": _slice}
