"""Testing helpers shipped with promptgit: an OpenAI-compatible stand-in server to test services against.

    from promptgit.testing import StandIn
    with StandIn(latency=0.3) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)

`python -m promptgit.testing --port 8099 --latency 0.3` runs one in the foreground (for other tools).
May import the shared modules (errors, findings, resources) only: adopters import it without the rest.
"""

from __future__ import annotations

from promptgit.testing.standin import StandIn, StubLLM, instance_of

__all__ = ["StandIn", "StubLLM", "instance_of"]
