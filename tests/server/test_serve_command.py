"""`promptgit serve` as a process: a label moved in git (or a new bundle) is served within the TTL; keys
are required off loopback; the startup line says where it serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptgit.bundles.building import build_bundle
from tests.conftest import PromptRepo
from tests.server.http_calls import call


class ServeProcess:
    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "promptgit", "serve", "--port", "0", "--quiet", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("promptgit: serving "), line + self.process.stderr.read()  # type: ignore[union-attr]
        self.url = line.split(" on ", 1)[1].split(" ", 1)[0]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


@pytest.fixture
def processes() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for process in started:
        if process.process.poll() is None:
            process.stop()


def version_of(url: str, selector: str) -> str:
    status, _, body = call(url, "GET", f"/v1/prompts/{selector}")
    assert status == 200, body
    return str(body["version"])


def wait_for(url: str, selector: str, version: str) -> None:
    """Poll until `selector` serves `version` (the TTL is 1 s; the deadline only stops a broken test)."""
    deadline = time.monotonic() + 60
    while version_of(url, selector) != version:
        assert time.monotonic() < deadline, f"{selector} still not {version}"
        time.sleep(0.2)


def test_a_label_moved_in_git_is_served_within_the_ttl(
    history: PromptRepo, processes: list[ServeProcess]
) -> None:
    server = ServeProcess(str(history.root), "--cache-ttl", "1", cwd=history.root)
    processes.append(server)
    assert version_of(server.url, "content/hook@production") == "1.1.0"
    labels = history.root / "prompts/labels.yaml"
    labels.write_text(labels.read_text().replace("content/hook: 1.1.0", "content/hook: 2.0.0"))
    history.commit("promote 2.0.0")
    wait_for(server.url, "content/hook@production", "2.0.0")
    server.stop()
    assert server.process.returncode == 0


def test_a_new_bundle_is_served_within_the_ttl(
    history: PromptRepo, processes: list[ServeProcess], tmp_path: Path
) -> None:
    bundle = tmp_path / "prompts.bundle.json"
    bundle.write_bytes(build_bundle(history.root))
    server = ServeProcess("--bundle", str(bundle), "--cache-ttl", "1", cwd=tmp_path)
    processes.append(server)
    assert version_of(server.url, "content/hook@production") == "1.1.0"
    labels = history.root / "prompts/labels.yaml"
    labels.write_text(labels.read_text().replace("content/hook: 1.1.0", "content/hook: 1.0.0"))
    history.commit("roll back")
    staged = tmp_path / "next.json"
    staged.write_bytes(build_bundle(history.root))
    os.replace(staged, bundle)
    wait_for(server.url, "content/hook@production", "1.0.0")


def test_off_loopback_an_api_key_is_required(history: PromptRepo) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "PROMPTGIT_SERVE_API_KEYS"}
    done = subprocess.run(
        [sys.executable, "-m", "promptgit", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=history.root,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("keys are optional only on a loopback address")
    assert done.stderr.count("\n") == 1


def test_off_loopback_with_a_key(history: PromptRepo, processes: list[ServeProcess]) -> None:
    environment = {**os.environ, "PROMPTGIT_SERVE_API_KEYS": "sk-a,sk-b"}
    server = ServeProcess("--host", "0.0.0.0", cwd=history.root, env=environment)
    processes.append(server)
    url = server.url.replace("0.0.0.0", "127.0.0.1")
    assert call(url, "GET", "/v1/prompts")[0] == 401
    assert call(url, "GET", "/v1/prompts", headers={"Authorization": "Bearer sk-b"})[0] == 200
