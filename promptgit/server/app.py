"""`ServeApp`: every route of `promptgit serve` as one function from a request to a response.

No HTTP server in here (http_server.py carries bytes; tests and the benchmark may call the app directly):

    GET  /v1/prompts                     the prompts at the served commit: releases, latest, labels
    GET  /v1/prompts/{selector}          one prompt described (URL-encoded selector; ?key= for a split)
    POST /v1/render                      {"prompt": selector, "inputs": {...}, "key": "user-1"}
    GET  /v1/labels[/{label}]            what each label serves: (label, prompt, version, weight) rows
    GET  /api/public/v2/prompts[/{name}] Langfuse's public prompt API, read-only (langfuse_api.py)
    GET  /healthz  /readyz  /metrics     liveness, readiness (repository readable, commit, refresh age),
                                         Prometheus metrics

Every response is JSON (but /metrics), carries X-Request-ID and X-Trace-ID, and is one line of the access
log. A request the server cannot answer is a 4xx with a JSON error naming why; a failure of the prompts
themselves says its own status (errors.PromptgitError.http_status); nothing answers an HTML page or a
traceback. API keys: Bearer for /v1, Basic for /api/public (api_keys.py); health and metrics are open,
as probes and scrapers expect.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from promptgit.errors import InputValidationError, PromptgitError, SelectorError
from promptgit.loader import LoadedPrompt, Repository
from promptgit.observability import request_context
from promptgit.server.access_log import ACCESS_LOGGER, access_line
from promptgit.server.api_keys import ApiKeys
from promptgit.server.langfuse_api import LangfuseAPI
from promptgit.server.request_ids import ids_of
from promptgit.store.selectors import parse_selector

MAX_BODY_BYTES = 1024 * 1024  # a render request is inputs, not documents
JSON_TYPE = "application/json"
LANGFUSE_PREFIX = "/api/public/v2/prompts"


@dataclass
class Request:
    method: str
    target: str  # path and query as sent, still URL-encoded
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    client: str | None = None


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    log: dict[str, Any] = field(default_factory=dict)  # extra fields of the access log line


class HTTPError(Exception):
    """A request the server refuses: status, message, and the error's name in the JSON body."""

    def __init__(self, status: int, message: str, kind: str = "BadRequest", headers: Any = ()) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.headers = list(headers)


def json_response(status: int, value: Any, **log: Any) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return Response(status, body, log=log)


Handler = Callable[[Request, str, "dict[str, str]"], Response]


