"""The stand-in server now ships as promptgit.testing; this name stays for the tests that import it."""

from __future__ import annotations

from promptgit.testing.standin import StandIn, StubLLM, instance_of

__all__ = ["StandIn", "StubLLM", "instance_of"]
