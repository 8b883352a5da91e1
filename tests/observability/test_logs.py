"""JSON log lines, parsed back field by field: promptgit's fields, the request context, the trace ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit import observability
from promptgit.errors import InputValidationError
from promptgit.loader import Repository
from promptgit.observability import JSONFormatter, request_context

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Lines:
    """The JSON lines a handler on the `promptgit` logger wrote, parsed."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def __call__(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def lines() -> Iterator[Lines]:
    stream = io.StringIO()
    handler = observability.log_json(logging.DEBUG, stream, logger="promptgit")
    yield Lines(stream)
    logger = logging.getLogger("promptgit")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def test_loader_logs_carry_their_fields_and_the_ids_of_the_get_span(released, lines, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    with request_context(request_id="r-1", user_id="u-7"), tracer.start_as_current_span("request"):
        prompt = repository.get("content/hook@production")
        with pytest.raises(InputValidationError):
            prompt.render()
    (get,) = [span for span in spans.get_finished_spans() if span.name == "promptgit.get"]
    (render,) = [span for span in spans.get_finished_spans() if span.name == "promptgit.render"]
    loaded, failed = lines()
    assert TIMESTAMP.match(loaded.pop("timestamp"))
    duration = loaded.pop("duration_ms")
    assert isinstance(duration, float) and duration > 0
    assert loaded == {
        "level": "INFO",
        "logger": "promptgit.loader",
        "message": "loaded content/hook@1.2.0 from git",
        "prompt": "content/hook",
        "version": "1.2.0",
        "selector": "content/hook@production",
        "source": "git",
        "commit": prompt.commit,
        "request_id": "r-1",
        "user_id": "u-7",
        "trace_id": format(get.context.trace_id, "032x"),
        "span_id": format(get.context.span_id, "016x"),
    }
    assert failed["level"] == "WARNING" and failed["reason"] == "invalid_inputs"
    assert failed["message"].startswith("render failed: content/hook@1.2.0")
    assert (failed["trace_id"], failed["span_id"]) == (
        format(render.context.trace_id, "032x"),
        format(render.context.span_id, "016x"),
    )
    repository.close()


def test_without_a_span_the_request_context_gives_the_ids(lines) -> None:
    log = logging.getLogger("promptgit.app")
    log.info("outside")
    with request_context(request_id="r-2", trace_id="abc123"):
        with request_context(user_id="u-1", request_id="r-2b"):
            log.info("nested")
        log.warning("outer %s", "again")
    outside, nested, outer = lines()
    assert set(outside) == {"timestamp", "level", "logger", "message"}
    assert (nested["request_id"], nested["user_id"], nested["trace_id"]) == ("r-2b", "u-1", "abc123")
    assert "span_id" not in nested
    assert (outer["request_id"], outer["message"], "user_id" in outer) == ("r-2", "outer again", False)
    assert observability.current_request() == {}


def test_the_span_wins_over_a_request_contexts_trace_id_and_extra_wins_over_both(lines, tracer) -> None:
    log = logging.getLogger("promptgit.app")
    with request_context(trace_id="from-app"), tracer.start_as_current_span("s") as span:
        log.info("traced")
        log.info("explicit", extra={"trace_id": "from-extra"})
    traced, explicit = lines()
    assert traced["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert explicit["trace_id"] == "from-extra"


def test_threads_keep_their_own_request_context(lines) -> None:
    log = logging.getLogger("promptgit.app")
    barrier = threading.Barrier(8)

    def work(number: int) -> None:
        with request_context(request_id=f"r-{number}"):
            barrier.wait()  # every thread is inside its context before any logs
            for _ in range(20):
                log.info("work", extra={"worker": number})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = lines()
    assert len(found) == 160
    assert all(line["request_id"] == f"r-{line['worker']}" for line in found)


def test_asyncio_tasks_keep_their_own_request_context(lines) -> None:
    log = logging.getLogger("promptgit.app")

    async def handle(number: int) -> None:
        with request_context(request_id=f"t-{number}"):
            for _ in range(5):
                await asyncio.sleep(0)  # interleave the tasks
                log.info("step", extra={"task": number})

    async def main() -> None:
        await asyncio.gather(*(handle(n) for n in range(6)))

    asyncio.run(main())
    found = lines()
    assert len(found) == 30
    assert all(line["request_id"] == f"t-{line['task']}" for line in found)


def test_exceptions_and_values_json_cannot_hold(lines) -> None:
    log = logging.getLogger("promptgit.app")
    try:
        raise ValueError("bad")
    except ValueError:
        log.exception("failed", extra={"path": object.__new__(type("Odd", (), {"__str__": lambda s: "odd"}))})
    (line,) = lines()
    assert line["level"] == "ERROR" and line["path"] == "odd"
    assert line["exception"].startswith("Traceback") and "ValueError: bad" in line["exception"]


def test_the_formatter_works_on_any_handler() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %d", (3,), None)
    record.prompt = "content/hook"
    assert json.loads(JSONFormatter().format(record))["message"] == "plain 3"
    assert json.loads(JSONFormatter().format(record))["prompt"] == "content/hook"
