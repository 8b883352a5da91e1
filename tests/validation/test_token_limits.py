"""PG4xx: budget, context window, near-budget and unknown-model rules, positive and negative."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from promptgit.config import Config, parse_config
from promptgit.findings import Finding, Severity
from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import make_environment
from promptgit.tokens import count
from promptgit.validation.token_limits import check_tokens

BODY = "Write a playful hook about {{ topic }} for a short video, in under twelve words, without emojis.\n"


def front(**fields: object) -> str:
    lines = ["version: 1.0.0", "kind: hook", *(f"{key}: {value}" for key, value in fields.items())]
    lines += ["inputs:", "  topic: {type: string}", "sample: {topic: sourdough}"]
    return "---\n" + "\n".join(lines) + "\n---\n"


def findings(text: str, config: Config | None = None) -> list[Finding]:
    document = parse_document("content/hook", "prompts/content/hook.j2", text)
    prompt = compile_document(document, make_environment(lambda _path: None))
    return list(check_tokens(document, prompt, config or Config()))


def sample_tokens(model: str = "gpt-4") -> int:
    return count(BODY.replace("{{ topic }}", "sourdough").strip("\n"), model).tokens


def test_under_budget_has_no_findings() -> None:
    assert findings(front(model="gpt-4", token_budget=sample_tokens() * 2) + BODY) == []


def test_no_budget_and_no_model_has_no_findings() -> None:
    assert findings(front() + BODY) == []


def test_over_budget_is_an_error_at_the_budget_line() -> None:
    tokens = sample_tokens()
    budget = tokens - 3
    assert findings(front(model="gpt-4", token_budget=budget) + BODY) == [
        Finding(
            "prompts/content/hook.j2",
            5,
            1,
            "PG401",
            f"sample render is ~{tokens} tokens (heuristic), 3 over token_budget {budget}",
            Severity.ERROR,
        )
    ]


def test_exactly_at_budget_is_only_near_budget() -> None:
    tokens = sample_tokens()
    assert [f.code for f in findings(front(model="gpt-4", token_budget=tokens) + BODY)] == ["PG403"]


def test_near_budget_is_a_warning() -> None:
    tokens = sample_tokens()
    budget = tokens + 1  # well above 90% used
    assert findings(front(model="gpt-4", token_budget=budget) + BODY) == [
        Finding(
            "prompts/content/hook.j2",
            5,
            1,
            "PG403",
            f"sample render is ~{tokens} tokens (heuristic), {tokens / budget:.0%} of token_budget {budget} "
            "(warning above 90%)",
            Severity.WARNING,
        )
    ]


def test_near_budget_threshold_comes_from_config() -> None:
    tokens = sample_tokens()
    budget = tokens * 2  # 50% used
    text = front(model="gpt-4", token_budget=budget) + BODY
    assert findings(text) == []
    lenient = findings(text, parse_config("token_warning_ratio: 0.4\n"))
    assert [(f.code, f.severity) for f in lenient] == [("PG403", Severity.WARNING)]


def test_over_context_window_minus_reserve_is_an_error_at_the_model_line() -> None:
    tokens = sample_tokens("tiny")
    config = parse_config("models:\n  tiny: {context_window: 20, output_reserve: 10}\n")
    assert findings(front(model="tiny") + BODY, config) == [
        Finding(
            "prompts/content/hook.j2",
            4,
            1,
            "PG402",
            f"sample render is ~{tokens} tokens (heuristic), over the 10 that tiny accepts "
            "(context window 20 minus output reserve 10)",
            Severity.ERROR,
        )
    ]


def test_fits_the_context_window() -> None:
    config = parse_config("models:\n  roomy: {context_window: 1000, output_reserve: 100}\n")
    assert findings(front(model="roomy") + BODY, config) == []


def test_output_reserve_counts_against_the_window() -> None:
    tokens = sample_tokens()
    fits = parse_config(f"models:\n  edge: {{context_window: {tokens + 50}, output_reserve: 50}}\n")
    assert findings(front(model="edge") + BODY, fits) == []
    squeezed = parse_config(f"models:\n  edge: {{context_window: {tokens + 50}, output_reserve: 51}}\n")
    assert [f.code for f in findings(front(model="edge") + BODY, squeezed)] == ["PG402"]


def test_default_model_from_config_picks_the_window() -> None:
    config = parse_config("default_model: tiny\nmodels:\n  tiny: {context_window: 20, output_reserve: 10}\n")
    found = findings(front() + BODY, config)
    assert [(f.code, f.line) for f in found] == [("PG402", 1)]  # no model key: the front matter fence


def test_unknown_model_is_a_warning_saying_so() -> None:
    assert findings(front(model="acme-9000") + BODY) == [
        Finding(
            "prompts/content/hook.j2",
            4,
            1,
            "PG404",
            "model 'acme-9000' is not in the model table; tokens are estimated with the heuristic and a "
            "default context window of 8192 (add it under models: in promptgit.yaml)",
            Severity.WARNING,
        )
    ]


def test_rules_can_be_turned_off_or_changed_in_config() -> None:
    tokens = sample_tokens()
    text = front(model="acme-9000", token_budget=tokens - 1) + BODY
    assert [f.code for f in findings(text)] == ["PG404", "PG401"]
    config = parse_config("rules: {PG404: off, PG401: warning}\n")
    assert [(f.code, f.severity) for f in findings(text, config)] == [("PG401", Severity.WARNING)]


def test_chat_prompt_counts_messages_with_overhead() -> None:
    chat = (
        '{% message "system" %}You write hooks.{% endmessage %}\n'
        '{% message "user" %}{{ topic }}{% endmessage %}\n'
    )
    messages = [{"role": "system", "content": "You write hooks."}, {"role": "user", "content": "sourdough"}]
    tokens = count(messages, "gpt-4").tokens
    assert tokens == count("You write hooks.").tokens + count("sourdough").tokens + 2 * (3 + 1) + 3
    assert [f.code for f in findings(front(model="gpt-4", token_budget=tokens) + chat)] == ["PG403"]
    assert [f.code for f in findings(front(model="gpt-4", token_budget=tokens - 1) + chat)] == ["PG401"]


def test_a_sample_that_does_not_render_yields_nothing() -> None:
    text = "---\nversion: 1.0.0\nkind: hook\ntoken_budget: 1\ninputs:\n  topic: {type: string}\n---\n"
    text += "{{ topic }}\n"
    assert findings(text) == []  # no sample: the variables rules report it, not the token rules


def promptgit(cwd: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_validate_reports_token_rules(prompt_repo: Any) -> None:
    tokens = sample_tokens()
    prompt_repo.write("prompts/content/over.j2", front(model="gpt-4", token_budget=tokens - 2) + BODY)
    prompt_repo.write("prompts/content/near.j2", front(model="gpt-4", token_budget=tokens + 1) + BODY)
    prompt_repo.write("prompts/content/fine.j2", front(model="gpt-4", token_budget=tokens * 3) + BODY)
    result = promptgit(prompt_repo.root, "validate")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    over = f"sample render is ~{tokens} tokens (heuristic), 2 over token_budget {tokens - 2}"
    assert f"prompts/content/over.j2:5:1: PG401 {over}" in lines
    assert any(line.startswith("prompts/content/near.j2:5:1: PG403 ") for line in lines)
    assert not any("fine.j2" in line for line in lines)


def test_validate_passes_within_budget_and_window(prompt_repo: Any) -> None:
    prompt_repo.write(
        "prompts/content/fine.j2", front(model="gpt-4", token_budget=sample_tokens() * 3) + BODY
    )
    result = promptgit(prompt_repo.root, "validate")
    assert (result.returncode, result.stderr) == (0, "")


def test_validate_near_budget_and_unknown_model_are_warnings_only(prompt_repo: Any) -> None:
    prompt_repo.write(
        "prompts/content/near.j2", front(model="gpt-4", token_budget=sample_tokens() + 1) + BODY
    )
    prompt_repo.write("prompts/content/odd.j2", front(model="acme-9000") + BODY)
    result = promptgit(prompt_repo.root, "validate", "--format", "json")
    assert result.returncode == 0
    found = sorted(
        (item["path"], item["code"], item["severity"]) for item in json.loads(result.stdout)["findings"]
    )
    assert found == [
        ("prompts/content/near.j2", "PG403", "warning"),
        ("prompts/content/odd.j2", "PG404", "warning"),
    ]
    assert promptgit(prompt_repo.root, "validate", "--strict").returncode == 1
