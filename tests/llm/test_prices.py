"""Prices from the data file and promptgit.yaml; cost from usage."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest
import yaml
from prometheus_client import CollectorRegistry

from promptgit.config import parse_config
from promptgit.errors import ConfigError
from promptgit.llm import LLM, Usage, price_table
from promptgit.loader import Repository
from promptgit.resources import data_text

from .stub_server import StubLLM


def test_every_listed_price_names_its_source_and_date() -> None:
    data = yaml.safe_load(data_text("models.yaml"))
    assert set(data["prices"]) <= set(data["models"])
    for name, price in data["prices"].items():
        assert price["source"].startswith("https://"), name
        assert price["as_of"], name
        assert price["input"] >= 0 and price["output"] >= 0, name


def test_cost_counts_cached_input_at_its_price() -> None:
    price = price_table().lookup("gpt-4o-mini")
    assert price is not None and (price.input, price.cached_input, price.output) == (0.15, 0.075, 0.6)

    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_tokens=400_000)

    assert price.cost(usage) == pytest.approx(0.6 * 0.15 + 0.4 * 0.075 + 0.6)


def test_a_dated_snapshot_is_priced_as_its_model_and_unknown_models_have_no_cost() -> None:
    table = price_table()

    assert table.lookup("gpt-4o-mini-2024-07-18") == table.lookup("gpt-4o-mini")
    assert table.cost("house-model", Usage(10, 10)) is None


def test_promptgit_yaml_adds_and_overrides_prices() -> None:
    config = parse_config(
        "models:\n"
        "  house-model: {context_window: 8000, price: {input: 1, output: 2}}\n"
        "  gpt-4o-mini: {price: {input: 0.1, output: 0.4, cached_input: 0.05, as_of: '2026-01-01'}}\n"
    )
    table = price_table(config)

    assert table.cost("house-model", Usage(1_000_000, 500_000)) == pytest.approx(2.0)
    assert table.lookup("gpt-4o-mini").as_of == "2026-01-01"  # type: ignore[union-attr]
    assert price_table().lookup("gpt-4o-mini").input == 0.15  # type: ignore[union-attr]


def test_a_price_without_output_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="models/m/price: 'output' is a required property"):
        parse_config("models:\n  m: {price: {input: 1}}\n")


@pytest.mark.parametrize(
    ("snapshot", "model"),
    [
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-1.5-pro-002", "gemini-1.5-pro"),
    ],
)
def test_anthropic_and_google_snapshots_are_priced_as_their_model(snapshot: str, model: str) -> None:
    table = price_table()

    assert table.lookup(model) is not None and table.lookup(snapshot) == table.lookup(model)


def test_every_model_the_library_and_docs_name_has_a_price() -> None:
    root = Path(__file__).resolve().parents[2]
    named = set()
    for path in [
        *root.joinpath("prompts").rglob("*.j2"),
        *root.joinpath("docs").glob("*.md"),
        root / "README.md",
    ]:
        named |= set(
            re.findall(r"^\s*(?:default_)?model: *([A-Za-z0-9._:-]+)\s*$", path.read_text("utf-8"), re.M)
        )
    named |= set(re.findall(r"default_model: *(\S+)", data_text("init_promptgit.yaml")))

    assert {"claude-3-5-sonnet", "gpt-4o", "gpt-4o-mini"} <= named
    assert [model for model in sorted(named) if not price_table().priced(model)] == []


def test_a_call_of_an_unpriced_model_is_counted_as_unpriced(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, registry: CollectorRegistry
) -> None:
    llm = LLM(repo, client=client, registry=registry)

    answer = llm.complete("content/hook@1.1.0", {"topic": "x"}, model="house-model")

    assert answer.cost_usd is None
    labels = {"prompt": "content/hook", "model": "other"}
    assert registry.get_sample_value("promptgit_llm_unpriced_calls_total", labels) == 1
    assert registry.get_sample_value("promptgit_llm_cost_usd_total", labels) == 0  # exists from first use
    llm.complete("content/hook@1.1.0", {"topic": "x"})  # priced: not counted
    assert registry.get_sample_value("promptgit_llm_unpriced_calls_total", labels) == 1
