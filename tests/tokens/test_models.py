"""The model table: data file lookups by name and longest prefix, unknown models, promptgit.yaml additions."""

from __future__ import annotations

import pytest
import yaml

from promptgit.resources import data_text
from promptgit.tokens import model_table
from promptgit.tokens.models import builtin_table


def test_exact_name() -> None:
    info = model_table().lookup("gpt-4o-mini")
    assert (info.name, info.encoding, info.context_window, info.output_reserve) == (
        "gpt-4o-mini",
        "o200k_base",
        128000,
        16384,
    )
    assert info.known
    assert info.input_limit == 128000 - 16384
    assert (info.message_overhead, info.reply_overhead) == (3, 3)


@pytest.mark.parametrize(
    ("name", "encoding", "window"),
    [
        ("gpt-4o-2024-08-06", "o200k_base", 128000),
        ("gpt-4-0613", "cl100k_base", 8192),
        ("gpt-4-32k-0613", "cl100k_base", 32768),  # longest prefix wins over gpt-4-
        ("gpt-4-turbo-2024-04-09", "cl100k_base", 128000),
        ("claude-3-5-sonnet-20241022", None, 200000),
    ],
)
def test_longest_prefix(name: str, encoding: str | None, window: int) -> None:
    info = model_table().lookup(name)
    assert (info.name, info.encoding, info.context_window, info.known) == (name, encoding, window, True)


def test_unknown_model_gets_the_defaults_and_is_marked() -> None:
    info = model_table().lookup("my-model")
    assert (info.name, info.known, info.encoding, info.context_window, info.output_reserve) == (
        "my-model",
        False,
        "cl100k_base",
        8192,
        1024,
    )


def test_no_model_gets_the_defaults_and_is_not_unknown() -> None:
    info = model_table().lookup(None)
    assert (info.name, info.known, info.context_window) == (None, True, 8192)


def test_config_models_add_and_override() -> None:
    table = model_table(
        {
            "acme-chat": {"context_window": 32000, "output_reserve": 2000},
            "gpt-4o": {"encoding": "o200k_base", "context_window": 64000},
        }
    )
    acme = table.lookup("acme-chat")
    assert (acme.known, acme.encoding, acme.context_window, acme.output_reserve, acme.message_overhead) == (
        True,
        "cl100k_base",
        32000,
        2000,
        3,
    )
    assert table.lookup("gpt-4o").context_window == 64000
    # unspecified fields come from the model it overrides (a price-only entry keeps the token facts)
    assert table.lookup("gpt-4o").output_reserve == 16384
    priced = model_table({"gpt-4o": {"price": {"input": 1, "output": 2}}}).lookup("gpt-4o")
    assert (priced.context_window, priced.output_reserve) == (128000, 16384)
    assert builtin_table().lookup("gpt-4o").context_window == 128000  # the built-in table is untouched


def test_data_file_entries_are_complete() -> None:
    data = yaml.safe_load(data_text("models.yaml"))
    for section in ("models", "prefixes"):
        for name, fields in data[section].items():
            assert set(fields) >= {"encoding", "context_window", "output_reserve"}, name
            assert fields["context_window"] > fields["output_reserve"] >= 0, name
