"""The native JSON API of `promptgit serve`: list, describe, render, labels; 4xx JSON errors, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from tests.server.http_calls import call

Serve = Callable[..., Any]


def test_list_names_every_prompt_with_its_releases_and_labels(serve: Serve) -> None:
    server = serve()
    status, _, body = call(server.url, "GET", "/v1/prompts")
    assert status == 200
    assert {row["name"]: (row["versions"], row["latest"], row["labels"]) for row in body["prompts"]} == {
        "greeting": (["1.0.0", "1.1.0"], "1.1.0", {"production": "1.0.0", "staging": "1.1.0"}),
        "lists/looped": (["1.0.0"], "1.0.0", {"production": "1.0.0"}),
        "support/chat": (["1.0.0"], "1.0.0", {"production": "1.0.0"}),
    }
    assert len(body["commit"]) == 40


@pytest.mark.parametrize("encoded", [True, False])
def test_describe_a_selector_url_encoded_or_not(serve: Serve, encoded: bool) -> None:
    server = serve()
    selector = "support/chat@production"
    path = "/v1/prompts/" + (quote(selector, safe="") if encoded else selector)
    status, _, body = call(server.url, "GET", path)
    assert status == 200
    assert body["name"] == "support/chat" and body["version"] == "1.0.0" and body["chat"] is True
    assert body["inputs"] == {"question": {"type": "string"}}
    assert len(body["commit"]) == 40 and len(body["blob_sha"]) == 40


def test_render_answers_messages_or_text_with_the_release_identity(serve: Serve) -> None:
    server = serve()
    status, _, body = call(
        server.url,
        "POST",
        "/v1/render",
        {"prompt": "support/chat@production", "inputs": {"question": "Why?"}},
    )
    assert status == 200
    assert body["messages"] == [
        {"role": "system", "content": "You answer support questions. Be brief and kind."},
        {"role": "user", "content": "Why?"},
    ]
    assert body["version"] == "1.0.0" and len(body["blob_sha"]) == 40 and len(body["commit"]) == 40
    status, _, body = call(
        server.url,
        "POST",
        "/v1/render",
        {"prompt": "lists/looped", "inputs": {"items": ["x", "y"]}, "key": "u1"},
    )
    assert (status, body["text"]) == (200, "Items: x y")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("GET", "/v1/prompts/nope@production", None, 404, "PromptNotFoundError"),
        ("GET", "/v1/prompts/greeting@%5E%5E1", None, 400, "SelectorError"),
        ("POST", "/v1/render", {"prompt": "greeting", "inputs": {"user": 3}}, 422, "InputValidationError"),
        ("POST", "/v1/render", {"prompt": "greeting", "inputs": {"self": "x"}}, 422, "InputValidationError"),
        ("POST", "/v1/render", {"prompt": "greeting", "inputs": []}, 400, "BadRequest"),
        ("POST", "/v1/render", {"prompt": "greeting", "extra": 1}, 400, "BadRequest"),
        ("POST", "/v1/render", {"prompt": 7}, 400, "BadRequest"),
        ("POST", "/v1/render", {"prompt": "greeting", "key": [1]}, 400, "BadRequest"),
        ("POST", "/v1/render", [1, 2], 400, "BadRequest"),
        ("GET", "/v1/render", None, 405, "MethodNotAllowed"),
        ("DELETE", "/v1/prompts", None, 405, "MethodNotAllowed"),
        ("GET", "/v2/nothing", None, 404, "NotFound"),
        ("GET", "/v1/labels/canary", None, 404, "PromptNotFoundError"),
        ("GET", "/v1/prompts/greeting@worktree", None, 400, "BadRequest"),
        ("POST", "/v1/render", {"prompt": "greeting@worktree"}, 400, "BadRequest"),
    ],
)
def test_bad_requests_are_4xx_json_errors(
    serve: Serve, method: str, path: str, body: Any, status: int, kind: str
) -> None:
    server = serve()
    got, headers, answer = call(server.url, method, path, body)
    assert (got, answer["error"]["type"], answer["error"]["status"]) == (status, kind, status)
    assert headers["content-type"] == "application/json"
    assert answer["error"]["message"]


def test_malformed_bodies_and_requests_are_json_errors_too(serve: Serve) -> None:
    server = serve()
    status, _, answer = call(server.url, "POST", "/v1/render", raw=b"{not json")
    assert (status, answer["error"]["type"]) == (400, "BadRequest")
    status, _, answer = call(server.url, "POST", "/v1/render", raw=b"\xff\xfe")
    assert status == 400
    status, _, answer = call(server.url, "POST", "/v1/render", raw=b"x" * (1024 * 1024 + 1))
    assert (status, answer["error"]["status"]) == (413, 413)
    status, _, answer = call(server.url, "GET", "/v1/prompts?" + "&".join(f"a{i}=1" for i in range(40)))
    assert (status, answer["error"]["type"]) == (400, "BadRequest")


def test_labels_describe_what_is_deployed_as_data(serve: Serve) -> None:
    server = serve()
    status, _, body = call(server.url, "GET", "/v1/labels/staging")
    assert status == 200
    assert body["labels"] == [{"label": "staging", "prompt": "greeting", "version": "1.1.0", "weight": 100}]
    status, _, body = call(server.url, "GET", "/v1/labels")
    assert len(body["labels"]) == 4


def test_api_keys_bearer_for_native_calls(serve: Serve) -> None:
    server = serve(keys=("sk-serve-1",))
    status, headers, answer = call(server.url, "GET", "/v1/prompts")
    assert (status, answer["error"]["type"]) == (401, "Unauthorized")
    assert headers["www-authenticate"].startswith("Bearer")
    assert call(server.url, "GET", "/v1/prompts", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert (
        call(server.url, "GET", "/v1/prompts", headers={"Authorization": "Basic c2stc2VydmUtMQ=="})[0] == 401
    )
    assert call(server.url, "GET", "/v1/prompts", headers={"Authorization": "Bearer sk-serve-1"})[0] == 200
    assert call(server.url, "GET", "/healthz")[0] == 200  # probes need no key
