"""`--base REF`: the same cases at the base and at head, from git objects; regressions are pass -> fail."""

from __future__ import annotations

from promptgit.testing import StandIn

from .conftest import run_json, run_test


def _record_and_commit(library, capsys, message: str) -> None:  # type: ignore[no-untyped-def]
    _, _, err = run_test(capsys, "--record=missing", "--cache", "none")
    assert err == ""
    library.commit(message)


def test_a_seeded_regression_is_exactly_one_regression(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    _record_and_commit(library, capsys, "record")
    # delete the line the `icontains: bread` case asserts on (the stand-in echoes the user message)
    hook = library.root / "prompts" / "content" / "hook.j2"
    hook.write_text(
        hook.read_text("utf-8").replace("{{ topic }}\nAlways mention bread.", "{{ topic }}"), "utf-8"
    )
    _record_and_commit(library, capsys, "drop the bread line")
    provider_env.stop()

    code, report = run_json(capsys, "--base", "HEAD~1")

    assert code == 1
    rows = [(item["case"], item["base"], item["head"], item["change"]) for item in report["base"]["cases"]]
    assert rows == [
        ("short topic", "passed", "failed", "regression"),
        ("another topic", "passed", "passed", "same"),
        ("render only", "passed", "passed", "same"),
    ]
    assert report["base"]["regressions"] == 1
    (delta,) = report["base"]["prompts"]
    assert "-Always mention bread." in delta["diff"]
    assert delta["input_tokens"]["head"] < delta["input_tokens"]["base"]


def test_a_failure_that_was_there_before_is_no_regression_unless_strict(
    library, provider_env, capsys
) -> None:  # type: ignore[no-untyped-def]
    tests = library.root / "prompts" / "content" / "hook.tests.yaml"
    tests.write_text(
        tests.read_text("utf-8").replace("value: 200}", "value: 5}"), "utf-8"
    )  # fails everywhere
    _record_and_commit(library, capsys, "record")
    hook = library.root / "prompts" / "content" / "hook.j2"
    hook.write_text(hook.read_text("utf-8").replace("short videos", "short vertical videos"), "utf-8")
    _record_and_commit(library, capsys, "reword")

    code, report = run_json(capsys, "--base", "HEAD~1")
    assert code == 0
    assert [item["change"] for item in report["base"]["cases"]] == ["same", "same", "same"]
    assert run_json(capsys, "--base", "HEAD~1", "--strict")[0] == 1


def test_a_changed_partial_brings_in_the_prompts_including_it(
    prompt_repo, provider_env, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    prompt_repo.write("prompts/partials/voice.j2", "{% include 'partials/tone.j2' %}")
    prompt_repo.write("prompts/partials/tone.j2", "Warm.")
    prompt_repo.write_prompt(
        "a", "1.0.0", "{% include 'partials/voice.j2' %} {{ topic }}\n", model="gpt-4o-mini"
    )
    prompt_repo.write_prompt("b", "1.0.0", "Plain {{ topic }}\n", model="gpt-4o-mini")
    for name in ("a", "b"):
        prompt_repo.write(
            f"prompts/{name}.tests.yaml",
            "cases:\n  - name: warm\n    render: [{type: contains, value: Warm}]\n",
        )
    prompt_repo.commit("two prompts")
    prompt_repo.write("prompts/partials/tone.j2", "Cold.")
    prompt_repo.commit("colder")
    monkeypatch.chdir(prompt_repo.root)

    code, report = run_json(capsys, "--base", "HEAD~1")

    assert [(item["prompt"], item["change"]) for item in report["base"]["cases"]] == [("a", "regression")]
    assert code == 1


def test_base_must_be_a_commit(library, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_test(capsys, "--base", "no-such-ref")

    assert code == 2
    assert (
        err
        == "promptgit: error: --base/--head 'no-such-ref': no such commit (fetch it, e.g. fetch-depth: 0)\n"
    )


def test_a_prompt_new_at_head_is_new(library, capsys) -> None:  # type: ignore[no-untyped-def]
    library.write_prompt("fresh", "0.1.0", "Hi {{ topic }}\n")
    library.write(
        "prompts/fresh.tests.yaml", "cases:\n  - name: hi\n    render: [{type: contains, value: Hi}]\n"
    )
    library.commit("fresh")

    code, report = run_json(capsys, "--base", "HEAD~1")

    assert code == 0
    assert [(item["prompt"], item["base"], item["change"]) for item in report["base"]["cases"]] == [
        ("fresh", "error", "new")
    ]
