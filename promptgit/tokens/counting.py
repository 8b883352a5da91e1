"""One estimator interface: `count(text or messages, model)` -> how many tokens and which method said so."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from promptgit.tokens import heuristic
from promptgit.tokens.models import ModelInfo, ModelTable, builtin_table

Messages = Sequence[Mapping[str, str]]


@dataclass(frozen=True)
class TokenCount:
    """A token count and where it came from.

    `method` is `tiktoken:<encoding>` for an exact count, `heuristic` for the estimate, and
    `heuristic (<why>)` when an exact count was asked for and is not possible, or the model is unknown.
    `encoding` is the model's tokenizer encoding that the count is (or approximates), None if it has none.
    """

    tokens: int
    method: str
    model: str | None
    encoding: str | None

    @property
    def exact(self) -> bool:
        return self.method.startswith("tiktoken:")


def count(
    text_or_messages: str | Messages,
    model: str | None = None,
    *,
    exact: bool = False,
    table: ModelTable | None = None,
) -> TokenCount:
    """Tokens of a text, or of chat messages including the model family's per-message overhead.

    The heuristic answers by default (fast, deterministic, no data files). With `exact=True` tiktoken
    counts when the model's encoding loads with no network; otherwise the heuristic answers and
    `method` says why. Never touches the network. `table` adds models, e.g. `model_table(config.models)`.
    """
    info = (table or builtin_table()).lookup(model)
    counter, method = _counter(info, exact)
    if isinstance(text_or_messages, str):
        tokens = counter(text_or_messages)
    else:
        tokens = _count_messages(text_or_messages, counter, info)
    return TokenCount(tokens=tokens, method=method, model=model, encoding=info.encoding)


def _counter(info: ModelInfo, exact: bool) -> tuple[Callable[[str], int], str]:
    if not info.known:
        return heuristic.estimate, f"{heuristic.METHOD} (unknown model)"
    if not exact:
        return heuristic.estimate, heuristic.METHOD
    if info.encoding is None:
        return heuristic.estimate, f"{heuristic.METHOD} (no exact tokenizer for {info.name})"
    # tiktoken's loading machinery (hashlib, tempfile, pkgutil) only when an exact count is asked for
    from promptgit.tokens.encodings import EncodingUnavailable, load_encoding

    try:
        encoding = load_encoding(info.encoding)
    except EncodingUnavailable as exc:
        return heuristic.estimate, f"{heuristic.METHOD} (exact unavailable: {exc})"

    def exact_count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))  # special-token text counts as plain text

    return exact_count, f"tiktoken:{info.encoding}"


def _count_messages(messages: Messages, counter: Callable[[str], int], info: ModelInfo) -> int:
    # OpenAI's accounting: every message wraps its fields in a fixed overhead, a `name` costs one more,
    # and the reply is primed with a few tokens.
    total = info.reply_overhead if messages else 0
    for message in messages:
        if not isinstance(message, Mapping):
            raise TypeError(f"a chat message must be a mapping of strings, not {type(message).__name__}")
        total += info.message_overhead
        for key, value in message.items():
            total += counter(str(value))
            if key == "name":
                total += 1
    return total


def heuristic_upper_bound(
    text_or_messages: str | Messages, model: str | None = None, *, table: ModelTable | None = None
) -> int:
    """What `count(text_or_messages, model)` (the heuristic) can at most answer, from lengths alone."""
    if isinstance(text_or_messages, str):
        return heuristic.upper_bound(len(text_or_messages))
    info = (table or builtin_table()).lookup(model)
    # the same accounting as count, with each text's bound in place of its estimate
    return _count_messages(text_or_messages, lambda text: heuristic.upper_bound(len(text)), info)
