"""Issue 21 item 15: sizes from peers are bounded in spans, errors and logs."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import LLMCallError
from promptgit.llm.complete import complete
from promptgit.loader import Repository
from promptgit.observability import bounds, log_json

HUGE = 5_000_000


def answer(**overrides: Any) -> dict[str, Any]:
    response = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    response.update(overrides)
    return response


def test_a_huge_model_and_id_from_the_provider_are_cut_on_the_span(released, spans) -> None:  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    with Repository(released.root, registry=registry) as repository:
        complete(
            repository.get("content/hook@production"),
            call=lambda **request: answer(id="i" * HUGE, model="m" * HUGE),
            inputs={"topic": "x"},
            registry=registry,
        )
    (call,) = [span for span in spans.get_finished_spans() if span.kind.name == "CLIENT"]
    for key in ("gen_ai.response.id", "gen_ai.response.model"):
        value = call.attributes[key]
        assert len(value) <= bounds.MAX_ATTRIBUTE_CHARS, key
        assert value.endswith(f"({HUGE} characters)"), key


def test_token_counts_above_int64_never_reach_the_span(released, spans) -> None:  # type: ignore[no-untyped-def]
    # a count no provider bills (issue 21 item 3) is an error naming the field; the span gets no count
    registry = CollectorRegistry()
    usage = {"prompt_tokens": 2**70, "completion_tokens": 1, "total_tokens": 2**70 + 1}
    with Repository(released.root, registry=registry) as repository, pytest.raises(LLMCallError) as raised:
        complete(
            repository.get("content/hook@production"),
            call=lambda **request: answer(usage=usage),
            inputs={"topic": "x"},
            registry=registry,
        )
    assert "prompt_tokens" in str(raised.value)
    (call,) = [span for span in spans.get_finished_spans() if span.kind.name == "CLIENT"]
    assert "gen_ai.usage.input_tokens" not in call.attributes


def test_a_huge_provider_error_is_cut_in_the_error_and_the_log(released) -> None:  # type: ignore[no-untyped-def]
    def failing(**request: Any) -> Any:
        raise RuntimeError("upstream said: " + "e" * HUGE)

    stream = io.StringIO()
    handler = log_json(logging.WARNING, stream, logger="promptgit")
    registry = CollectorRegistry()
    try:
        with (
            Repository(released.root, registry=registry) as repository,
            pytest.raises(LLMCallError) as raised,
        ):
            complete(
                repository.get("content/hook@production"),
                call=failing,
                registry=registry,
                inputs={"topic": "x"},
            )
    finally:
        logging.getLogger("promptgit").removeHandler(handler)
        logging.getLogger("promptgit").setLevel(logging.NOTSET)
    assert len(str(raised.value)) < 4 * bounds.MAX_ERROR_CHARS
    assert "characters)" in str(raised.value)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert len(line["message"]) <= bounds.MAX_LOG_FIELD_CHARS


def test_json_log_fields_are_cut() -> None:
    stream = io.StringIO()
    handler = log_json(logging.INFO, stream, logger="promptgit.test")
    try:
        logging.getLogger("promptgit.test").info("m" * HUGE, extra={"peer": "p" * HUGE, "count": 2**70})
    finally:
        logging.getLogger("promptgit.test").removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert len(line["message"]) <= bounds.MAX_LOG_FIELD_CHARS
    assert len(line["peer"]) <= bounds.MAX_LOG_FIELD_CHARS
    assert line["count"] == 2**70  # a number is a number; only text grows
