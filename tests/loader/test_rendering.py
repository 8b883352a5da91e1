"""Rendering through the loader: input checks, sandbox, StrictUndefined, error reasons, metrics, logs."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from promptgit.errors import InputValidationError, PromptSyntaxError, RenderError


def sample(registry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
def tricky(prompt_repo):  # type: ignore[no-untyped-def]
    """Released prompts that fail at render time in each way, plus one with a broken release."""
    prompt_repo.write_prompt("t/undefined", "1.0.0", body="Hello {{ topic }} and {{ nobody }}\n")
    prompt_repo.write_prompt("t/unsafe", "1.0.0", body="{{ topic.__class__.__mro__ }}\n")
    prompt_repo.write_prompt("t/divide", "1.0.0", body="{{ topic }} {{ 1 / 0 }}\n")
    prompt_repo.write_prompt(
        "t/stray", "1.0.0", body='stray text\n{% message "user" %}{{ topic }}{% endmessage %}\n'
    )
    prompt_repo.write_prompt("t/ok", "1.0.0", body="Hello {{ topic }}\n", model="gpt-4o-mini")
    prompt_repo.write("prompts/t/broken.j2", "---\nversion: 1.0.0\nkind: [unclosed\n---\nbody\n")
    prompt_repo.commit("tricky")
    for name in ["undefined", "unsafe", "divide", "stray", "ok", "broken"]:
        prompt_repo.tag_release(f"t/{name}", "1.0.0")
    return prompt_repo


@pytest.mark.parametrize(
    ("name", "inputs", "error", "message", "reason"),
    [
        (
            "t/ok",
            {},
            InputValidationError,
            "t/ok@1.0.0: invalid inputs: topic: is required but was not given",
            "invalid_inputs",
        ),
        (
            "t/ok",
            {"topic": 3},
            InputValidationError,
            "t/ok@1.0.0: invalid inputs: topic: 3 is not of type 'string'",
            "invalid_inputs",
        ),
        ("t/undefined", {"topic": "x"}, RenderError, "t/undefined@1.0.0: 'nobody' is undefined", "undefined"),
        ("t/unsafe", {"topic": "x"}, RenderError, "t/unsafe@1.0.0: unsafe template operation", "unsafe"),
        ("t/divide", {"topic": "x"}, RenderError, "t/divide@1.0.0: ZeroDivisionError", "template"),
        ("t/stray", {"topic": "x"}, RenderError, "t/stray@1.0.0: text outside a message block", "chat"),
    ],
)
def test_render_errors_name_prompt_version_and_variable(
    tricky, make_repository, registry, name, inputs, error, message, reason
) -> None:
    prompt = make_repository(tricky.root).get(name)
    with pytest.raises(error) as raised:
        prompt.render(**inputs)
    assert str(raised.value).startswith(message)
    assert (
        sample(registry, "promptgit_loader_render_errors_total", prompt=name, version="1.0.0", reason=reason)
        == 1
    )
    assert sample(registry, "promptgit_loader_renders_total", prompt=name, version="1.0.0") == 0
    assert (
        sample(registry, "promptgit_loader_render_duration_seconds_count", prompt=name, version="1.0.0") == 1
    )


def test_successful_render_counts_renders_and_tokens(tricky, make_repository, registry) -> None:
    from promptgit.tokens import count

    prompt = make_repository(tricky.root, count_tokens_every=1).get("t/ok")
    outputs = [prompt.render(topic="sourdough"), prompt.render(topic="a much longer topic about rye bread")]
    expected_tokens = sum(count(text, "gpt-4o-mini").tokens for text in outputs)
    assert expected_tokens > 0
    assert sample(registry, "promptgit_loader_renders_total", prompt="t/ok", version="1.0.0") == 2
    assert (
        sample(registry, "promptgit_loader_rendered_tokens_total", prompt="t/ok", version="1.0.0")
        == expected_tokens
    )
    assert (
        sample(registry, "promptgit_loader_render_duration_seconds_count", prompt="t/ok", version="1.0.0")
        == 2
    )


def test_broken_release_is_a_one_line_error_with_file_and_line(tricky, make_repository) -> None:
    with pytest.raises(PromptSyntaxError) as raised:
        make_repository(tricky.root).get("t/broken@1.0.0")
    assert str(raised.value).startswith("prompts/t/broken.j2:4:1: PG101 YAML front matter")
    assert "\n" not in str(raised.value)


def test_loads_are_logged_with_structured_fields(tricky, make_repository, caplog) -> None:
    repository = make_repository(tricky.root)
    with caplog.at_level(logging.DEBUG, logger="promptgit.loader"):
        repository.get("t/ok")
        repository.get("t/ok")
    loads = [record for record in caplog.records if record.getMessage().startswith("loaded t/ok@1.0.0")]
    assert [(r.prompt, r.version, r.selector, r.source) for r in loads] == [  # type: ignore[attr-defined]
        ("t/ok", "1.0.0", "t/ok", "git"),
        ("t/ok", "1.0.0", "t/ok", "cache"),
    ]
    assert all(isinstance(r.duration_ms, float) for r in loads)  # type: ignore[attr-defined]
    assert [r.levelno for r in loads] == [logging.INFO, logging.DEBUG]


def test_render_failure_is_logged_with_reason(tricky, make_repository, caplog) -> None:
    prompt = make_repository(tricky.root).get("t/undefined")
    with caplog.at_level(logging.WARNING, logger="promptgit.loader"), pytest.raises(RenderError):
        prompt.render(topic="x")
    (record,) = [r for r in caplog.records if r.name == "promptgit.loader"]
    assert (record.prompt, record.version, record.reason) == ("t/undefined", "1.0.0", "undefined")  # type: ignore[attr-defined]


def test_import_promptgit_opens_no_git_and_registers_no_metric() -> None:
    code = (
        "import sys, promptgit\n"
        "from prometheus_client import REGISTRY\n"
        "names = [n for n in REGISTRY._names_to_collectors if n.startswith('promptgit')]\n"
        "assert names == [], names\n"
        "assert 'git' not in sys.modules and 'promptgit.loader' not in sys.modules\n"
        "assert promptgit.Repository.__name__ == 'Repository'\n"
        "assert 'promptgit.loader' in sys.modules\n"
        "assert [n for n in REGISTRY._names_to_collectors if n.startswith('promptgit')] == []\n"
        "print(sorted(promptgit.__all__))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "'Repository'" in result.stdout and "'PromptgitError'" in result.stdout


def test_tokens_between_counted_renders_are_estimated_from_length(tricky, make_repository, registry) -> None:
    from promptgit.tokens import count

    prompt = make_repository(tricky.root, count_tokens_every=3).get("t/ok")
    texts = [
        prompt.render(topic=topic) for topic in ["rye", "a much longer topic about rye bread", "x", "spelt"]
    ]
    first = count(texts[0], "gpt-4o-mini").tokens
    # renders 1 and 4 are counted; 2 and 3 are estimated with the tokens per character of render 1
    estimated = [round(len(text) * first / len(texts[0])) for text in texts[1:3]]
    expected = first + sum(estimated) + count(texts[3], "gpt-4o-mini").tokens
    assert (
        sample(registry, "promptgit_loader_rendered_tokens_total", prompt="t/ok", version="1.0.0") == expected
    )


def test_fast_input_check_agrees_with_jsonschema(tricky, make_repository) -> None:
    """Inputs the compiled fast path cannot vouch for still get jsonschema's verdict and message."""
    prompt = make_repository(tricky.root).get("t/ok")
    assert prompt.check_inputs({"topic": "x"}) == {"topic": "x"}
    for bad, message in [
        ({"topic": True}, "True is not of type 'string'"),
        ({}, "is required"),
        (
            {"topic": "x", "topix": 1},
            r"topix: is not a declared input \(did you mean topic\? inputs: topic\)",
        ),
    ]:
        with pytest.raises(InputValidationError, match=message):
            prompt.check_inputs(bad)


def test_release_over_max_file_bytes_is_refused(prompt_repo, make_repository) -> None:
    prompt_repo.write("promptgit.yaml", "max_file_bytes: 200\n")
    prompt_repo.write_prompt("t/huge", "1.0.0", body="{{ topic }}" + "x" * 300 + "\n")
    prompt_repo.commit("huge")
    prompt_repo.tag_release("t/huge", "1.0.0")
    with pytest.raises(PromptSyntaxError) as raised:
        make_repository(prompt_repo.root).get("t/huge@1.0.0")
    assert str(raised.value).startswith("prompts/t/huge.j2:1:1: PG104 file is ")
    assert str(raised.value).endswith("bytes, over max_file_bytes (200)")
