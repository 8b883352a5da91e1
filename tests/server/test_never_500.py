"""No request makes the server answer 500: random methods, paths, queries, headers and bodies through the
app (hypothesis), every answer a JSON 2xx/4xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository
from promptgit.server.api_keys import ApiKeys
from promptgit.server.app import Request, ServeApp

PATHS = st.one_of(
    st.sampled_from(
        ["/v1/prompts/", "/v1/render", "/v1/labels/", "/api/public/v2/prompts/", "/readyz"]
    ).flatmap(lambda prefix: st.text(max_size=40).map(lambda tail: prefix + tail)),
    st.text(max_size=60).map(lambda text: "/" + text),
)
BODIES = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(
        st.sampled_from(["prompt", "inputs", "key", "extra"]),
        st.one_of(
            st.text(max_size=30),
            st.integers(),
            st.none(),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
        ),
        max_size=4,
    ).map(lambda value: json.dumps(value).encode()),
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeApp]:
    from tests.conftest import PromptRepo
    from tests.server.conftest import langfuse_library

    library = langfuse_library(PromptRepo(tmp_path_factory.mktemp("never500") / "repo"))
    repository = Repository(library.root, registry=CollectorRegistry())
    yield ServeApp(repository, ApiKeys((), "127.0.0.1"))
    repository.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]),
    path=PATHS,
    query=st.text(max_size=40),
    body=BODIES,
)
def test_no_request_is_a_500(app: Any, method: str, path: str, query: str, body: bytes) -> None:
    target = path + ("?" + query if query else "")
    response = app(Request(method, target, {"content-type": "application/json"}, body, "127.0.0.1"))
    assert response.status < 500, (target, response.body)
    answer = json.loads(response.body)
    if response.status >= 400:
        assert answer["error"]
