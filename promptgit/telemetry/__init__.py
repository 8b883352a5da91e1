"""Tracing and JSON logs for every layer: OpenTelemetry spans that name the release, log lines with trace ids.

    import promptgit.telemetry as telemetry

    telemetry.log_json()                                  # JSON lines with trace_id/request_id on stderr
    with telemetry.request_context(request_id="r-42"):    # fields every log line of this request carries
        prompt = repo.get("content/hook@production")       # a span, when a recording span is current
        telemetry.annotate(prompt)                         # the prompt's attributes on your own span

opentelemetry-api is optional (the `otel` extra): nothing here imports it, and without it, or without a
configured tracer provider, nothing changes. This package imports only `promptgit.errors` and the package
root, so that `format`, `store`, `loader` and `llm` may all import it.
"""

from __future__ import annotations

from promptgit.telemetry.context import current_request, request_context
from promptgit.telemetry.logs import JSONFormatter, log_json
from promptgit.telemetry.tracing import (
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
