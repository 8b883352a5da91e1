"""Recorded answers: one reviewed JSON file per prompt, `prompts/NAME.cassette.json`, beside its tests.

The key of a recording is `cassette_key(request)`: the SHA-256 of a canonical JSON (sorted keys, no
whitespace, UTF-8) of exactly what changes the answer: the model, the messages, the answer-changing
parameters (the response cache's list: timeouts, headers, user and metadata left out) and the output
schema. Unlike the response cache's key it leaves out the prompt's version and blob: a release that renders
the same messages replays the same answer, and the base and the head of a pull request share recordings
wherever they send the same request. Judge calls are recorded in the same file, keyed the same way.

File format (version 1), written with sorted keys and one line per value so a diff reviews well:

    {"promptgit_cassette": 1, "prompt": "content/hook",
     "recordings": [{"key": "<sha256>", "case": "short topic",
                     "request": {"model": ..., "messages": [...], "params": {...}, "output_schema": ...},
                     "answers": [{"content": "...", "model": "...", "finish_reason": "stop",
                                  "usage": {"input_tokens": 9, "output_tokens": 4}, "latency_ms": 312}]}]}

`answers` holds one answer per attempt (`--repeat N` records N). Nothing from the HTTP exchange is kept:
no header, no key, no `Authorization`, no base URL.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promptgit.errors import PromptgitError

FORMAT = 1
# request parameters that never change the answer (the response cache's list, promptgit.llm.plan)
NOT_IN_KEY = frozenset(
    {
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
        "user",
        "metadata",
        "store",
        "service_tier",
        "safety_identifier",
        "prompt_cache_key",
        "stream_options",
    }
)


def key_document(request: Mapping[str, Any]) -> dict[str, Any]:
    """What a recording is keyed by: model, messages, answer-changing params, output schema."""
    params = {k: v for k, v in request.items() if k not in NOT_IN_KEY | {"model", "messages"}}
    schema = None
    response_format = params.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        params.pop("response_format")
        schema = (response_format.get("json_schema") or {}).get("schema")
    return {
        "model": request.get("model"),
        "messages": list(request.get("messages") or []),
        "params": params,
        "output_schema": schema,
    }


def cassette_key(request: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of `key_document(request)`: the one key of a recording."""
    text = json.dumps(
        key_document(request), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Answer:
    """One answer of the model, as recorded and replayed."""

    content: str
    model: str | None = None
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
            "latency_ms": self.latency_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        usage = data.get("usage") or {}
        return cls(
            content=str(data.get("content") or ""),
            model=data.get("model"),
            finish_reason=data.get("finish_reason"),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            latency_ms=int(data.get("latency_ms") or 0),
        )


class CassetteMiss(PromptgitError):
    """No recording answers a request; the message names the case and the first differing message."""


@dataclass
class Recording:
    key: str
    case: str
    request: dict[str, Any]
    answers: list[dict[str, Any]]


class Cassette:
    """The recordings of one prompt: read from one or more files (base and head), written to one."""

    def __init__(self, prompt: str, shown: str) -> None:
        self.prompt = prompt
        self.shown = shown  # the file, as shown
        self.recordings: dict[str, Recording] = {}
        self.used: set[str] = set()
        self.changed = False
        self._lock = threading.Lock()

    def load(self, data: bytes | None, where: str) -> None:
        """Add the recordings of a cassette file's bytes (recordings already here win)."""
        if data is None:
            return
        try:
            document = json.loads(data)
            if document.get("promptgit_cassette") != FORMAT:
                raise ValueError(f"not a promptgit cassette of format {FORMAT}")
            for item in document["recordings"]:
                self.recordings.setdefault(
                    item["key"],
                    Recording(item["key"], item.get("case", ""), item["request"], item["answers"]),
                )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PromptgitError(f"{where}: unreadable cassette: {exc}") from None

    def answer(self, key: str, attempt: int) -> Answer | None:
        """The recorded answer of attempt `attempt` (cycling when fewer were recorded), or None."""
        with self._lock:
            found = self.recordings.get(key)
            if found is None or not found.answers:
                return None
            self.used.add(key)
            return Answer.from_dict(found.answers[attempt % len(found.answers)])

    def has(self, key: str, attempt: int) -> bool:
        with self._lock:
            found = self.recordings.get(key)
            return found is not None and len(found.answers) > attempt

    def record(self, key: str, case: str, request: Mapping[str, Any], attempt: int, answer: Answer) -> None:
        with self._lock:
            found = self.recordings.get(key)
            if found is None:
                found = self.recordings[key] = Recording(key, case, key_document(request), [])
            while len(found.answers) <= attempt:
                found.answers.append({})
            found.answers[attempt] = answer.as_dict()
            self.used.add(key)
            self.changed = True

    def forget_unused(self) -> None:
        """`--record` (all): recordings no case asked for are dropped from the file."""
        with self._lock:
            stale = set(self.recordings) - self.used
            for key in stale:
                del self.recordings[key]
            self.changed = self.changed or bool(stale)

    def dumps(self) -> str:
        recordings = sorted(self.recordings.values(), key=lambda item: (item.case, item.key))
        document = {
            "promptgit_cassette": FORMAT,
            "prompt": self.prompt,
            "recordings": [
                {"key": item.key, "case": item.case, "request": item.request, "answers": item.answers}
                for item in recordings
            ],
        }
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def miss(self, case: str, request: Mapping[str, Any]) -> CassetteMiss:
        """The error for a request with no recording: the case, and how it differs from the nearest one."""
        wanted = key_document(request)
        where = f"{self.prompt}: case {case!r}: no recorded answer in {self.shown}"
        with self._lock:
            candidates = list(self.recordings.values())
        if not candidates:
            return CassetteMiss(f"{where} (no recordings; run `promptgit test --record=missing`)")
        nearest = min(candidates, key=lambda item: (item.case != case, _distance(wanted, item.request)))
        return CassetteMiss(
            f"{where}; nearest is case {nearest.case!r}: {_first_difference(wanted, nearest.request)}"
            " (re-record with `promptgit test --record=missing`)"
        )


def _distance(wanted: Mapping[str, Any], recorded: Mapping[str, Any]) -> int:
    """How far a recording is from a request: differing messages count most, then the other fields."""
    ours, theirs = wanted.get("messages") or [], recorded.get("messages") or []
    differing = sum(1 for a, b in zip(ours, theirs, strict=False) if a != b) + abs(len(ours) - len(theirs))
    others = sum(
        1 for field in ("model", "params", "output_schema") if wanted.get(field) != recorded.get(field)
    )
    return differing * 4 + others


def _first_difference(wanted: Mapping[str, Any], recorded: Mapping[str, Any]) -> str:
    ours, theirs = wanted.get("messages") or [], recorded.get("messages") or []
    for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            role = a.get("role") if isinstance(a, Mapping) else "?"
            if isinstance(b, Mapping) and b.get("role") != role:
                return f"message {index} is {role!r}, recorded {b.get('role')!r}"
            where = _text_difference(str(a.get("content")), str(b.get("content")))
            return f"message {index} ({role}) differs: {where}"
    if len(ours) != len(theirs):
        return f"{len(ours)} messages, recorded {len(theirs)}"
    for field in ("model", "params", "output_schema"):
        if wanted.get(field) != recorded.get(field):
            return f"{field} is {json.dumps(wanted.get(field))}, recorded {json.dumps(recorded.get(field))}"
    return "the same request (the recording has fewer answers than --repeat asks for)"


def _text_difference(now: str, recorded: str, context: int = 30) -> str:
    """Where two texts part: a little of each from the first differing character."""
    start = next(
        (i for i, (a, b) in enumerate(zip(now, recorded, strict=False)) if a != b),
        min(len(now), len(recorded)),
    )
    line = now.count("\n", 0, start) + 1

    def around(text: str) -> str:
        piece = text[max(0, start - 10) : start + context]
        return json.dumps(piece, ensure_ascii=False)

    return f"line {line}: now {around(now)}, recorded {around(recorded)}"
