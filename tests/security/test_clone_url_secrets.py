"""Issue 21 item 6: a password in a clone URL (`http://bot:TOKEN@host/prompts.git`) appears nowhere: not in
the loader's warning when a fetch fails, not in GitError messages, not in the mirror directory's name."""

from __future__ import annotations

import functools
import http.server
import logging
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import GitError
from promptgit.loader import Repository
from promptgit.loader.remote import mirror_path, redacted_url

TOKEN = "s3cr3t-T0KEN-4a7d"

PROMPT = """---
version: 1.0.0
kind: hook
description: d
---
Hello.
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dumb_http_remote(prompt_repo: Any, tmp_path: Path) -> Iterator[tuple[str, http.server.HTTPServer]]:
    """A bare repository served over git's dumb HTTP protocol on 127.0.0.1 by a real HTTP server."""
    prompt_repo.write("prompts/content/hook.j2", PROMPT)
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/hook: 1.0.0\n")
    prompt_repo.commit("hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    served = tmp_path / "served"
    bare = served / "prompts.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(prompt_repo.root), str(bare)], check=True)
    subprocess.run(["git", "update-server-info"], cwd=bare, check=True)
    handler = functools.partial(_Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://bot:{TOKEN}@127.0.0.1:{server.server_address[1]}/prompts.git"
    try:
        yield url, server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_failed_fetch_warns_without_the_password(
    dumb_http_remote: tuple[str, http.server.HTTPServer], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, server = dumb_http_remote
    cache_dir = tmp_path / "cache"
    Repository.clone(url, cache_dir=cache_dir, registry=CollectorRegistry()).close()
    server.shutdown()
    server.server_close()  # the git server goes away: the next fetch fails

    with caplog.at_level(logging.WARNING):
        repository = Repository.clone(url, cache_dir=cache_dir, registry=CollectorRegistry())
    assert repository.get("content/hook@production").version == "1.0.0"  # the mirror is used as it is
    repository.close()

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "git read failed" in logged
    assert TOKEN not in logged
    assert "bot:***@127.0.0.1" in logged


def test_the_mirror_is_named_from_host_and_path_and_kept_private(
    dumb_http_remote: tuple[str, http.server.HTTPServer], tmp_path: Path
) -> None:
    url, _server = dumb_http_remote
    cache_dir = tmp_path / "cache"
    Repository.clone(url, cache_dir=cache_dir, registry=CollectorRegistry()).close()

    (mirror,) = cache_dir.iterdir()
    assert mirror == mirror_path(url, cache_dir)
    assert TOKEN not in mirror.name and "bot" not in mirror.name
    assert mirror.name.startswith("prompts-127.0.0.1-")
    # the same repository under another password is the same mirror: the name is the host and path's
    assert mirror_path(url.replace(TOKEN, "rotated"), cache_dir) == mirror
    # git keeps the URL (password included) in the mirror's config to fetch again: only its owner reads it
    assert stat.S_IMODE(os.stat(mirror).st_mode) == 0o700


@pytest.mark.parametrize(
    "url",
    [
        f"http://bot:{TOKEN}@127.0.0.1:9/prompts.git",  # nothing listens: git's own error
        f"https://bot:{TOKEN}@127.0.0.1:9/prompts.git",
        f"http://{TOKEN}@127.0.0.1:9/prompts.git",  # a token as the user name (GitHub's style)
        f"ext::sh -c touch% /tmp/x http://bot:{TOKEN}@h/p.git",  # refused before git runs
        f"http://bot:{TOKEN}@127.0.0.1:9/" + "p" * 3000,  # too long
        f"http://bot:{TOKEN}@127.0.0.1:9/p\n.git",  # control character
    ],
    ids=["http", "https", "token-user", "ext", "long", "control"],
)
def test_git_errors_never_show_the_password(url: str, tmp_path: Path) -> None:
    with pytest.raises(GitError) as raised:
        Repository.clone(url, cache_dir=tmp_path / "cache", registry=CollectorRegistry())

    assert TOKEN not in str(raised.value)
    assert "***" in str(raised.value)


def test_a_mirror_whose_fetch_fails_names_the_remote_without_its_password(
    dumb_http_remote: tuple[str, http.server.HTTPServer], tmp_path: Path
) -> None:
    from promptgit.loader.remote import Mirror

    url, server = dumb_http_remote
    mirror = Mirror(url, tmp_path / "cache")
    mirror.clone()
    server.shutdown()
    server.server_close()

    with pytest.raises(GitError) as raised:
        mirror.fetch()
    assert TOKEN not in str(raised.value) and str(raised.value).startswith("cannot fetch http://bot:***@")
    assert git.Repo(mirror.path).bare


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://bot:pw@host/p.git", "http://bot:***@host/p.git"),
        (
            "https://x-access-token:ghs_abc@github.com/o/r.git",
            "https://x-access-token:***@github.com/o/r.git",
        ),
        ("https://ghp_token@github.com/o/r.git", "https://***@github.com/o/r.git"),
        ("http://bot:p@ss@host/p.git", "http://bot:***@host/p.git"),  # an unescaped @ in the password
        ("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git"),  # no secret
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/prompts.git", "/srv/git/prompts.git"),
    ],
)
def test_redacted_url(url: str, shown: str) -> None:
    assert redacted_url(url) == shown
