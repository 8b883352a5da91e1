"""The LLM call path: render, look the response up, call the provider, account usage and cost.

    import openai, promptgit
    prompt = promptgit.Repository("/srv/prompts").get("content/hook@production")
    answer = promptgit.complete(prompt, client=openai.OpenAI(), cache=promptgit.ResponseCache(), topic="x")

May import format, store, tokens, loader, config, observability and the shared modules; never validation or
the CLI. The response cache lives in promptgit.llm.cache; the call path in complete.py (and plan.py, which
sync and async share), prices, usage, output schemas and call metrics beside it.
"""

from __future__ import annotations

from promptgit.llm.complete import acomplete, complete
from promptgit.llm.completion import Completion, Usage
from promptgit.llm.prices import Price, PriceTable, price_table

__all__ = ["Completion", "Price", "PriceTable", "Usage", "acomplete", "complete", "price_table"]
