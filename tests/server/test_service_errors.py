"""The service kit's errors: an HTTP status on each promptgit error, and LLMCallError.reason judged from
the real openai SDK's exceptions (against the stand-in server), so no service imports them."""

from __future__ import annotations

import socket
from typing import Any

import openai
import pytest

from promptgit import errors
from promptgit.errors import LLMCallError, PromptgitError


def every_error_class() -> list[type[PromptgitError]]:
    found = []
    pending: list[type[PromptgitError]] = [PromptgitError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending += kind.__subclasses__()
    return found


def test_every_promptgit_error_says_its_http_status() -> None:
    statuses = {
        kind.__name__: kind.http_status for kind in every_error_class() if kind.__module__ == errors.__name__
    }
    assert statuses["PromptNotFoundError"] == 404
    assert statuses["SelectorError"] == 400
    assert statuses["InputValidationError"] == 422
    assert statuses["RenderError"] == 422
    assert statuses["GitError"] == statuses["BundleError"] == 503
    assert statuses["OutputValidationError"] == 502
    assert all(isinstance(status, (int, property)) for status in statuses.values())


def failed_call(client: openai.OpenAI) -> LLMCallError:
    """What the call path raises: an LLMCallError from the SDK's exception (as llm/plan.py builds it)."""
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    except openai.OpenAIError as exc:
        status = getattr(exc, "status_code", None)
        try:
            raise LLMCallError(
                "call failed", prompt="p", version="1.0.0", model="gpt-4o-mini", status_code=status
            ) from exc
        except LLMCallError as error:
            return error
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize(
    ("status", "reason", "http_status"),
    [
        (429, "rate_limited", 503),
        (500, "server", 502),
        (503, "server", 502),
        (400, "refused", 502),
        (401, "refused", 502),
    ],
)
def test_reason_of_an_upstream_answer(
    stub: Any, client: openai.OpenAI, status: int, reason: str, http_status: int
) -> None:
    stub.fail(status)
    error = failed_call(client)
    assert (error.reason, error.http_status) == (reason, http_status)


def test_reason_of_a_timeout(stub: Any) -> None:
    stub.stall()
    try:
        impatient = openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0, timeout=0.3)
        error = failed_call(impatient)
    finally:
        stub.release()
    assert (error.reason, error.http_status) == ("timeout", 504)


def test_reason_of_a_connection_never_made() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    nobody = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", max_retries=0, timeout=5)
    error = failed_call(nobody)
    assert (error.reason, error.http_status) == ("connection", 502)


def test_a_reason_given_by_the_caller_wins() -> None:
    error = LLMCallError("x", prompt="p", version="1", model=None, status_code=500, reason="timeout")
    assert error.reason == "timeout"
