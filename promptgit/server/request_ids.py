"""Request and trace ids: accepted from the caller when well-formed, minted otherwise.

Used by `promptgit serve` for its own requests and by the ASGI middleware (asgi.py) for a service's, so a
request id means the same thing in both. A caller's `X-Request-ID` is kept when it is 1-128 characters of
`[A-Za-z0-9._:-]` (anything else could forge log lines or headers); the trace id comes from a W3C
`traceparent`, else a caller's `X-Trace-ID` of 32 hex digits, else a new random one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_INVALID_TRACE = "0" * 32

Header = Callable[[str], "str | None"]  # a lower-case header name -> its value, or None


def _minted() -> str:
    # an id only has to be unique, not secret: the Mersenne Twister is ~20x cheaper than os.urandom
    return f"{random.getrandbits(128):032x}"


def request_id(given: str | None) -> str:
    """The caller's X-Request-ID when well-formed, else a new one (32 hex digits)."""
    if given is not None and _REQUEST_ID.fullmatch(given):
        return given
    return _minted()


def trace_id(traceparent: str | None, given: str | None) -> str:
    """The trace id of a W3C traceparent, else the caller's X-Trace-ID (32 hex), else a new one."""
    if traceparent is not None:
        match = _TRACEPARENT.fullmatch(traceparent.strip().lower())
        if match and match.group(1) != _INVALID_TRACE:
            return match.group(1)
    if given is not None:
        candidate = given.strip().lower()
        if _TRACE_ID.fullmatch(candidate) and candidate != _INVALID_TRACE:
            return candidate
    return _minted()


def ids_of(header: Header) -> tuple[str, str]:
    """(request id, trace id) of a request whose headers `header` reads."""
    return request_id(header("x-request-id")), trace_id(header("traceparent"), header("x-trace-id"))
