"""Sizes from peers, bounded before they reach a span, an error message or a log line.

A provider, a Prometheus server or a caller may send a 5 MB model name, response id or error text; each
copy of it into a span attribute, an exception and a log line would cost that again (and an OTLP exporter
ships it). OpenTelemetry's SDK has an attribute length limit, but it is off unless the application sets
it, so promptgit applies its own: text is cut to a limit with a note of its full length, and integers
sent as span attributes are kept within int64, the largest an OTLP attribute holds.
"""

from __future__ import annotations

from typing import Any

MAX_ATTRIBUTE_CHARS = 1024  # a span attribute's text (model names and ids are far shorter)
MAX_ERROR_CHARS = 2048  # a peer's error text inside one of promptgit's messages
MAX_LOG_FIELD_CHARS = 8192  # one field of a JSON log line (the message included)
INT64_MAX = 2**63 - 1


def clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """`text` if it has at most `limit` characters, else its start and a note of the length cut."""
    if len(text) <= limit:
        return text
    note = f"... ({len(text)} characters)"
    return text[: max(0, limit - len(note))] + note


def bounded_int(value: int) -> int:
    """`value` clamped to int64 (negative counts become 0: no token count or size is below it)."""
    return max(0, min(int(value), INT64_MAX))


def bounded_attribute(value: Any) -> Any:
    """A span attribute value with text clipped and integers within int64 (lists element by element)."""
    if isinstance(value, str):
        return clip(value, MAX_ATTRIBUTE_CHARS)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return max(-INT64_MAX - 1, min(value, INT64_MAX))
    if isinstance(value, list | tuple):
        return [bounded_attribute(item) for item in value[:128]]
    return value
