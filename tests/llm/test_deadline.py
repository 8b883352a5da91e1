"""A total deadline per call, and single-flight followers that do not stampede a failing provider (the real
openai SDK against the stub server, a real memory:// response cache)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import ConfigError, LLMCallError
from promptgit.llm import LLM
from promptgit.llm.cache import ResponseCache
from promptgit.loader import Repository

from .conftest import chat_prompt
from .stub_server import StubLLM


@pytest.fixture
def cache(registry: CollectorRegistry) -> Iterator[ResponseCache]:
    made = ResponseCache("memory://", registry=registry)
    yield made
    made.close()


def test_a_trickling_provider_is_cut_off_at_the_call_s_deadline(
    repo: Repository, stub: StubLLM, registry: CollectorRegistry
) -> None:
    stub.trickle = 0.05  # a byte every 50 ms: every read succeeds within the SDK's per-read timeout
    with openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0, timeout=5) as client:
        llm = LLM(repo, client=client, registry=registry, timeout=0.5)

        with pytest.raises(
            LLMCallError, match=r"DeadlineExceeded: no answer within the call's deadline of 0.5 s"
        ):
            llm.complete("content/hook@1.1.0", {"topic": "x"})

    labels = {"prompt": "content/hook", "version": "1.1.0", "model": "gpt-4o-mini", "outcome": "error"}
    assert registry.get_sample_value("promptgit_llm_calls_total", labels) == 1


def test_the_prompt_s_timeout_wins_over_the_client_object_s(  # type: ignore[no-untyped-def]
    released, stub: StubLLM, registry: CollectorRegistry
) -> None:
    released.write("prompts/content/hook.j2", chat_prompt("1.2.0", "timeout: 0.3\n"))
    released.commit("hook 1.2.0 with a deadline")
    stub.stall()
    with (
        Repository(released.root, registry=registry) as repo,
        openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client,
    ):
        llm = LLM(repo, client=client, registry=registry, timeout=600)
        with pytest.raises(LLMCallError, match=r"deadline of 0.3 s"):
            llm.complete("content/hook@worktree", {"topic": "x"})
        with pytest.raises(ConfigError, match="timeout"):
            llm.complete("content/hook@worktree", {"topic": "x"}, timeout=-1)
    stub.release()


def test_acomplete_has_the_same_deadline(repo: Repository, stub: StubLLM) -> None:
    stub.stall()

    async def main() -> None:
        async with openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client:
            await LLM(repo, client=client, registry=CollectorRegistry(), timeout=0.3).acomplete(
                "content/hook@1.1.0", {"topic": "x"}
            )

    with pytest.raises(LLMCallError, match=r"deadline of 0\.3 s"):
        asyncio.run(main())
    stub.release()


def test_followers_get_the_leader_s_error_instead_of_calling_a_failing_provider(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, registry: CollectorRegistry
) -> None:
    llm = LLM(repo, client=client, cache=cache, registry=registry)
    stub.fail(500, times=1)
    stub.stall()
    errors: list[LLMCallError] = []
    lock = threading.Lock()
    started = threading.Barrier(9)

    def ask() -> None:
        started.wait()
        try:
            llm.complete("content/hook@1.1.0", {"topic": "same"})
        except LLMCallError as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.wait()
    while stub.waiting < 1:  # the leader's request is held by the stub
        threading.Event().wait(0.01)
    threading.Event().wait(0.3)  # let the followers join the flight (each one started before the failure)
    stub.release()
    for thread in threads:
        thread.join(10)

    assert stub.calls == 1  # one provider call for eight callers, failed or not
    assert len(errors) == 8 and {error.status_code for error in errors} == {500}
    assert llm.complete("content/hook@1.1.0", {"topic": "same"}).cached is False  # a later call asks again
    assert stub.calls == 2
