"""The LLM call path: render, look the response up, call the provider, account usage and cost.

    import openai, promptgit
    llm = promptgit.LLM(promptgit.Repository("/srv/prompts"), client=openai.OpenAI(),
                        cache=promptgit.ResponseCache())
    answer = llm.complete("content/hook@production", key=user_id, inputs={"topic": "x"})

May import format, store, tokens, loader, config, observability and the shared modules; never validation or
the CLI. The response cache lives in promptgit.llm.cache; the client object in client.py, the request and
the answer's accounting in plan.py (shared by sync and async), answer checks, prices, usage, output
schemas and call metrics beside it; complete.py has the one-call functions.
"""

from __future__ import annotations

from promptgit.llm.client import LLM
from promptgit.llm.complete import acomplete, complete
from promptgit.llm.completion import Completion, Usage
from promptgit.tokens.prices import Price, PriceTable, price_table

__all__ = ["LLM", "Completion", "Price", "PriceTable", "Usage", "acomplete", "complete", "price_table"]
