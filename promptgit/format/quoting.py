"""Values quoted in error messages: a few dozen characters and the size, never the whole value.

Inputs and model answers come from callers and models; an error about a 1 MB string must not become a
1 MB message in a log line, a span or a terminal.
"""

from __future__ import annotations

import re
from typing import Any

QUOTE_CHARACTERS = 40  # of a value's repr, before it is cut and its length given instead
_LONG_QUOTED = re.compile(f"'[^']{{{QUOTE_CHARACTERS + 1},}}'")


def quoted(value: Any) -> str:
    """`repr(value)` when short; otherwise its first characters and how long the value is."""
    shown = _bounded_repr(value)
    if len(shown) <= QUOTE_CHARACTERS:
        return shown
    if isinstance(value, (str, bytes)):
        size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(value):,} bytes"
    elif isinstance(value, (list, tuple, dict, set, frozenset)):
        size = f"{len(value):,} items"
    else:
        size = f"{len(shown):,} characters shown"
    return f"{shown[: QUOTE_CHARACTERS - 8]}... ({size})"


def _bounded_repr(value: Any) -> str:
    # repr of a huge container is as long as the container: cut the value first where that is cheap
    if isinstance(value, str) and len(value) > QUOTE_CHARACTERS:
        return repr(value[:QUOTE_CHARACTERS]) + "+"
    if isinstance(value, (list, tuple)) and len(value) > QUOTE_CHARACTERS:
        return repr(type(value)(value[:QUOTE_CHARACTERS])) + "+"
    if isinstance(value, dict) and len(value) > QUOTE_CHARACTERS:
        return repr(dict(list(value.items())[:QUOTE_CHARACTERS])) + "+"
    try:
        return repr(value)
    except (ValueError, RecursionError):  # an int too long to print, a self-containing list
        return f"<{type(value).__name__}>"


def short_message(error: Any) -> str:
    """A jsonschema ValidationError's message with the value it quotes cut to a few dozen characters.

    jsonschema words its messages as `f"{instance!r} ..."`; a short instance leaves the message as it is.
    """
    message: str = error.message
    instance = error.instance
    if len(message) <= 2 * QUOTE_CHARACTERS + 40:
        return message
    try:
        whole = repr(instance)
    except (ValueError, RecursionError):
        return message[: 2 * QUOTE_CHARACTERS] + "..."
    if len(whole) > QUOTE_CHARACTERS and whole in message:
        message = message.replace(whole, quoted(instance))
    # other long strings it quotes (the unexpected keys of additionalProperties): each scan stops at the
    # next quote, so this is linear in the message
    message = _LONG_QUOTED.sub(lambda match: quoted(match.group()[1:-1]), message)
    if len(message) > 4 * QUOTE_CHARACTERS:  # other values in it (an enum, a long pattern)
        message = message[: 4 * QUOTE_CHARACTERS] + "..."
    return message


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def printable(text: str) -> str:
    """`text` with control characters (C0, DEL, C1: terminal escapes, carriage returns, newlines) written
    as `\\xNN`, so a value from a peer can never move the cursor, recolour or rewrite a terminal line."""
    return text.translate(_CONTROL)
