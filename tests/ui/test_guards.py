"""The UI's safety: Host headers (DNS rebinding), cross-site posts, methods, and that nothing writes."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode

from tests.conftest import PromptRepo
from tests.ui.conftest import UIProcess, snapshot


def request(
    ui: UIProcess, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", ui.port, timeout=30)
    try:
        sent = {"Host": f"127.0.0.1:{ui.port}", **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def csrf_token(ui: UIProcess) -> str:
    status, page = request(ui, "GET", "/render/greeting")
    assert status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_host_that_is_not_the_bound_address_is_refused(ui: UIProcess) -> None:
    for host in ("evil.example", f"evil.example:{ui.port}", "127.0.0.1:1", f"127.0.0.2:{ui.port}"):
        status, body = request(ui, "GET", "/", {"Host": host})
        assert (status, body) == (421, "refused: the Host header is not this server's address\n"), host
    assert request(ui, "GET", "/", {"Host": f"localhost:{ui.port}"})[0] == 200
    assert request(ui, "GET", "/")[0] == 200


def test_a_cross_site_post_is_refused(ui: UIProcess) -> None:
    token = csrf_token(ui)
    form = urlencode({"csrf": token, "input.topic": "x"})
    own = f"http://127.0.0.1:{ui.port}"

    refused = "refused: a form posted from another site\n"
    assert request(ui, "POST", "/render/greeting", {"Origin": "https://evil.example"}, form) == (403, refused)
    assert request(ui, "POST", "/render/greeting", {"Origin": "null"}, form) == (403, refused)
    cross = {"Origin": own, "Sec-Fetch-Site": "cross-site"}
    assert request(ui, "POST", "/render/greeting", cross, form) == (403, refused)
    no_token = urlencode({"input.topic": "x"})
    assert request(ui, "POST", "/render/greeting", {"Origin": own}, no_token) == (
        403,
        "refused: the form is not one of this server's pages\n",
    )
    status, page = request(
        ui, "POST", "/render/greeting", {"Origin": own, "Sec-Fetch-Site": "same-origin"}, form
    )
    assert status == 200
    assert '<pre class="text-output">Hello x</pre>' in page


def test_only_reading_methods_and_forms_are_served(ui: UIProcess) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert request(ui, method, "/") == (405, "refused: this UI only reads\n")
    json_post = {"Content-Type": "application/json"}
    assert request(ui, "POST", "/render/greeting", json_post, "{}")[0] == 415


def test_pages_send_no_script_and_forbid_framing(ui: UIProcess) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", ui.port, timeout=30)
    connection.request("GET", "/", headers={"Host": f"127.0.0.1:{ui.port}"})
    response = connection.getresponse()
    policy = response.getheader("Content-Security-Policy") or ""
    response.read()
    connection.close()
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy


def test_every_page_leaves_the_repository_as_it_was(library: PromptRepo, ui: UIProcess) -> None:
    before = snapshot(library.root)
    token = csrf_token(ui)
    own = {"Origin": f"http://127.0.0.1:{ui.port}"}
    pages = ["/", "/?q=hook&kind=hook&label=production", "/static/ui.css"]
    for name in ("content/hook", "greeting", "xss/evil"):
        pages += [f"/prompt/{name}", f"/diff/{name}", f"/render/{name}", f"/blame/{name}"]
    pages += ["/diff/content/hook?old=1.0.0&new=worktree", "/blame/content/hook?version=1.0.0"]
    for path in pages:
        assert request(ui, "GET", path)[0] == 200, path
    for version in ("worktree", "1.1.0"):
        form = urlencode({"csrf": token, "version": version, "input.topic": "t", "input.examples": "[]"})
        assert request(ui, "POST", "/render/content/hook", own, form)[0] == 200
    assert request(ui, "GET", "/prompt/no/such")[0] == 404

    assert snapshot(library.root) == before


def test_a_release_made_while_the_ui_runs_shows_on_the_next_page(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("a", "0.1.0")
    prompt_repo.commit("a 0.1.0")
    server = UIProcess(prompt_repo.root)
    try:
        assert "not released" in request(server, "GET", "/")[1]
        prompt_repo.tag_release("a", "0.1.0", "the first one")
        prompt_repo.write("prompts/labels.yaml", "production:\n  a: 0.1.0\n")
        prompt_repo.commit("Promote a 0.1.0")

        index = request(server, "GET", "/")[1]
        page = request(server, "GET", "/prompt/a")[1]
    finally:
        server.stop()
    assert "not released" not in index and "production: 0.1.0" in index
    assert "the first one" in page and "Promote a 0.1.0" in page


def test_names_and_versions_outside_the_library_are_not_found(ui: UIProcess) -> None:
    for path in (
        "/prompt/..%2F..%2Fetc%2Fpasswd",
        "/prompt/../../etc/passwd",
        "/blame/content/hook?version=../../../HEAD",
        "/diff/content/hook?old=../../../../etc&new=worktree",
        "/render/%00",
        "/prompt/content/hook\nx",
    ):
        status, page = request(ui, "GET", path.replace("\n", "%0A"))
        assert status == 404, (path, page[-300:])
        assert "Not found" in page


def test_a_version_that_refuses_the_inputs_is_named_on_the_diff_page(ui: UIProcess) -> None:
    query = urlencode({"old": "1.0.0", "new": "1.1.0", "inputs": '{"topic": 1}'})
    status, page = request(ui, "GET", f"/diff/content/hook?{query}")
    assert status == 200
    assert "1.0.0: invalid inputs: topic: 1 is not of type &#39;string&#39;" in page
