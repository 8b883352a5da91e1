"""sqlite:/// trusts only files that are this user's and private: modes, owners, a planted answer."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.backends import default_path
from tests.llm.cache.conftest import Upstream, response_value

ANOTHER_USER = 4242


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def opened(errors_of: CollectorRegistry) -> float:
    labels = {"backend": "sqlite", "operation": "open"}
    return errors_of.get_sample_value("promptgit_response_cache_errors_total", labels) or 0.0


def lookup(cache: ResponseCache, upstream: Upstream | None = None) -> tuple[dict[str, object], bool]:
    return cache.get_or_compute("k", upstream or Upstream(), prompt="p", version="1")


def test_files_are_0600_in_a_0700_directory(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        cache = ResponseCache(f"sqlite:///{tmp_path}/made/here/responses.db", registry=CollectorRegistry())
        lookup(cache)
        lookup(cache)
    finally:
        os.umask(old)
    assert mode(tmp_path / "made" / "here") == 0o700
    assert {
        name: mode(tmp_path / "made" / "here" / name) for name in os.listdir(tmp_path / "made" / "here")
    } == {
        "responses.db": 0o600,
        "responses.db-wal": 0o600,
        "responses.db-shm": 0o600,
    }


def test_the_default_directory_is_made_private_when_another_part_made_it_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    default_path().parent.mkdir(mode=0o755)  # as the loader's mirror directory once did
    os.chmod(default_path().parent, 0o755)
    lookup(ResponseCache(registry=CollectorRegistry()))
    assert (mode(default_path().parent), mode(default_path())) == (0o700, 0o600)


def test_a_directory_the_user_chose_keeps_its_mode_and_an_own_loose_file_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    cache = ResponseCache(f"sqlite:///{folder}/responses.db", registry=CollectorRegistry())
    lookup(cache)
    cache.close()
    os.chmod(folder / "responses.db", 0o644)  # as an earlier promptgit created it
    cache = ResponseCache(f"sqlite:///{folder}/responses.db", registry=CollectorRegistry())
    assert lookup(cache)[1] is True
    assert (mode(folder), mode(folder / "responses.db")) == (0o755, 0o600)


def loose_directory(path: Path) -> None:
    os.chmod(path.parent, 0o777)


def loose_file(path: Path) -> None:
    os.chmod(path, 0o666)


def foreign_file(path: Path) -> None:
    os.chown(path, ANOTHER_USER, ANOTHER_USER)


def foreign_directory(path: Path) -> None:
    os.chown(path.parent, ANOTHER_USER, ANOTHER_USER)


@pytest.mark.skipif(os.getuid() != 0, reason="making a file another user's needs root (the CI container is)")
@pytest.mark.parametrize("plant", [loose_directory, loose_file, foreign_file, foreign_directory])
def test_a_planted_answer_is_never_served(tmp_path: Path, plant: Callable[[Path], None]) -> None:
    # issue 21.9: a file another user planted was used and its entry served (`cached=True`)
    path = tmp_path / "cache" / "responses.db"
    writer = ResponseCache(f"sqlite:///{path}", registry=CollectorRegistry())
    lookup(writer, Upstream(response_value("POISONED ANSWER")))
    writer.close()
    plant(path)
    registry = CollectorRegistry()
    cache = ResponseCache(f"sqlite:///{path}", registry=registry)
    assert lookup(cache) == (response_value(), False)  # upstream's answer, nothing read from the file
    assert opened(registry) == 1  # refused, counted, failing open
    assert cache.stats().entries is None


def test_a_loose_directory_is_refused_before_anything_is_created_in_it(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o777)
    registry = CollectorRegistry()
    cache = ResponseCache(f"sqlite:///{tmp_path}/responses.db", registry=registry)
    assert lookup(cache) == (response_value(), False)
    assert opened(registry) == 1
    assert list(tmp_path.iterdir()) == []
