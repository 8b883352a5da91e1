"""Fixtures of the telemetry tests: the OpenTelemetry SDK with an in-memory exporter, a released prompt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_EXPORTER = InMemorySpanExporter()


def _install() -> None:
    # the global provider can be set once per process: reuse an SDK provider another test module set
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))


_install()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture
def tracer() -> trace.Tracer:
    return trace.get_tracer("tests.telemetry")


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt("content/hook", "1.2.0", body="Hook about {{ topic }}\n", model="gpt-4o-mini")
    prompt_repo.write_prompt("content/broken", "1.0.0", body="{{ topic }} {{ 1 // 0 }}\n")
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/hook: 1.2.0\n")
    prompt_repo.commit("release")
    prompt_repo.tag_release("content/hook", "1.2.0")
    prompt_repo.tag_release("content/broken", "1.0.0")
    return prompt_repo
