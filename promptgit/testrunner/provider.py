"""The one place `promptgit test` calls a model: `call_model(provider, request)`.

The provider is the openai SDK configured by its standard environment (OPENAI_BASE_URL, OPENAI_API_KEY)
unless promptgit.yaml names one under `test: provider:` (`base_url`, and `api_key_env`, the name of the
variable that holds the key: a key is never written in a file). The SDK retries 429 and 5xx answers with
back-off and honours Retry-After (`max_retries`); `--jobs` bounds how many calls run at once.
When the `promptgit.LLM` client lands, this function is what switches to it.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptgit.errors import ConfigError, PromptgitError
from promptgit.testrunner.cassettes import Answer


@dataclass(frozen=True)
class ProviderSettings:
    base_url: str | None = None  # None: the SDK's own (OPENAI_BASE_URL, else api.openai.com)
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 120.0
    max_retries: int = 4


def provider_settings(root: Path) -> ProviderSettings:
    """promptgit.yaml's `test: provider:` when present, else the SDK's standard environment."""
    path = root / "promptgit.yaml"
    if not path.is_file():
        return ProviderSettings()
    from promptgit.format.yamlsafe import safe_load

    data = safe_load(path.read_text("utf-8")) or {}
    provider = ((data.get("test") or {}) if isinstance(data, dict) else {}).get("provider") or {}
    if not isinstance(provider, dict):
        raise ConfigError("promptgit.yaml: test.provider must be a mapping (base_url, api_key_env)")
    return ProviderSettings(
        base_url=provider.get("base_url"),
        api_key_env=str(provider.get("api_key_env") or "OPENAI_API_KEY"),
        timeout=float(provider.get("timeout", 120.0)),
        max_retries=int(provider.get("max_retries", 4)),
    )


class ProviderError(PromptgitError):
    """The provider could not answer (after the SDK's retries)."""


# one SDK client (and its connection pool) per provider, key and base URL, for the life of the process
_clients: dict[tuple[ProviderSettings, str | None, str | None], Any] = {}
_lock = threading.Lock()


def _client(settings: ProviderSettings) -> Any:
    identity = (settings, os.environ.get(settings.api_key_env), os.environ.get("OPENAI_BASE_URL"))
    with _lock:
        client = _clients.get(identity)
        if client is None:
            try:
                import openai
            except ImportError:
                raise ConfigError(
                    "recording answers needs the openai SDK: pip install 'openai>=1.40' (the openai extra)"
                ) from None
            key = os.environ.get(settings.api_key_env)
            if not key:
                raise ConfigError(
                    f"recording answers needs a key in ${settings.api_key_env} (replay needs none)"
                )
            client = openai.OpenAI(
                base_url=settings.base_url,
                api_key=key,
                timeout=settings.timeout,
                max_retries=settings.max_retries,
            )
            _clients[identity] = client
        return client


def call_model(settings: ProviderSettings, request: dict[str, Any]) -> Answer:
    """Send one chat completion request (chat.completions.create's keyword arguments); the answer."""
    client = _client(settings)
    start = time.perf_counter()
    try:
        response = client.chat.completions.create(**request)
    except Exception as exc:  # the SDK's errors after its retries: one line naming the status
        status = getattr(exc, "status_code", None)
        raise ProviderError(f"the model call failed{f' ({status})' if status else ''}: {exc}") from None
    elapsed = int((time.perf_counter() - start) * 1000)
    choice = response.choices[0] if response.choices else None
    usage = response.usage
    return Answer(
        content=(choice.message.content or "") if choice is not None else "",
        model=response.model,
        finish_reason=choice.finish_reason if choice is not None else None,
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        latency_ms=elapsed,
    )
