"""Traffic splits at run time: sticky assignment by key, ramps that only move keys forward, TTL, gaps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from promptgit.store.traffic_split import assignment_point, choose, make_split

ROOT = Path(__file__).resolve().parents[2]


def sample(registry, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return registry.get_sample_value(name, labels) or 0.0


def set_labels(library, production: str) -> None:  # type: ignore[no-untyped-def]
    library.write("prompts/labels.yaml", f"production:\n  content/hook: {production}\n")
    library.commit(f"production -> {production}")


def test_a_90_10_split_sends_10_percent_of_100000_keys_to_the_new_version(library, make_repository) -> None:
    set_labels(library, "{1.0.0: 90, 1.1.0: 10}")
    repository = make_repository(library.root)
    keys = [uuid.uuid4().hex for _ in range(100_000)]
    new = sum(repository.get("content/hook@production", key=key).version == "1.1.0" for key in keys)
    assert abs(new / len(keys) - 0.10) <= 0.005


def test_the_picked_prompt_says_which_variant_it_is(library, make_repository, registry) -> None:
    set_labels(library, "{1.0.0: 50, 1.1.0: 50}")
    repository = make_repository(library.root)
    picked = {
        p.version: p for p in (repository.get("content/hook@production", key=f"u{n}") for n in range(40))
    }
    assert {(p.label, p.version) for p in picked.values()} == {
        ("production", "1.0.0"),
        ("production", "1.1.0"),
    }
    for prompt in picked.values():
        prompt.render(topic="bread")
    # the render metrics carry the version each variant rendered
    for version in ("1.0.0", "1.1.0"):
        assert sample(registry, "promptgit_loader_renders_total", prompt="content/hook", version=version) == 1
    # a label pointing at one version is not a split, but it is the label (issue 19.16: spans carry it)
    set_labels(library, "1.0.0")
    plain = make_repository(library.root).get("content/hook@production", key="user-1")
    assert (plain.label, plain.variant, plain.version) == ("production", None, "1.0.0")
    assert make_repository(library.root).get("content/hook@1.0.0").label is None


def test_without_a_key_each_call_is_assigned_by_weight(library, make_repository) -> None:
    set_labels(library, "{1.0.0: 50, 1.1.0: 50}")
    repository = make_repository(library.root)
    versions = [repository.get("content/hook@production").version for _ in range(400)]
    assert 120 < versions.count("1.1.0") < 280  # 50%: more than 8 standard deviations of slack


ASSIGN = """
import json, sys
from prometheus_client import CollectorRegistry
from promptgit import Repository
repository = Repository(sys.argv[1], registry=CollectorRegistry())
print(json.dumps([repository.get("content/hook@production", key=f"user-{n}").version for n in range(300)]))
"""


def test_the_same_key_gets_the_same_version_in_another_process(library, make_repository) -> None:
    set_labels(library, "{1.0.0: 70, 1.1.0: 30}")
    here = [
        make_repository(library.root).get("content/hook@production", key=f"user-{n}").version
        for n in range(300)
    ]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", ASSIGN, str(library.root)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=True,
    )
    assert json.loads(result.stdout) == here
    assert set(here) == {"1.0.0", "1.1.0"}


@pytest.mark.parametrize(("old", "new"), [("1.2.0", "1.3.0"), ("1.3.0", "1.2.0")])
def test_each_ramp_step_keeps_every_key_that_had_the_new_version(old: str, new: str) -> None:
    keys = [f"user-{n}" for n in range(20_000)]
    points = [assignment_point("production", "content/hook", key) for key in keys]
    previous: set[int] = set()
    for step in (10, 25, 50, 100):
        split = make_split({old: 100 - step, new: step})
        on_new = {index for index, point in enumerate(points) if choose(split.weights, point) == new}
        assert previous <= on_new, f"step {step}: {len(previous - on_new)} keys went back to {old}"
        assert abs(len(on_new) / len(keys) - step / 100) < 0.02
        previous = on_new
    assert len(previous) == len(keys)


def test_a_ramp_through_labels_yaml_moves_users_only_forward(library, make_repository, clock) -> None:
    set_labels(library, "{1.0.0: 90, 1.1.0: 10}")
    repository = make_repository(library.root, cache_ttl=10)
    keys = [f"user-{n}" for n in range(2000)]

    def on_new() -> set[str]:
        return {key for key in keys if repository.get("content/hook@production", key=key).version == "1.1.0"}

    previous = on_new()
    for step in (25, 50, 100):
        set_labels(library, f"{{1.0.0: {100 - step}, 1.1.0: {step}}}")
        clock.advance(11)  # past the TTL: the next get() refreshes in the background
        repository.get("content/hook@production")
        assert repository.wait_for_refreshes(30)
        now = on_new()
        assert previous < now
        previous = now
    assert previous == set(keys)


def test_a_changed_split_is_seen_after_the_ttl(library, make_repository, clock) -> None:
    set_labels(library, "1.0.0")
    repository = make_repository(library.root, cache_ttl=10)
    assert repository.get("content/hook@production", key="u").version == "1.0.0"
    set_labels(library, "{1.0.0: 0, 1.1.0: 100}")
    clock.advance(5)
    assert repository.get("content/hook@production", key="u").version == "1.0.0"  # within the TTL
    clock.advance(6)
    repository.get("content/hook@production", key="u")  # served stale, refreshed in the background
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production", key="u").version == "1.1.0"
    # and a split ended by `label set` is seen the same way
    set_labels(library, "1.0.0")
    clock.advance(11)
    repository.get("content/hook@production", key="u")
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production", key="u").version == "1.0.0"


def test_a_version_without_a_tag_is_served_by_the_others_and_counted(
    library, make_repository, registry
) -> None:
    set_labels(library, "{1.0.0: 50, 1.1.0: 25, 1.5.0: 25}")  # 1.5.0 was never released
    repository = make_repository(library.root)
    keys = [f"user-{n}" for n in range(400)]
    served = {key: repository.get("content/hook@production", key=key).version for key in keys}
    assert set(served.values()) == {"1.0.0", "1.1.0"}
    split = make_split({"1.0.0": 50, "1.1.0": 25, "1.5.0": 25})
    intended = {
        key: choose(split.weights, assignment_point("production", "content/hook", key)) for key in keys
    }
    # keys assigned to a released version keep it; the missing version's keys are counted and spread
    assert all(served[key] == version for key, version in intended.items() if version != "1.5.0")
    missing = sum(version == "1.5.0" for version in intended.values())
    assert missing > 50
    assert {served[key] for key, version in intended.items() if version == "1.5.0"} == {"1.0.0", "1.1.0"}
    counted = sample(
        registry,
        "promptgit_loader_split_unavailable_total",
        prompt="content/hook",
        label="production",
        version="1.5.0",
    )
    assert counted == missing
    # sticky all the same: the same key lands on the same stand-in every time
    assert {key: repository.get("content/hook@production", key=key).version for key in keys} == served


def test_a_split_with_no_loadable_version_fails_like_a_missing_label(library, make_repository) -> None:
    from promptgit.errors import PromptNotFoundError

    set_labels(library, "{3.0.0: 50, 4.0.0: 50}")
    repository = make_repository(library.root)
    with pytest.raises(PromptNotFoundError, match="no version of the split"):
        repository.get("content/hook@production", key="u")
    fallback = make_repository(library.root, fallback="Fallback {{ topic }}")
    assert fallback.get("content/hook@production", key="u").origin == "fallback"


def test_the_cli_names_a_split_instead_of_guessing_a_version(library) -> None:
    set_labels(library, "{1.0.0: 90, 1.1.0: 10}")
    result = subprocess.run(
        [sys.executable, "-m", "promptgit", "-C", str(library.root), "show", "content/hook@production"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode != 0
    assert "splits traffic {1.0.0: 90, 1.1.0: 10}" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_prompts_with_the_same_content_stay_two_prompts(prompt_repo, make_repository) -> None:
    for name in ("a/hook", "b/hook"):
        prompt_repo.write_prompt(name, "1.0.0", body="Same {{ topic }}\n")
    prompt_repo.commit("same content")
    for name in ("a/hook", "b/hook"):
        prompt_repo.tag_release(name, "1.0.0")
    repository = make_repository(prompt_repo.root)
    assert [repository.get(f"{name}@1.0.0").name for name in ("a/hook", "b/hook")] == ["a/hook", "b/hook"]


@pytest.mark.parametrize(
    "key",
    ["\ud800", "cut emoji \ud83d", "\udfff\ud800", 10**5000, -(10**5000), 10**4299, True, 0, "", "é😀"],
    ids=[
        "lone",
        "cut-emoji",
        "reversed-pair",
        "5000-digits",
        "minus-5000-digits",
        "4300-digits",
        "bool",
        "zero",
        "empty",
        "emoji",
    ],
)
def test_any_str_or_int_key_hashes_or_raises_a_promptgit_error(library, make_repository, key) -> None:
    """A key from a JSON body (a lone surrogate is legal JSON) or an enormous int never escapes as a raw
    UnicodeEncodeError or ValueError (issue 21.5)."""
    from promptgit.errors import InputValidationError

    set_labels(library, "{1.0.0: 50, 1.1.0: 50}")
    repository = make_repository(library.root)
    try:
        first = repository.get("content/hook@production", key=key).version
    except InputValidationError as exc:
        assert isinstance(key, int) and "key=" in str(exc)
        return
    assert isinstance(key, str) or abs(key) < 10**4300  # only enormous ints are refused
    # sticky like any key: the same key gets the same version again
    assert all(repository.get("content/hook@production", key=key).version == first for _ in range(5))


def test_a_surrogate_key_keeps_the_assignment_of_every_valid_key() -> None:
    """surrogatepass encodes valid text exactly as UTF-8 does: no existing user moves."""
    import hashlib

    for key in ["user-1", "é😀", "", "x" * 1000]:
        expected = int.from_bytes(
            hashlib.sha256(b"production\0content/hook\0" + key.encode("utf-8")).digest()[:8], "big"
        )
        assert assignment_point("production", "content/hook", key) == expected
