"""Issue 11, item 5: the compiled-prompt disk cache never runs code it cannot authenticate."""

from __future__ import annotations

import marshal
import os
import stat
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository
from promptgit.loader.diskcache import COMPILED_DIR


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt("t/text", "1.0.0", body="Hello {{ topic }}\n")
    prompt_repo.commit("release")
    prompt_repo.tag_release("t/text", "1.0.0")
    return prompt_repo


def entries(cache_dir: Path) -> list[Path]:
    return sorted(path for path in (cache_dir / COMPILED_DIR).rglob("*") if path.is_file())


def render(root: Path, cache_dir: Path, registry: CollectorRegistry) -> str:
    repository = Repository(root, registry=registry, cache_dir=cache_dir)
    try:
        return str(repository.get("t/text@1.0.0").render(topic="bread"))
    finally:
        repository.close()


def rejects(registry: CollectorRegistry, reason: str) -> float:
    return registry.get_sample_value("promptgit_loader_disk_cache_rejects_total", {"reason": reason}) or 0.0


def forged_entry(marker: Path) -> bytes:
    """What an attacker who can write the cache directory (but not read the key) puts there: a record
    of the right shape whose code object writes `marker` when it is executed."""
    code = compile(f"open({str(marker)!r}, 'w').write('pwned')\n", "<forged>", "exec")
    return marshal.dumps((1, "{}", 5, False, "Hello {{ topic }}\n", code))


def test_a_replaced_entry_is_never_executed_and_is_counted(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    assert render(released.root, cache_dir, CollectorRegistry()) == "Hello bread"
    marker = tmp_path / "pwned"
    (entry,) = entries(cache_dir)
    entry.write_bytes(forged_entry(marker))
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert not marker.exists()
    assert rejects(registry, "signature") == 1
    # the refused entry was compiled again and rewritten: the next process uses it without a reject
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert rejects(registry, "signature") == 0


def test_the_key_file_is_private_and_refused_when_it_is_not(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    render(released.root, cache_dir, CollectorRegistry())
    key = cache_dir / f"{COMPILED_DIR}.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((cache_dir / COMPILED_DIR).stat().st_mode) == 0o700
    key.chmod(0o644)  # readable by others: anyone could sign entries with it
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert rejects(registry, "untrusted_directory") == 1


def test_a_directory_others_can_write_is_not_used(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    (cache_dir / COMPILED_DIR).mkdir(parents=True)
    (cache_dir / COMPILED_DIR).chmod(0o777)
    marker = tmp_path / "pwned"
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert rejects(registry, "untrusted_directory") == 1
    assert entries(cache_dir) == []  # nothing is written into a directory others control either
    assert not marker.exists()


def test_an_entry_others_can_write_is_refused_even_when_signed(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    render(released.root, cache_dir, CollectorRegistry())
    (entry,) = entries(cache_dir)
    os.chmod(entry, 0o666)
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert rejects(registry, "untrusted_entry") == 1


def test_a_symlinked_entry_is_refused(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    render(released.root, cache_dir, CollectorRegistry())
    (entry,) = entries(cache_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    registry = CollectorRegistry()
    assert render(released.root, cache_dir, registry) == "Hello bread"
    assert rejects(registry, "untrusted_entry") == 1
    assert entry.is_symlink() is False  # replaced by a real entry of ours
