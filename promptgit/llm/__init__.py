"""The LLM call path: render, look the response up, call the provider, account usage and cost.

May import format, store, tokens, loader, config, telemetry and the shared modules; never validation or
the CLI. The response cache lives in promptgit.llm.cache.
"""
