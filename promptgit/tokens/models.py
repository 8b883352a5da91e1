"""The model table: model name -> tokenizer encoding, context window, output reserve, chat overheads.

The built-in table is the data file promptgit/data/models.yaml; promptgit.yaml `models:` adds to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import yaml

from promptgit.resources import data_text

MODELS_FILE = "models.yaml"


@dataclass(frozen=True)
class ModelInfo:
    """What token estimates need to know about one model."""

    name: str | None
    encoding: str | None  # tiktoken encoding; None when the model's tokenizer has none (heuristic only)
    context_window: int
    output_reserve: int
    message_overhead: int
    reply_overhead: int
    known: bool = True  # False: not in the table, the defaults stand in

    @property
    def input_limit(self) -> int:
        """The most tokens a prompt may use: the window minus what is kept free for the answer."""
        return max(self.context_window - self.output_reserve, 0)


@dataclass(frozen=True)
class ModelTable:
    default: ModelInfo
    models: Mapping[str, ModelInfo]
    prefixes: Mapping[str, ModelInfo]

    def lookup(self, name: str | None) -> ModelInfo:
        """The model `name` by exact name, else by longest prefix; the defaults (known=False) otherwise.

        `None` (a prompt that names no model) gets the defaults and counts as known: nothing to warn about.
        """
        if name is None:
            return replace(self.default, name=None)
        if name in self.models:
            return replace(self.models[name], name=name)
        matches = [prefix for prefix in self.prefixes if name.startswith(prefix)]
        if matches:
            return replace(self.prefixes[max(matches, key=len)], name=name)
        return replace(self.default, name=name, known=False)

    def with_models(self, extra: Mapping[str, Mapping[str, Any]]) -> ModelTable:
        """This table plus `extra` models (promptgit.yaml `models:`), which win over built-in ones."""
        if not extra:
            return self
        # an entry that gives only some fields (a price, say) keeps the rest of the model it overrides
        added = {name: _entry(fields, self.lookup(name)) for name, fields in extra.items()}
        return ModelTable(default=self.default, models={**self.models, **added}, prefixes=self.prefixes)


def _entry(fields: Mapping[str, Any], default: ModelInfo) -> ModelInfo:
    return ModelInfo(
        name=None,
        encoding=fields.get("encoding", default.encoding),
        context_window=int(fields.get("context_window", default.context_window)),
        output_reserve=int(fields.get("output_reserve", default.output_reserve)),
        message_overhead=int(fields.get("message_overhead", default.message_overhead)),
        reply_overhead=int(fields.get("reply_overhead", default.reply_overhead)),
    )


def parse_table(text: str) -> ModelTable:
    return table_of(_load(text))


def table_of(data: Mapping[str, Any]) -> ModelTable:
    """The model table of parsed models.yaml data."""
    base = data["default"]
    default = ModelInfo(
        name=None,
        encoding=base["encoding"],
        context_window=int(base["context_window"]),
        output_reserve=int(base["output_reserve"]),
        message_overhead=int(base["message_overhead"]),
        reply_overhead=int(base["reply_overhead"]),
    )
    return ModelTable(
        default=default,
        models={name: _entry(fields, default) for name, fields in (data.get("models") or {}).items()},
        prefixes={prefix: _entry(fields, default) for prefix, fields in (data.get("prefixes") or {}).items()},
    )


@lru_cache(maxsize=1)
def builtin_data() -> dict[str, Any]:
    """promptgit/data/models.yaml parsed once: the model table and the price table (prices.py) share it."""
    data: dict[str, Any] = _load(data_text(MODELS_FILE))
    return data


@lru_cache(maxsize=1)
def builtin_table() -> ModelTable:
    """The table shipped in promptgit/data/models.yaml (read once, on first use)."""
    return table_of(builtin_data())


def _load(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # safe, in C if available


def model_table(extra: Mapping[str, Mapping[str, Any]] | None = None) -> ModelTable:
    """The built-in table plus `extra` models, e.g. `model_table(config.models)`."""
    return builtin_table().with_models(extra or {})
