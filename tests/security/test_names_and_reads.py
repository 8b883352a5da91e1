"""Issue 11, items 2 and 4: one name check for every entry point, one contained and bounded reader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptgit.errors import PromptSyntaxError, SelectorError
from promptgit.sources.contained import printable, read_contained
from promptgit.store.selectors import Selector, check_name, parse_selector

HOSTILE_NAMES = [
    "../x",
    "a/../../b",
    "/etc/passwd",
    "a\x00b",
    "a\nb",
    "a\n",
    "a" * 10_000,
    "a/" + "b" * 300,
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda name: repr(name)[:20])
def test_hostile_names_are_refused_by_every_way_in(name: str) -> None:
    with pytest.raises(SelectorError, match="invalid prompt name"):
        check_name(name)
    with pytest.raises(SelectorError):
        Selector(name, "worktree")  # built by hand, as `get(Selector(...))` callers do
    if name.strip() == name and name:  # parse_selector trims surrounding whitespace first
        with pytest.raises(SelectorError):
            parse_selector(f"{name}@worktree")


def test_messages_about_long_names_stay_short() -> None:
    with pytest.raises(SelectorError) as raised:
        check_name("a" * 10_000)
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize("name", ["content/hook", "a.b-c_d/e", "x" * 200])
def test_ordinary_names_pass(name: str) -> None:
    assert check_name(name) == name
    assert Selector(name, "latest").name == name


def test_the_reader_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "p.j2"
    os.mkfifo(fifo)
    with pytest.raises(PromptSyntaxError, match="not a regular file") as raised:
        read_contained(fifo, "p.j2", 1000, tmp_path)
    assert raised.value.code == "PG106"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_the_reader_refuses_devices(tmp_path: Path, device: str) -> None:
    with pytest.raises(PromptSyntaxError, match="not a regular file"):
        read_contained(Path(device), "dev.j2", 1000, Path("/dev"))


def test_the_reader_stays_inside_its_directory(tmp_path: Path) -> None:
    inside, outside = tmp_path / "repo", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    (outside / "x.j2").write_text("secret", "utf-8")
    (inside / "link").symlink_to(outside)
    with pytest.raises(PromptSyntaxError, match="resolves outside"):
        read_contained(inside / "link" / "x.j2", "link/x.j2", 1000, inside)


def test_the_reader_reads_at_most_max_bytes(tmp_path: Path) -> None:
    big = tmp_path / "big.j2"
    with big.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    with pytest.raises(PromptSyntaxError, match="over max_file_bytes") as raised:
        read_contained(big, "big.j2", 1000, tmp_path)
    assert raised.value.code == "PG104"
    (tmp_path / "ok.j2").write_bytes(b"x" * 1000)
    assert read_contained(tmp_path / "ok.j2", "ok.j2", 1000, tmp_path) == b"x" * 1000


def test_a_symlink_loop_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "loop.j2").symlink_to("loop.j2")
    with pytest.raises(PromptSyntaxError, match="cannot read file"):
        read_contained(tmp_path / "loop.j2", "loop.j2", 1000, tmp_path)


def test_control_characters_are_escaped_in_shown_paths() -> None:
    assert printable("prompts/a\nb\x1b.j2") == "prompts/a\\nb\\x1b.j2"
    assert printable("prompts/ünïcode.j2") == "prompts/ünïcode.j2"
