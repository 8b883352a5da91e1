"""The official `langfuse` Python SDK (pinned in the test extra) reads prompts from `promptgit serve`
unchanged: text and chat fetched and compiled, not-found raised, fallback used, the client-side TTL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langfuse import Langfuse
from langfuse.api import NotFoundError, UnauthorizedError

from tests.server.http_calls import call

Serve = Callable[..., Any]
SECRET = "sk-lf-promptgit-test"


@pytest.fixture
def langfuse(serve: Serve) -> Iterator[tuple[Langfuse, Any]]:
    server = serve(keys=(SECRET,))
    # a public key per test: the SDK keeps one client (and its prompt cache) per public key per process
    public_key = f"pk-lf-{uuid.uuid4().hex}"
    client = Langfuse(public_key=public_key, secret_key=SECRET, base_url=server.url, tracing_enabled=False)
    yield client, server
    client.shutdown()


def prompt_requests(server: Any) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in server.access.lines]
    return [line for line in lines if line["path"].startswith("/api/public/v2/prompts")]


def test_a_text_prompt_is_fetched_and_compiled(langfuse: tuple[Langfuse, Any]) -> None:
    client, _ = langfuse
    prompt = client.get_prompt("greeting")
    assert prompt.prompt == "Hello {{user}}, welcome to {{product}}!"
    assert prompt.compile(user="Ada", product="promptgit") == "Hello Ada, welcome to promptgit!"
    assert prompt.version == 1 and prompt.labels == ["production"]
    assert prompt.config["promptgit"]["version"] == "1.0.0"
    assert (prompt.config["temperature"], prompt.config["model"]) == (0.2, "gpt-4o-mini")
    staging = client.get_prompt("greeting", label="staging")
    assert staging.version == 2 and staging.labels == ["staging", "latest"]
    assert staging.compile(user="A", product="B") == "Hello A, welcome to B! Glad you are here."
    assert client.get_prompt("greeting", version=2).config["promptgit"]["version"] == "1.1.0"


def test_a_chat_prompt_in_a_folder_is_fetched_and_compiled(langfuse: tuple[Langfuse, Any]) -> None:
    client, _ = langfuse
    prompt = client.get_prompt("support/chat", type="chat")
    assert prompt.compile(question="How do I roll back?") == [
        {"role": "system", "content": "You answer support questions. Be brief and kind."},
        {"role": "user", "content": "How do I roll back?"},
    ]


def test_not_found_is_raised_and_a_fallback_is_used(langfuse: tuple[Langfuse, Any]) -> None:
    client, _ = langfuse
    with pytest.raises(NotFoundError):
        client.get_prompt("no/such/prompt", max_retries=0)
    with pytest.raises(NotFoundError):  # exists, but not offered in Langfuse's shape
        client.get_prompt("lists/looped", max_retries=0)
    fallback = client.get_prompt("no/such/prompt", fallback="Hi {{user}}", max_retries=0)
    assert fallback.is_fallback and fallback.compile(user="Ada") == "Hi Ada"


def test_a_second_fetch_inside_the_ttl_makes_no_request(langfuse: tuple[Langfuse, Any]) -> None:
    client, server = langfuse
    client.get_prompt("greeting", cache_ttl_seconds=60)
    client.get_prompt("greeting", cache_ttl_seconds=60)
    client.get_prompt("greeting", cache_ttl_seconds=60)
    assert len(prompt_requests(server)) == 1


def test_the_list_has_langfuse_pagination_and_only_offered_prompts(langfuse: tuple[Langfuse, Any]) -> None:
    client, _ = langfuse
    listed = client.api.prompts.list()
    assert [row.name for row in listed.data] == ["greeting", "support/chat"]
    assert (listed.meta.page, listed.meta.total_items, listed.meta.total_pages) == (1, 2, 1)
    assert listed.data[0].versions == [1, 2] and listed.data[1].type == "chat"
    page = client.api.prompts.list(limit=1, page=2)
    assert [row.name for row in page.data] == ["support/chat"]


def test_writes_answer_405_and_keys_are_checked(langfuse: tuple[Langfuse, Any], serve: Serve) -> None:
    _, server = langfuse
    status, _, body = call(server.url, "POST", "/api/public/v2/prompts", {"name": "x", "prompt": "y"})
    assert status == 405 and body["error"] == "MethodNotAllowedError" and "git" in body["message"]
    status, _, body = call(server.url, "DELETE", "/api/public/v2/prompts/greeting")
    assert status == 405
    wrong = Langfuse(
        public_key=f"pk-{uuid.uuid4().hex}", secret_key="wrong", base_url=server.url, tracing_enabled=False
    )
    with pytest.raises(UnauthorizedError):
        wrong.get_prompt("greeting", max_retries=0)
    wrong.shutdown()


def test_the_sdk_reads_a_served_bundle_the_same(library: Any, serve: Serve, tmp_path: Any) -> None:
    from prometheus_client import CollectorRegistry

    from promptgit.bundles.building import build_bundle
    from promptgit.loader import Repository

    bundle = tmp_path / "prompts.bundle.json"
    bundle.write_bytes(build_bundle(library.root))
    server = serve(keys=(SECRET,), repository=Repository.from_bundle(bundle, registry=CollectorRegistry()))
    client = Langfuse(
        public_key=f"pk-{uuid.uuid4().hex}", secret_key=SECRET, base_url=server.url, tracing_enabled=False
    )
    try:
        chat = client.get_prompt("support/chat", type="chat")
        assert chat.compile(question="Q?")[0]["content"] == "You answer support questions. Be brief and kind."
        assert client.get_prompt("greeting", label="staging").version == 2
    finally:
        client.shutdown()
