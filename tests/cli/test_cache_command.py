"""`promptgit cache stats|prune|clear`: exact output on a real SQLite file and a real redis-server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from promptgit.cli import main
from promptgit.llm.cache import ResponseCache
from tests.llm.cache.conftest import FakeClock, Upstream, redis_server  # noqa: F401 (a fixture)
from tests.llm.cache.redis_server import RedisServer, free_port


def fill(url: str, keys: range, **options: object) -> None:
    cache = ResponseCache(url, registry=CollectorRegistry(), ttl=60, **options)  # type: ignore[arg-type]
    for n in keys:
        cache.get_or_compute(f"k{n}", Upstream(), prompt="p", version="1")
    cache.close()


def test_stats_prune_and_clear_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/responses.db"
    fill(url, range(3), clock=FakeClock())  # written in 2023 for 60 s: expired by now
    fill(url, range(3, 5))
    assert main(["cache", "stats", "--url", url, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["backend"], stats["path"]) == ("sqlite", f"{tmp_path}/responses.db")
    assert (stats["entries"], stats["expired"]) == (2, 3)
    assert main(["cache", "prune", "--url", url]) == 0
    assert capsys.readouterr().out == f"{url}: pruned 3 entries\n"
    assert main(["cache", "clear", "--url", url]) == 0
    assert capsys.readouterr().out == f"{url}: cleared 2 entries\n"


def test_the_default_url_is_the_embedded_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["cache", "stats"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        f"url          sqlite:///{tmp_path}/promptgit/responses.db",
        "backend      sqlite",
        f"path         {tmp_path}/promptgit/responses.db",
        "entries      0",
    ]
    assert list(tmp_path.iterdir()) == []  # neither the directory nor an empty database made


def test_stats_and_clear_on_redis(
    redis_server: RedisServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    fill(redis_server.url, range(2), prefix="app:")
    assert main(["cache", "stats", "--url", redis_server.url, "--prefix", "app:", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["backend"], stats["prefix"], stats["entries"]) == ("redis", "app:", 2)
    assert main(["cache", "clear", "--url", redis_server.url, "--prefix", "app:"]) == 0
    assert capsys.readouterr().out == f"{redis_server.url}: cleared 2 entries\n"


def test_an_unreachable_backend_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert main(["cache", "stats", "--url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"promptgit: error: {url}: ConnectionError: ")
    assert len(err.splitlines()) == 1


def test_a_file_that_is_not_a_cache_is_reported_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 21.9: `cache stats --url sqlite:///notes.txt` renamed a user's file it never created
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\n" * 1000)
    assert main(["cache", "stats", "--url", f"sqlite:///{notes}"]) == 2
    assert capsys.readouterr().err == (
        f"promptgit: error: sqlite:///{notes}: DatabaseError: file is not a database\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
    assert notes.read_bytes() == b"my notes\n" * 1000


def test_another_programs_database_is_refused_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    before = path.read_bytes()
    assert main(["cache", "stats", "--url", f"sqlite:///{path}"]) == 2
    assert capsys.readouterr().err == (
        f"promptgit: error: sqlite:///{path}: UntrustedPath: {path} is an SQLite database but not a"
        " promptgit response cache\n"
    )
    assert path.read_bytes() == before  # not even switched to WAL
    assert sorted(found.name for found in tmp_path.iterdir()) == ["app.db"]


def test_stats_of_a_cache_not_created_yet_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/new/responses.db"
    for action in ("stats", "prune", "clear"):
        assert main(["cache", action, "--url", url]) == 0
    assert list(tmp_path.iterdir()) == []
    assert "entries      0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("memory://", "memory:// lives inside one process"),
        ("ftp://x", "unknown scheme 'ftp'"),
        ("sqlite://", "expected sqlite:///relative.db or sqlite:////abs/path.db"),
    ],
)
def test_urls_that_cannot_be_used(url: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "stats", "--url", url]) == 2
    assert message in capsys.readouterr().err
