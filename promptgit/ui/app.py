"""The UI as a WSGI application: routing, the request guards, and pages from Jinja templates.

WSGI is the small adapter: the standard library serves it (server.py), and `promptgit serve` (or any WSGI or,
through an adapter, ASGI server) can mount the same object. Inside, a request is a plain `Request` and a page
a plain `Response`, so the guards and pages know nothing of the server.

The page templates live in an Environment of their own, with autoescape on: they are our HTML, apart from
the prompt sandbox, and every value a prompt or a request brings (a body holding `<script>`, an input) is
escaped as text.

Guards, for a server on a developer's machine that any web page in their browser can send requests to:
- the Host header must name the bound address (a DNS-rebinding page has its own name there);
- a POST must come from our own pages: a matching Origin when sent, Sec-Fetch-Site same-origin when sent,
  and the per-process CSRF token of our forms;
- only GET, HEAD and POST; nothing writes to the repository (the pages only read).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote

from promptgit.errors import PromptgitError, PromptNotFoundError, SelectorError
from promptgit.ui.views import Views

MAX_BODY = 1 << 20  # a render form is a few KiB; anything larger is refused
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
SECURITY_HEADERS = [
    # no script at all, no framing, nothing loaded from elsewhere
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    # not no-referrer: with it Chromium sends `Origin: null` on our own form posts
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    form: dict[str, list[str]] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[-1]


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"


class UIApp:
    """`promptgit ui`'s pages over one repository; call `allow(host, port)` once the port is bound."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.csrf_token = secrets.token_urlsafe(32)
        self.allowed_hosts: frozenset[str] = frozenset()
        self.origin = ""
        self._templates = _environment()

    def allow(self, host: str, port: int) -> None:
        """Accept requests for `host:port` (and `localhost:port` when bound to a loopback address)."""
        shown = f"[{host}]" if ":" in host else host
        hosts = {f"{shown}:{port}"}
        if host in ("127.0.0.1", "::1"):
            hosts.add(f"localhost:{port}")
        self.allowed_hosts = frozenset(hosts)
        self.origin = f"http://{shown}:{port}"

    # --- WSGI -----------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request, refused = _request(environ)
        response = refused or self.handle(request)
        status = HTTPStatus(response.status)
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        start_response(f"{status.value} {status.phrase}", headers + SECURITY_HEADERS)
        return [b"" if request.method == "HEAD" else response.body]

    # --- routing --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        path = request.path
        if not path.startswith("/static/"):
            self.views.reader.refresh()
        try:
            if path == "/":
                return self.page(
                    "index.html",
                    self.views.index(request.arg("q"), request.arg("kind"), request.arg("label")),
                )
            if path.startswith("/static/"):
                return _static(path.removeprefix("/static/"))
            for prefix, page in (
                ("/prompt/", self._prompt),
                ("/diff/", self._diff),
                ("/render/", self._render),
                ("/blame/", self._blame),
            ):
                if path.startswith(prefix) and len(path) > len(prefix):
                    return page(path.removeprefix(prefix), request)
        except (PromptNotFoundError, SelectorError) as exc:
            return self.page("error.html", {"title": "Not found", "message": str(exc)}, HTTPStatus.NOT_FOUND)
        except PromptgitError as exc:
            return self.page("error.html", {"title": "Cannot show this", "message": str(exc)}, 500)
        except Exception as exc:  # a bug of ours: a page saying so, and the traceback on the terminal
            logging.getLogger("promptgit.ui").exception("unexpected error on %s; please report it", path)
            message = f"unexpected error: {type(exc).__name__} (the traceback is on the terminal)"
            return self.page("error.html", {"title": "Unexpected error", "message": message}, 500)
        return self.page(
            "error.html", {"title": "Not found", "message": f"no page {path}"}, HTTPStatus.NOT_FOUND
        )

    def refusal(self, request: Request) -> Response | None:
        """The guards: Host, method, and where a POST comes from."""
        if request.headers.get("host", "") not in self.allowed_hosts:
            return _plain(
                HTTPStatus.MISDIRECTED_REQUEST, "refused: the Host header is not this server's address"
            )
        if request.method not in ("GET", "HEAD", "POST"):
            return _plain(HTTPStatus.METHOD_NOT_ALLOWED, "refused: this UI only reads")
        if request.method == "POST":
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            token = request.form.get("csrf", [""])[-1]
            if origin is not None and origin != self.origin:
                return _plain(HTTPStatus.FORBIDDEN, "refused: a form posted from another site")
            if site is not None and site not in ("same-origin", "none"):
                return _plain(HTTPStatus.FORBIDDEN, "refused: a form posted from another site")
            if not hmac.compare_digest(token.encode(), self.csrf_token.encode()):
                return _plain(HTTPStatus.FORBIDDEN, "refused: the form is not one of this server's pages")
        return None

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> Response:
        html = self._templates.get_template(template).render(
            csrf_token=self.csrf_token, root=str(self.views.reader.root), **context
        )
        return Response(int(status), html.encode("utf-8"))

    def _prompt(self, name: str, request: Request) -> Response:
        return self.page("prompt.html", self.views.prompt(name))

    def _diff(self, name: str, request: Request) -> Response:
        context = self.views.diff(
            name, request.arg("old") or None, request.arg("new") or None, request.arg("inputs") or None
        )
        return self.page("diff.html", context)

    def _render(self, name: str, request: Request) -> Response:
        form = request.form if request.method == "POST" else None
        version = (form or {}).get("version", [""])[-1] or request.arg("version") or None
        return self.page("render.html", self.views.render_form(name, version, form))

    def _blame(self, name: str, request: Request) -> Response:
        return self.page("blame.html", self.views.blame(name, request.arg("version") or None))


def _request(environ: dict[str, Any]) -> tuple[Request, Response | None]:
    """The WSGI environ as a Request; a body over MAX_BODY, or not a form, is refused here."""
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    request = Request(method, path, query, headers)
    if method != "POST":
        return request, None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 <= length <= MAX_BODY:
        return request, _plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "refused: the form is too large")
    kind = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        return request, _plain(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "refused: not a form of this server")
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    form = parse_qs(body, keep_blank_values=True)
    return Request(method, path, query, headers, form), None


def _plain(status: int, text: str) -> Response:
    return Response(int(status), (text + "\n").encode(), "text/plain; charset=utf-8")


def _static(name: str) -> Response:
    """A file shipped in promptgit/ui/static (package data): no CDN, no build step."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        return _plain(HTTPStatus.NOT_FOUND, "not found")
    file = resources.files("promptgit.ui").joinpath("static").joinpath(name)
    if not file.is_file():
        return _plain(HTTPStatus.NOT_FOUND, "not found")
    return Response(200, file.read_bytes(), STATIC_TYPES[suffix])


def _environment() -> Any:
    """The pages' own Jinja environment (not the prompt sandbox), autoescape on for every template."""
    from jinja2 import Environment, PackageLoader

    environment = Environment(
        loader=PackageLoader("promptgit.ui", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    environment.filters["short"] = lambda sha: (sha or "")[:10]
    environment.globals["link"] = lambda name: quote(name)
    return environment


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M %z").strip() if value else "?"
