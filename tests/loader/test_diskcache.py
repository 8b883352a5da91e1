"""Compiled prompts on disk: a new process reuses them, and nothing stale or broken is ever used."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

import promptgit.loader.compiler as compiler_module
from promptgit.format.templating import make_environment
from promptgit.loader import Repository
from promptgit.loader.diskcache import COMPILED_DIR, CompiledCache

CHAT = '{% message "system" %}{% include "partials/voice.j2" %}{% endmessage %}\n'
CHAT += '{% message "user" %}About {{ topic }}{% endmessage %}\n'


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt(
        "t/text", "1.0.0", body="Hello {{ topic }}\n{% for x in [1, 2] %}{{ loop.index }}{% endfor %}\n"
    )
    prompt_repo.write("prompts/partials/voice.j2", "Be brief.\n")
    prompt_repo.write_prompt("t/chat", "1.0.0", body=CHAT)
    prompt_repo.commit("release")
    prompt_repo.tag_release("t/text", "1.0.0")
    prompt_repo.tag_release("t/chat", "1.0.0")
    return prompt_repo


def entries(cache_dir: Path) -> list[Path]:
    return sorted(path for path in (cache_dir / COMPILED_DIR).rglob("*") if path.is_file())


def load(root: Path, cache_dir: Path | None) -> tuple[object, object]:
    repository = Repository(root, registry=CollectorRegistry(), cache_dir=cache_dir)
    try:
        text = repository.get("t/text@1.0.0").render(topic="bread")
        chat = repository.get("t/chat@1.0.0").render(topic="bread")
    finally:
        repository.close()
    return text, chat


def test_a_second_process_renders_from_disk_without_compiling(released, tmp_path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    expected = load(released.root, None)
    assert load(released.root, cache_dir) == expected
    assert len(entries(cache_dir)) == 2

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although the disk cache has the prompt")

    monkeypatch.setattr(compiler_module, "parse_document", must_not_parse)
    assert load(released.root, cache_dir) == expected
    assert expected[1] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "About bread"},
    ]


def test_a_broken_entry_is_a_miss_and_is_rewritten(released, tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    expected = load(released.root, cache_dir)
    for path in entries(cache_dir):
        path.write_bytes(b"\x00garbage")
    assert load(released.root, cache_dir) == expected
    assert all(path.read_bytes() != b"\x00garbage" for path in entries(cache_dir))
    for path in entries(cache_dir):
        path.write_bytes(path.read_bytes()[:20])  # truncated
    assert load(released.root, cache_dir) == expected


def test_metadata_that_json_would_change_is_not_stored(prompt_repo, tmp_path) -> None:
    prompt_repo.write_prompt("t/dated", "1.0.0", created="2024-05-01")
    prompt_repo.commit("dated")
    prompt_repo.tag_release("t/dated", "1.0.0")
    cache_dir = tmp_path / "cache"
    for _ in range(2):
        repository = Repository(prompt_repo.root, registry=CollectorRegistry(), cache_dir=cache_dir)
        prompt = repository.get("t/dated@1.0.0")
        assert str(prompt.metadata["created"]) == "2024-05-01" and prompt.render(topic="x") == "Hello x"
        repository.close()
    assert entries(cache_dir) == []


def test_keys_change_with_content_path_partials_and_environment() -> None:
    cache = CompiledCache("/nonexistent")
    environment = make_environment(lambda relative: None)
    base = cache.key(environment, "prompts/a.j2", "1" * 40, None)
    assert base == cache.key(make_environment(lambda relative: None), "prompts/a.j2", "1" * 40, None)
    assert base != cache.key(environment, "prompts/a.j2", "2" * 40, None)
    assert base != cache.key(environment, "prompts/b.j2", "1" * 40, None)
    assert base != cache.key(environment, "prompts/a.j2", "1" * 40, "c" * 40)
    other = make_environment(lambda relative: None)
    other.trim_blocks = False
    assert base != cache.key(other, "prompts/a.j2", "1" * 40, None)


def test_an_unwritable_cache_dir_only_costs_speed(released, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert load(released.root, blocker) == load(released.root, None)


def test_clone_keeps_compiled_prompts_inside_its_mirror(released, tmp_path) -> None:
    import git

    from promptgit.loader.remote import mirror_path

    bare = tmp_path / "server" / "prompts.git"
    git.Repo.init(bare, bare=True, initial_branch="main").close()
    released.git.create_remote("origin", str(bare))
    released.git.git.push("origin", "HEAD:main", "--tags")
    cache_dir = tmp_path / "mirrors"
    for _ in range(2):
        repository = Repository.clone(str(bare), cache_dir=cache_dir, registry=CollectorRegistry())
        assert repository.get("t/text@1.0.0").render(topic="x").startswith("Hello x")
        repository.close()
    mirror = mirror_path(str(bare), cache_dir)
    assert sorted(path.name for path in cache_dir.iterdir()) == [mirror.name]
    assert len(entries(mirror)) == 1


def test_the_fingerprint_covers_the_modules_that_compile() -> None:
    # a change to how prompts compile must make every entry unfindable: each module is read and hashed
    from promptgit.loader import diskcache

    paths = diskcache.compiling_modules()
    assert [path.name for path in paths] == ["prompt.py", "templating.py", "messages.py", "frontmatter.py"]
    assert all(path.is_file() for path in paths)
