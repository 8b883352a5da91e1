"""Size limits the prompt sandbox adds to Jinja's: one small number must not make a huge string.

Jinja's sandbox caps `range()` but nothing else that grows with a number: `"x" * 10**10`, `9 ** 10**12`,
`"%2000000000d" % 1`, `"{:>2000000000}".format(1)`, `"x"|center(2000000000)`, `x.rjust(10**9)`,
`[]|slice(10**9)`, `("a" * 10**6).replace("a", "b" * 10**6)`. Each of these allocates gigabytes (or
computes for hours) from a few characters of template or one input value, and Jinja even evaluates
constant filter calls while compiling. Each is refused here with a SecurityError naming the limit: a
width, precision or count over MAX_REPEAT_LENGTH, or a method that would add more than that many
characters (`replace`, `join`, `translate`, `expandtabs`) to what it was given.

The same holds where the growth comes from repeating what is already there, since a list of one string
repeated 3,000 times costs 3,000 references and its join 3 GB: `join` counts every repeated occurrence of
an item as added, `str()` of a container (output, `|string`, an item of `join`) is measured before it is
made, `lipsum` is capped, and an int result is refused above MAX_INT_BITS (`((9 ** 999) ** 999) ** 99`
has each exponent under the limit and 94 million digits). These hold in the loader, which cannot cap a
render's memory as the CLI does.

Growth by combination (a string doubled in a loop, each step under the limits) is not caught here; the
commands that render bound the memory of the render for that (bounded.py), and the loader its output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import filters, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from markupsafe import soft_str

MAX_REPEAT_LENGTH = 1_000_000  # items of a repetition; characters of padding or a format field
MAX_EXPONENT = 1_000
MAX_INT_BITS = 14_000  # about 4,200 decimal digits: Python refuses to print an int over 4,300
MAX_LIPSUM_WORDS = 100_000  # n paragraphs of at most `max` words
# operators whose generated code calls PromptEnvironment.call_binop instead of the Python operator
INTERCEPTED_BINOPS = frozenset({"*", "**", "%"})

# a printf-style conversion: width and precision are each digits or `*` (taken from the arguments)
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def binop(operator: str, left: Any, right: Any) -> Any:
    """`left <operator> right` for the intercepted operators, refusing results over the limits."""
    if operator == "**":
        if isinstance(right, int) and abs(right) > MAX_EXPONENT and isinstance(left, (int, float)):
            raise SecurityError(f"exponent {right} is over the sandbox limit of {MAX_EXPONENT}")
        if isinstance(left, int) and isinstance(right, int) and right > 1 and abs(left) > 1:
            _limit_int_bits(left.bit_length() * right)
        return left**right
    if operator == "%":
        if isinstance(left, (str, bytes)):  # bytes from `.encode()` format the same way
            text = left if isinstance(left, str) else left.decode("latin-1")
            check_format(text, right if isinstance(right, tuple) else (right,))
        return left % right
    if isinstance(left, int) and isinstance(right, int):
        _limit_int_bits(left.bit_length() + right.bit_length())
        return left * right
    for sequence, times in ((left, right), (right, left)):
        repeated = isinstance(sequence, (str, bytes, bytearray, list, tuple)) and isinstance(times, int)
        if repeated and len(sequence) * times > MAX_REPEAT_LENGTH:
            size = len(sequence) * times
            raise SecurityError(
                f"repetition to {size} items is over the sandbox limit of {MAX_REPEAT_LENGTH}"
            )
    return left * right


def _limit_int_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SecurityError(f"an int of {bits} bits is over the sandbox limit of {MAX_INT_BITS} bits")


def check_text_size(value: Any, what: str = "text of a value") -> None:
    """Refuse turning `value` into text when that text would be over MAX_REPEAT_LENGTH characters.

    Strings, numbers and short containers pass at once; a container is walked (shared parts as often as
    they appear, as `str()` would write them) until its text is known to be over the limit, so the walk
    itself is bounded by the limit.
    """
    if isinstance(value, (str, int, float)) or value is None:
        if isinstance(value, int) and not isinstance(value, bool):
            _limit_int_bits(value.bit_length())
        return
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        size = text_size(value, MAX_REPEAT_LENGTH)
        if size > MAX_REPEAT_LENGTH:
            raise SecurityError(
                f"{what} over {MAX_REPEAT_LENGTH} characters is over the sandbox limit of {MAX_REPEAT_LENGTH}"
            )


def text_size(value: Any, budget: int) -> int:
    """About how many characters `str(value)` has, at least; counting stops once past `budget`."""
    total = 0
    stack = [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item) + 2
        elif isinstance(item, bool) or item is None:
            total += 4
        elif isinstance(item, int):
            total += item.bit_length() // 4 + 1  # digits are a little more than bits / 4
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:
            total += 8
    return total


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's `lipsum`, refusing more than MAX_LIPSUM_WORDS words (`lipsum(n=1000000)`)."""
    from jinja2.utils import generate_lorem_ipsum

    for name, number in (("n", n), ("min", min), ("max", max)):
        if not isinstance(number, int):
            raise SecurityError(f"lipsum {name} must be an integer")
    if n * max > MAX_LIPSUM_WORDS:
        raise SecurityError(f"lipsum of {n} x {max} words is over the sandbox limit of {MAX_LIPSUM_WORDS}")
    return generate_lorem_ipsum(n, html, min, max)


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


