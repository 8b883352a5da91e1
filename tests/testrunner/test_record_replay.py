"""Record with the real openai SDK against the stand-in, then replay with the stand-in stopped."""

from __future__ import annotations

import pytest

from promptgit.testing import StandIn

from .conftest import cassette, run_json, run_test


def test_record_then_replay_with_the_stand_in_stopped(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    code, report = run_json(capsys, "--record", "--cache", "memory://")

    assert code == 0
    assert report["summary"]["passed"] == 3
    assert report["recorded"] == ["prompts/content/hook.cassette.json"]
    assert provider_env.calls == 2  # the render-only case asks no model
    provider_env.stop()

    code, report = run_json(capsys)

    assert code == 0
    assert [(item["case"], item["status"]) for item in report["results"]] == [
        ("short topic", "passed"),
        ("another topic", "passed"),
        ("render only", "passed"),
    ]
    assert report["summary"]["mode"] == "replay"


def test_replay_touches_no_network(library, provider_env: StandIn, capsys, no_network) -> None:  # type: ignore[no-untyped-def]
    # record first, in a child process: the guard is on in this one
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "promptgit", "test", "--record", "--cache", "none"],
        cwd=library.root,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    code, report = run_json(capsys)

    assert code == 0
    assert report["summary"]["passed"] == 3


def test_the_guard_itself_refuses_a_connection(no_network, standin: StandIn) -> None:  # type: ignore[no-untyped-def]
    import urllib.request

    with pytest.raises(Exception, match="replay tried to connect"):
        urllib.request.urlopen(standin.base_url + "/models", timeout=1)


def test_no_key_header_or_authorization_is_written(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")

    text = (library.root / "prompts" / "content" / "hook.cassette.json").read_text("utf-8")
    assert provider_env.headers[0]["authorization"] == "Bearer sk-test-SECRET-do-not-write"  # it was sent
    for forbidden in (
        "SECRET",
        "sk-test",
        "Bearer",
        "authorization",
        "Authorization",
        "api_key",
        "127.0.0.1",
    ):
        assert forbidden not in text


def test_a_miss_names_the_case_and_the_first_differing_message(
    library, provider_env: StandIn, capsys
) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")
    tests = library.root / "prompts" / "content" / "hook.tests.yaml"
    tests.write_text(tests.read_text("utf-8").replace("topic: rye", "topic: spelt"), "utf-8")

    code, out, _ = run_test(capsys)

    assert code == 1
    line = next(line for line in out.splitlines() if "another topic" in line)
    assert (
        "content/hook: case 'another topic': no recorded answer in prompts/content/hook.cassette.json" in line
    )
    assert "nearest is case 'another topic': message 1 (user) differs: line 1:" in line
    assert '"Topic: spelt' in line and '"Topic: rye' in line


def test_record_missing_calls_only_for_new_requests(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")
    tests = library.root / "prompts" / "content" / "hook.tests.yaml"
    tests.write_text(tests.read_text("utf-8").replace("topic: rye", "topic: spelt"), "utf-8")

    code, _ = run_json(capsys, "--record=missing", "--cache", "none")

    assert code == 1  # the new answer does not match the rye regex: recorded, and reported
    assert provider_env.calls == 3
    keys = [item["case"] for item in cassette(library.root)["recordings"]]
    assert sorted(keys) == ["another topic", "another topic", "short topic"]

    run_json(capsys, "--record", "--cache", "none")  # all: the stale rye one goes
    assert sorted(item["case"] for item in cassette(library.root)["recordings"]) == [
        "another topic",
        "short topic",
    ]


def test_rate_limits_are_retried(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    provider_env.fail(429, times=2)

    code, _ = run_json(capsys, "--record", "--cache", "none", "--jobs", "1")

    assert code == 0
    assert provider_env.calls == 4


def test_live_runs_go_through_the_response_cache(library, provider_env: StandIn, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    run_test(capsys, "--record", "--cache", url)
    run_test(capsys, "--record", "--cache", url)

    assert provider_env.calls == 2


def test_repeat_and_min_pass(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    answers = iter(["bread!", "no", "bread again", "bread", "nothing", "bread"])
    provider_env.respond = lambda body: next(answers)

    _, report = run_json(
        capsys,
        "--jobs",
        "1",  # one case after the other: the answers above go in order
        "--record",
        "--cache",
        "none",
        "--repeat",
        "3",
        "--min-pass",
        "2",
    )

    by_case = {item["case"]: item for item in report["results"]}
    assert (by_case["short topic"]["passes"], by_case["short topic"]["status"]) == (2, "passed")
    assert by_case["another topic"]["status"] == "failed"  # its regex never matches these answers
    assert len(cassette(library.root)["recordings"][0]["answers"]) == 3

    provider_env.stop()
    _, report = run_json(capsys, "--repeat", "3", "--min-pass", "3")
    by_case = {item["case"]: item for item in report["results"]}
    assert by_case["short topic"]["status"] == "failed"
    assert by_case["short topic"]["reason"].startswith("2 of 3 attempts passed, 3 needed")
