"""Observability: every series, span and log line promptgit makes, one room and one naming scheme.

    import promptgit.observability as observability

    observability.log_json()                               # JSON lines with trace_id/request_id on stderr
    with observability.request_context(request_id="r-42"): # fields every log line of this request carries
        prompt = repo.get("content/hook@production")        # a span, when a recording span is current
        observability.annotate(prompt)                      # the prompt's attributes on your own span

What lives here: the names of every series (catalogue.py, documented in docs/observability.md); the one
way of counting (counting.py, no prometheus_client until a scrape) and the one memo per registry
(registry.py); the loader's, the call path's, the response cache's and the outcomes' series
(`*_series.py`); the /metrics server (exposition.py); OpenTelemetry spans (tracing.py); JSON logs, the
request context and rate-limited warnings (logs.py); the bounds on sizes from peers (bounds.py).

It may import only `promptgit.errors` and the package root, so that `format`, `store`, `loader`, `llm`
and `experiments` may all import it. Importing it imports neither prometheus_client nor opentelemetry:
opentelemetry-api is optional (the `otel` extra), and without it, or without a configured tracer
provider, nothing changes.
"""

from __future__ import annotations

from promptgit.observability.logs import (
    JSONFormatter,
    RateLimitedLog,
    current_request,
    log_json,
    request_context,
)
from promptgit.observability.tracing import (
    CompletionSpan,
    annotate,
    completion_span,
    prompt_attributes,
    recording,
    start_span,
    trace_ids,
)

__all__ = [
    "CompletionSpan",
    "JSONFormatter",
    "RateLimitedLog",
    "annotate",
    "completion_span",
    "current_request",
    "log_json",
    "prompt_attributes",
    "recording",
    "request_context",
    "start_span",
    "trace_ids",
]
