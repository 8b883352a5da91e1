"""Spans of get, render and complete, read back from the OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry

from promptgit import observability
from promptgit.errors import InputValidationError, PromptNotFoundError, RenderError
from promptgit.loader import Repository


def by_name(exporter, name):  # type: ignore[no-untyped-def]
    return [span for span in exporter.get_finished_spans() if span.name == name]


def test_get_and_render_are_children_of_the_callers_span(released, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    commit = released.git.head.commit.hexsha
    with tracer.start_as_current_span("request") as request:
        first = repository.get("content/hook@production")
        second = repository.get("content/hook@production")
        assert first.render(topic="bread") == "Hook about bread"
    assert second is first
    request_context = request.get_span_context()
    gets = by_name(spans, "promptgit.get")
    (render,) = by_name(spans, "promptgit.render")
    assert len(gets) == 2
    for span in [*gets, render]:
        assert span.parent is not None and span.parent.span_id == request_context.span_id
        assert span.context.trace_id == request_context.trace_id
        assert span.kind is SpanKind.INTERNAL
        assert span.status.status_code is StatusCode.UNSET
    release = {
        "gen_ai.prompt.name": "content/hook",
        "promptgit.prompt.name": "content/hook",
        "promptgit.prompt.version": "1.2.0",
        "promptgit.prompt.commit": commit,
        "promptgit.prompt.blob_sha": first.blob_sha,
        "promptgit.prompt.origin": "git",
    }
    assert dict(gets[0].attributes) == {
        **release,
        "promptgit.selector": "content/hook@production",
        "promptgit.prompt.label": "production",
        "promptgit.source": "git",
        "promptgit.cache.hit": False,
    }
    assert gets[1].attributes["promptgit.source"] == "cache"
    assert gets[1].attributes["promptgit.cache.hit"] is True
    assert dict(render.attributes) == {**release, "promptgit.prompt.label": "production"}  # issue 19.16
    repository.close()


def test_an_exact_version_has_no_label(released, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    with tracer.start_as_current_span("request"):
        repository.get("content/hook@1.2.0")
    (get,) = by_name(spans, "promptgit.get")
    assert "promptgit.prompt.label" not in get.attributes
    assert get.attributes["promptgit.selector"] == "content/hook@1.2.0"
    repository.close()


def test_render_errors_are_recorded_on_the_span(released, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    with tracer.start_as_current_span("request"):
        hook = repository.get("content/hook")
        with pytest.raises(InputValidationError):
            hook.render()
        with pytest.raises(RenderError):
            repository.get("content/broken").render(topic="x")
    invalid, failed = by_name(spans, "promptgit.render")
    for span, error_type, reason in (
        (invalid, "InputValidationError", "invalid_inputs"),
        (failed, "RenderError", "template"),
    ):
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes["error.type"] == error_type
        assert span.attributes["promptgit.render.error_reason"] == reason
        (event,) = span.events
        assert event.name == "exception"
        assert event.attributes["exception.type"].endswith(error_type)
    repository.close()


def test_a_failed_get_is_an_error_span(released, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    with tracer.start_as_current_span("request"), pytest.raises(PromptNotFoundError):
        repository.get("content/missing")
    (get,) = by_name(spans, "promptgit.get")
    assert get.status.status_code is StatusCode.ERROR
    assert get.attributes == {"promptgit.selector": "content/missing", "error.type": "PromptNotFoundError"}
    assert [event.name for event in get.events] == ["exception"]
    repository.close()


def test_no_span_outside_a_trace_or_under_a_sampled_out_parent(released, spans) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    repository.get("content/hook").render(topic="a")  # no current span at all
    sampled_out = TracerProvider(sampler=ALWAYS_OFF).get_tracer("sampled-out")
    with sampled_out.start_as_current_span("request") as request:
        assert not request.is_recording() and request.get_span_context().is_valid
        assert not observability.recording()
        repository.get("content/hook@production").render(topic="b")
        observability.annotate(repository.get("content/hook"))  # a no-op on a span that does not record
    assert spans.get_finished_spans() == ()
    repository.close()


def test_annotate_stamps_the_release_on_the_callers_span(released, spans, tracer) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    prompt = repository.get("content/hook@production")
    with tracer.start_as_current_span("my llm call"):
        observability.annotate(prompt, selector="content/hook@production")
    other = tracer.start_span("explicit")
    observability.annotate(prompt, other)
    other.end()
    mine, explicit = spans.get_finished_spans()
    assert mine.attributes["promptgit.prompt.version"] == "1.2.0"
    assert mine.attributes["promptgit.prompt.blob_sha"] == prompt.blob_sha
    assert mine.attributes["promptgit.selector"] == "content/hook@production"
    assert explicit.attributes["promptgit.prompt.commit"] == prompt.commit
    assert "promptgit.selector" not in explicit.attributes
    repository.close()


def test_completion_span_follows_the_genai_conventions(released, spans) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    prompt = repository.get("content/hook@production")
    with observability.completion_span(
        prompt, "gpt-4o-mini", params={"temperature": 0.2, "max_tokens": 50, "stop": ["\n"]}
    ) as call:
        assert call.recording
        prompt.render(topic="bread")  # complete renders inside its own span: render becomes a child
        call.cache(False)
        call.usage(12, 30, cached_tokens=4)
        call.response("gpt-4o-mini-2024-07-18", "chatcmpl-1", ["stop"])
        call.cost(0.0001)
    render, completion = spans.get_finished_spans()
    assert completion.name == "chat gpt-4o-mini" and completion.kind is SpanKind.CLIENT
    assert completion.parent is None
    assert render.parent is not None and render.parent.span_id == completion.context.span_id
    attributes = dict(completion.attributes)
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.response.finish_reasons": ("stop",),
        "promptgit.response_cache.hit": False,
        "promptgit.cost_usd": 0.0001,
        "gen_ai.prompt.name": "content/hook",
        "promptgit.prompt.name": "content/hook",
        "promptgit.prompt.version": "1.2.0",
        "promptgit.prompt.commit": prompt.commit,
        "promptgit.prompt.blob_sha": prompt.blob_sha,
        "promptgit.prompt.origin": "git",
        "promptgit.prompt.label": "production",
    }
    repository.close()


def test_completion_span_records_a_failed_call(released, spans) -> None:
    repository = Repository(released.root, registry=CollectorRegistry())
    prompt = repository.get("content/hook")
    with pytest.raises(ConnectionError), observability.completion_span(prompt, "gpt-4o"):
        raise ConnectionError("provider down")
    with observability.completion_span(prompt, "gpt-4o") as call:
        call.error("invalid_output")
    raised, handled = spans.get_finished_spans()
    assert raised.status.status_code is StatusCode.ERROR
    assert [event.attributes["exception.type"] for event in raised.events] == ["ConnectionError"]
    assert handled.status.status_code is StatusCode.ERROR
    assert handled.attributes["error.type"] == "invalid_output"
    repository.close()


def test_without_opentelemetry_imported_nothing_imports_it(released) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from prometheus_client import CollectorRegistry
        from promptgit import observability
        from promptgit.loader import Repository
        repository = Repository({str(released.root)!r}, registry=CollectorRegistry())
        prompt = repository.get("content/hook@production")
        assert prompt.render(topic="x") == "Hook about x"
        observability.annotate(prompt)
        with observability.completion_span(prompt, "gpt-4o-mini") as call:
            call.usage(1, 2)
            assert not call.recording
        assert observability.trace_ids() is None
        assert not [name for name in sys.modules if name.startswith("opentelemetry")], "imported"
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_global_provider_is_the_sdk(tracer) -> None:
    # guards the fixtures: the spans above are real SDK spans, not the API's no-op ones
    assert isinstance(trace.get_tracer_provider(), TracerProvider)


def test_recording_falls_back_to_the_public_api_without_the_span_key(monkeypatch, tracer) -> None:
    from promptgit.observability import tracing

    # a later API without the private key: promptgit's lookup sees a module without it
    monkeypatch.setitem(sys.modules, "opentelemetry.trace.propagation", types.SimpleNamespace())
    monkeypatch.setattr(tracing, "_current_span", None)
    assert not observability.recording()
    with tracer.start_as_current_span("request"):
        assert observability.recording()
    assert tracing._current_span is trace.get_current_span