class ServeApp:
    """The routes over one Repository; thread-safe (the Repository is)."""

    def __init__(
        self,
        repository: Repository,
        keys: ApiKeys,
        *,
        registry: Any = None,
        access_logger: logging.Logger | None = None,
    ) -> None:
        self.repository = repository
        self.keys = keys
        self.registry = registry
        self.access_logger = access_logger or logging.getLogger(ACCESS_LOGGER)
        self.langfuse = LangfuseAPI(repository)

    def __call__(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id, trace_id = ids_of(request.headers.get)
        with request_context(request_id=request_id, trace_id=trace_id):
            response = self.respond(request)
        response.headers += [("X-Request-ID", request_id), ("X-Trace-ID", trace_id)]
        if self.access_logger.isEnabledFor(logging.INFO):  # the line is made only when someone reads it
            line = access_line(
                method=request.method,
                path=urlsplit(request.target).path,
                status=response.status,
                started=started,
                size=len(response.body),
                request_id=request_id,
                trace_id=trace_id,
                client=request.client,
                **response.log,
            )
            self.access_logger.info(line)
        return response

    def respond(self, request: Request) -> Response:
        """The response to `request`, errors included (never raises)."""
        parts = urlsplit(request.target)
        path = parts.path
        langfuse = path == LANGFUSE_PREFIX or path.startswith(LANGFUSE_PREFIX + "/")
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, max_num_fields=32))
            handler = self._route(request.method, path, langfuse)
            return handler(request, path, query)
        except HTTPError as exc:
            return _error(exc.status, exc.kind, str(exc), langfuse, exc.headers)
        except PromptgitError as exc:
            kind = "LangfuseNotFoundError" if langfuse and exc.http_status == 404 else type(exc).__name__
            return _error(exc.http_status, kind, str(exc), langfuse)
        except ValueError as exc:  # a malformed query string
            return _error(400, "BadRequest", f"malformed request: {exc}", langfuse)
        except Exception as exc:
            logging.getLogger("promptgit.serve").exception("serve: unexpected error")
            return _error(500, "InternalError", f"unexpected error ({type(exc).__name__})", langfuse)

    # --- routing ----------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, langfuse: bool) -> Handler:
        if langfuse:
            if method not in ("GET", "HEAD"):
                raise HTTPError(
                    405,
                    "read-only: prompts are edited in git (promptgit release, promptgit label set)",
                    "MethodNotAllowedError",
                    [("Allow", "GET")],
                )
            return self._langfuse_prompt if path != LANGFUSE_PREFIX else self._langfuse_list
        routes: dict[str, tuple[str, Handler]] = {
            "/healthz": ("GET", self._healthz),
            "/readyz": ("GET", self._readyz),
            "/metrics": ("GET", self._metrics),
            "/v1/prompts": ("GET", self._list),
            "/v1/render": ("POST", self._render),
            "/v1/labels": ("GET", self._labels),
        }
        found = routes.get(path)
        if found is None:
            prefixed: list[tuple[str, Handler]] = [
                ("/v1/prompts/", self._describe),
                ("/v1/labels/", self._labels),
            ]
            for prefix, handler in prefixed:
                if path.startswith(prefix) and len(path) > len(prefix):
                    found = ("GET", handler)
                    break
        if found is None:
            raise HTTPError(404, f"no route {path}", "NotFound")
        allowed, handler = found
        if method != allowed and not (method == "HEAD" and allowed == "GET"):
            raise HTTPError(405, f"{path} answers {allowed} only", "MethodNotAllowed", [("Allow", allowed)])
        return handler

    def _authorize(self, request: Request, scheme: str) -> None:
        if not self.keys.allows(request.headers.get("authorization"), scheme):
            challenge = 'Basic realm="promptgit"' if scheme == "Basic" else 'Bearer realm="promptgit"'
            raise HTTPError(
                401, f"an API key is required ({scheme})", "Unauthorized", [("WWW-Authenticate", challenge)]
            )

    # --- native API -------------------------------------------------------------------------------------
    def _list(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Bearer")
        repository = self.repository
        labels = repository.labels()
        prompts = []
        for name in repository.names():
            versions = repository.versions(name)
            prompts.append(
                {
                    "name": name,
                    "versions": versions,
                    "latest": versions[-1] if versions else None,
                    "labels": {label: entries[name] for label, entries in labels.items() if name in entries},
                }
            )
        return json_response(200, {"commit": repository.served_commit(), "prompts": prompts})

    def _describe(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Bearer")
        selector = unquote(path.removeprefix("/v1/prompts/"))
        prompt = self._get(selector, query.get("key"))
        metadata = prompt.metadata
        described = {
            "selector": selector,
            "name": prompt.name,
            "version": prompt.version,
            "label": prompt.label,
            "kind": metadata.get("kind"),
            "description": metadata.get("description"),
            "chat": prompt.chat,
            "model": prompt.model,
            "params": prompt.params,
            "inputs": prompt.inputs,
            "output": metadata.get("output"),
            "tags": metadata.get("tags") or [],
            "commit": prompt.commit,
            "blob_sha": prompt.blob_sha,
            "origin": prompt.origin,
        }
        return json_response(200, described, prompt=prompt.name, version=prompt.version)

    def _render(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Bearer")
        data = _json_object(request)
        selector, inputs, key = data.get("prompt"), data.get("inputs", {}), data.get("key")
        if not isinstance(selector, str) or not selector:
            raise HTTPError(400, '"prompt" must be a selector string, like "content/hook@production"')
        if not isinstance(inputs, dict):
            raise HTTPError(400, '"inputs" must be an object of input values')
        if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int))):
            raise HTTPError(400, '"key" must be a string or an integer')
        unknown = sorted(set(data) - {"prompt", "inputs", "key"})
        if unknown:
            raise HTTPError(400, f"unknown field {unknown[0]!r} (fields: prompt, inputs, key)")
        prompt = self._get(selector, key)
        try:
            rendered = prompt.render(**inputs)
        except TypeError as exc:  # an input named like render's own parameter (`self`)
            raise InputValidationError(f"{prompt.name}@{prompt.version}: invalid inputs: {exc}") from None
        answer: dict[str, Any] = {
            "prompt": prompt.name,
            "version": prompt.version,
            "label": prompt.label,
            "commit": prompt.commit,
            "blob_sha": prompt.blob_sha,
        }
        answer["messages" if isinstance(rendered, list) else "text"] = rendered
        return json_response(200, answer, prompt=prompt.name, version=prompt.version)

    def _get(self, selector: str, key: str | int | None) -> LoadedPrompt:
        """A released prompt: what is reviewed is what is served, so `@worktree` (uncommitted files of the
        server's checkout) is refused here, whatever the Repository allows its own process."""
        if "worktree" in selector and parse_selector(selector).kind == "worktree":  # parsed only if it may be
            raise HTTPError(400, f"{selector}: serve answers releases; @worktree is for development")
        return self.repository.get(selector, key=key)

    def _labels(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Bearer")
        label = unquote(path.removeprefix("/v1/labels/")) if path != "/v1/labels" else None
        rows = self.repository.describe(label)
        return json_response(200, {"commit": self.repository.served_commit(), "labels": rows})

    # --- Langfuse's public prompt API -------------------------------------------------------------------
    def _langfuse_prompt(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Basic")
        name = unquote(path.removeprefix(LANGFUSE_PREFIX + "/"))
        if not name:
            raise SelectorError("a prompt name is required")
        found = self.langfuse.prompt(name, query.get("label"), query.get("version"))
        return json_response(200, found, prompt=name, version=found["config"]["promptgit"]["version"])

    def _langfuse_list(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._authorize(request, "Basic")
        return json_response(200, self.langfuse.listing(query))

    # --- operations -------------------------------------------------------------------------------------
    def _healthz(self, request: Request, path: str, query: dict[str, str]) -> Response:
        return json_response(200, {"status": "ok"})

    def _readyz(self, request: Request, path: str, query: dict[str, str]) -> Response:
        health = self.repository.health()
        ready = bool(health["readable"] and health["commit"])
        return json_response(200 if ready else 503, {"ready": ready, **health})

    def _metrics(self, request: Request, path: str, query: dict[str, str]) -> Response:
        from prometheus_client import REGISTRY, generate_latest
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        return Response(200, generate_latest(self.registry or REGISTRY), content_type=CONTENT_TYPE_LATEST)


def _json_object(request: Request) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise HTTPError(413, f"request body over {MAX_BODY_BYTES} bytes", "PayloadTooLarge")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise HTTPError(400, "the body must be a JSON object")
    return data


def _error(status: int, kind: str, message: str, langfuse: bool, headers: Any = ()) -> Response:
    # Langfuse's SDKs read {"error", "message"}; the native API nests it, with the status
    body = (
        {"error": kind, "message": message}
        if langfuse
        else {"error": {"type": kind, "message": message, "status": status}}
    )
    response = json_response(status, body, error=kind)
    response.headers += list(headers)
    return response