# a format spec (`[[fill]align][sign][z][#][0][width][grouping][.precision][type]`): its digit runs are the
# width and the precision (a digit fill character is one digit, never over the limit)
_SPEC_NUMBER = re.compile(r"\d+")


def check_format_spec(spec: str) -> None:
    """Refuse a `str.format` field whose width or precision (`{:>999999999}`, `{:.999999999f}`) is too big."""
    for number in _SPEC_NUMBER.findall(spec):
        if len(number) > 7 or int(number) > MAX_REPEAT_LENGTH:
            raise SecurityError(
                f"format field of {number[:20]} characters is over the sandbox limit of {MAX_REPEAT_LENGTH}"
            )


# str and bytes methods whose result can be far longer than their inputs
GROWING_METHODS = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "translate"}
)


def capped_method(owner: str | bytes, name: str) -> Callable[..., Any]:
    """`owner.name`, refusing calls that would add more than MAX_REPEAT_LENGTH characters."""
    method = getattr(owner, name)

    def capped(*args: Any, **kwargs: Any) -> Any:
        if name == "join" and args:
            items = list(args[0])  # an iterator is read once, here, and joined from the list
            _limit_growth(name, join_growth(len(owner), items))
            return method(items)
        _limit_growth(name, _growth(owner, name, args, kwargs))
        return method(*args, **kwargs)

    capped.__name__ = name
    return capped


def _growth(owner: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """How many items `owner.name(*args, **kwargs)` adds at most (0 when the arguments are unusual: the
    method itself then raises or returns something no longer than its inputs)."""
    first = args[0] if args else kwargs.get("width", kwargs.get("tabsize", kwargs.get("table")))
    if name in ("center", "ljust", "rjust", "zfill"):
        return first if isinstance(first, int) else 0
    if name == "expandtabs":
        size = first if isinstance(first, int) else 8
        return owner.count("\t" if isinstance(owner, str) else b"\t") * size  # type: ignore[arg-type]
    if name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if not isinstance(old, type(owner)) or not isinstance(new, type(owner)):
            return 0
        count = owner.count(old) + (1 if not old else 0)  # type: ignore[arg-type]
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        return count * max(len(new) - len(old), 0)
    if name == "translate" and isinstance(first, dict):
        longest = max((len(v) for v in first.values() if isinstance(v, (str, bytes))), default=1)
        return len(owner) * max(longest - 1, 0)
    return 0


def join_growth(separator: int, items: list[Any]) -> int:
    """Characters a join of `items` with a separator of `separator` characters adds to what it was given:
    the separators, each repeated occurrence of the same string object (`["x" * 10**6] * 3000` is 3,000
    references to one string, and its join 3 GB), and the text of every item that is not a string."""
    added = separator * max(len(items) - 1, 0)
    seen: set[int] = set()
    for item in items:
        if isinstance(item, (str, bytes)):
            if id(item) in seen:
                added += len(item)
            else:
                seen.add(id(item))
        else:
            added += text_size(item, MAX_REPEAT_LENGTH)
        if added > MAX_REPEAT_LENGTH:
            break
    return added


def _limit_growth(name: str, added: int) -> None:
    if added > MAX_REPEAT_LENGTH:
        raise SecurityError(
            f"{name}() adding {added} characters is over the sandbox limit of {MAX_REPEAT_LENGTH}"
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


@pass_eval_context
def _replace(context: EvalContext, value: str, old: str, new: str, count: int | None = None) -> str:
    arguments = (str(old), str(new), -1 if count is None else count)
    _limit_growth("replace", _growth(str(value), "replace", arguments, {}))
    return filters.do_replace(context, value, old, new, count)


@pass_eval_context
def _join(context: EvalContext, value: Any, d: str = "", attribute: str | int | None = None) -> str:
    items = list(value)
    if attribute is not None:
        items = [filters.make_attrgetter(context.environment, attribute)(item) for item in items]
    _limit_growth("join", join_growth(len(str(d)), items))
    return filters.sync_do_join(context, items, d)


def _string(value: Any) -> str:
    check_text_size(value)
    return soft_str(value)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    if fill_with is not None:  # the last batch is padded up to linecount items
        _limit("batch size", linecount)
    return filters.do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    _limit("slice count", slices)  # one list per slice, even for an empty value
    return filters.sync_do_slice(value, slices, fill_with)


def capped_filters() -> Mapping[str, Callable[..., Any]]:
    """Jinja's filters that grow with a number argument, each refusing a number over the limit."""
    return {
        "center": _center,
        "indent": _indent,
        "format": _format,
        "batch": _batch,
        "slice": _slice,
        "replace": _replace,
        "join": _join,
        "string": _string,
    }
