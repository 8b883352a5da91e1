"""`promptgit.LLM`: the call path's configuration held once, as httpx's `Client` holds it for `httpx.get`.

    llm = promptgit.LLM(repo, client=openai.OpenAI(), cache=promptgit.ResponseCache())
    answer = llm.complete("content/hook@production", key=user_id, inputs={"topic": "sourdough"})
    answer = await async_llm.acomplete("content/hook@production", inputs={...})  # client=openai.AsyncOpenAI()

A call takes only what varies: the prompt (a selector or a loaded Prompt), the inputs as their own mapping
(so an input may be called `model`, `params` or `cache`), the experiment key, and per-call overrides.
Steps: render (inputs checked) -> response cache lookup -> the provider call within a total deadline ->
answer checks -> usage, cost, metrics, span -> Completion. complete() and acomplete() share CallPlan
(plan.py) and differ only in the transport call.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from promptgit.errors import (
    ConfigError,
    GitError,
    InputValidationError,
    LLMCallError,
    PromptgitError,
    PromptNotFoundError,
)
from promptgit.format.cachepolicy import parse_duration
from promptgit.format.prompt import Prompt
from promptgit.llm.completion import Completion
from promptgit.llm.plan import CacheIf, CallPlan, plan, provider_identity
from promptgit.observability.registry import llm_metrics
from promptgit.observability.tracing import call_span, recorded
from promptgit.tokens.prices import PriceTable, price_table

if TYPE_CHECKING:
    from promptgit.llm.cache import ResponseCache
    from promptgit.loader.repository import Repository

DEFAULT_TIMEOUT = 120.0  # seconds for one whole call; the openai SDK's own default is 600 s per read
_INT_KEY_DIGITS = 4000  # past Python's int-to-str limit (4300 digits) an int key cannot be hashed as text


class DeadlineExceeded(TimeoutError):
    """The call's total deadline passed before the provider answered."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within the call's deadline of {seconds:g} s")
        self.seconds = seconds


class LLM:
    """Calls prompts of `repo` through one provider, one response cache, one price table, one registry.

    - `repo`: a Repository, for selectors (`"content/hook@production"`); None when only loaded Prompts
      are passed. Its promptgit.yaml gives `default_model` and the `models:` prices.
    - `client`: an `openai.OpenAI` (or `AsyncOpenAI` for acomplete), any OpenAI-compatible server through
      its `base_url`; or `call`: a callable taking chat.completions.create's keyword arguments and
      returning a chat completion (a dict or an object with model_dump()), awaitable for acomplete.
    - `cache`: a ResponseCache; None: every call goes to the provider.
    - `prices`: a PriceTable (default: the built-in prices plus the repository's).
    - `registry`: the Prometheus registry of the call metrics (default: the global one).
    - `default_model`: the model of prompts that name none (default: promptgit.yaml's `default_model`).
    - `timeout`: the total deadline of one provider call in seconds (a prompt's `timeout:` front matter
      wins; None: no deadline of promptgit's own). The openai SDK's timeouts are per read, so a provider
      trickling its body would otherwise hold a call for minutes.
    - `fallback`: {prompt name: selector}, e.g. `{"content/script": "content/script@1.0.1"}`: when the
      prompt cannot be had (a label entry gone, git unreadable), that pinned release answers instead,
      with its own model, params and inputs.
    - `cache_if(completion)`: False keeps a fresh answer out of the cache (e.g. refusals).
    - `namespace`: added to every cache key, to keep apart providers the key cannot tell apart (two
      `call=` functions of the same name, two API keys with different fine-tunes behind one URL).
    """

    def __init__(
        self,
        repo: Repository | None = None,
        *,
        client: Any = None,
        call: Callable[..., Any] | None = None,
        cache: ResponseCache | None = None,
        prices: PriceTable | None = None,
        registry: CollectorRegistry | None = None,
        default_model: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        fallback: Mapping[str, str] | None = None,
        cache_if: CacheIf | None = None,
        namespace: str | None = None,
    ) -> None:
        if client is None and call is None:
            raise ConfigError("LLM needs client= (an OpenAI-compatible client) or call=")
        if client is not None and call is not None:
            raise ConfigError("LLM takes client= or call=, not both")
        if timeout is not None and not (isinstance(timeout, (int, float)) and 0 < timeout < float("inf")):
            raise ConfigError(f"LLM timeout must be a positive number of seconds or None, not {timeout!r}")
        config = getattr(repo, "config", None)
        self.repo = repo
        self.client = client
        self.call = call
        self.cache = cache
        self.prices = prices or price_table(config)
        self.default_model = default_model or (config.default_model if config is not None else None)
        self.timeout = timeout
        self.fallback = dict(fallback or {})
        self.cache_if = cache_if
        self._metrics = llm_metrics(registry)
        self._provider = provider_identity(client, call, namespace)
        self._failures = RecentFailures()

    def complete(
        self,
        prompt: str | Prompt,
        inputs: Mapping[str, Any] | None = None,
        *,
        key: str | int | None = None,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
        cache_if: CacheIf | None = None,
        timeout: float | None = None,
    ) -> Completion:
        """Answer `prompt` (a selector, or a Prompt from `Repository.get`) rendered with `inputs`, from the
        cache when it has the answer. `key` picks the variant of a label that splits traffic; `model` and
        `params` override the front matter's (params can never set the messages, the model or the output
        format); `timeout` this call's deadline. Raises InputValidationError/RenderError (inputs),
        LLMCallError (the provider raised, answered nothing usable, or missed the deadline),
        OutputValidationError (the answer fails `output:`), ConfigError (no model, a refused param).
        Failures, truncated and empty answers are never cached."""
        loaded = self._prompt(prompt, key)
        with call_span(loaded, model or loaded.model or self.default_model, params) as span:
            current = self._plan(loaded, inputs, model, params)
            deadline = self._deadline(loaded, timeout)
            if self.cache is None or not current.policy.enabled:
                return recorded(
                    span, current.completion(self._call(current, deadline, shared=False), cached=False)
                )
            value, hit = self.cache.get_or_compute(
                current.key,
                lambda: self._call(current, deadline, shared=True),
                prompt=loaded.name,
                version=loaded.version,
                ttl=current.policy.ttl,
                cacheable=current.cacheable(cache_if or self.cache_if),
            )
            return recorded(span, current.completion(value, cached=hit, key=current.key))

    async def acomplete(
        self,
        prompt: str | Prompt,
        inputs: Mapping[str, Any] | None = None,
        *,
        key: str | int | None = None,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
        cache_if: CacheIf | None = None,
        timeout: float | None = None,
    ) -> Completion:
        """`complete` for asyncio: `client` is an `openai.AsyncOpenAI`, or `call` returns an awaitable.
        A selector is resolved in the loop's thread (a cached resolution; a miss reads git)."""
        loaded = self._prompt(prompt, key)
        with call_span(loaded, model or loaded.model or self.default_model, params) as span:
            current = self._plan(loaded, inputs, model, params)
            deadline = self._deadline(loaded, timeout)
            if self.cache is None or not current.policy.enabled:
                value = await self._acall(current, deadline, shared=False)
                return recorded(span, current.completion(value, cached=False))
            value, hit = await self.cache.aget_or_compute(
                current.key,
                lambda: self._acall(current, deadline, shared=True),
                prompt=loaded.name,
                version=loaded.version,
                ttl=current.policy.ttl,
                cacheable=current.cacheable(cache_if or self.cache_if),
            )
            return recorded(span, current.completion(value, cached=hit, key=current.key))

    def _prompt(self, prompt: str | Prompt, key: str | int | None) -> Prompt:
        if isinstance(prompt, Prompt):
            return prompt
        if not isinstance(prompt, str):
            raise ConfigError(f"complete() takes a selector or a Prompt, not {type(prompt).__name__}")
        if self.repo is None:
            raise ConfigError(f"{prompt}: a selector needs LLM(repo, ...); or pass a Prompt from repo.get()")
        checked = _checked_key(key)
        try:
            return self.repo.get(prompt, key=checked)
        except (PromptNotFoundError, GitError):
            pinned = self.fallback.get(prompt.partition("@")[0])
            if pinned is None:
                raise
        return self.repo.get(pinned, key=checked)

    def _plan(
        self,
        prompt: Prompt,
        inputs: Mapping[str, Any] | None,
        model: str | None,
        params: Mapping[str, Any] | None,
    ) -> CallPlan:
        current = plan(
            prompt,
            {} if inputs is None else inputs,
            model=model or prompt.model or self.default_model,
            params=params,
            prices=self.prices,
            metrics=self._metrics,
            provider=self._provider,
        )
        if self.client is not None and current.model is None:
            raise ConfigError(
                f"{prompt.name}@{prompt.version}: no model: set `model:` in the front matter, "
                "`default_model` in promptgit.yaml, or pass model="
            )
        return current

    def _deadline(self, prompt: Prompt, timeout: float | None) -> Deadline:
        if timeout is None and "timeout" in prompt.metadata:
            try:
                timeout = parse_duration(prompt.metadata["timeout"])
            except ValueError as exc:
                raise ConfigError(f"{prompt.name}@{prompt.version}: timeout: {exc}") from None
        return Deadline(self.timeout if timeout is None else timeout)

    def _call(self, current: CallPlan, deadline: Deadline, *, shared: bool) -> dict[str, Any]:
        """One provider call within the deadline, or the error the same request just met (a single-flight
        follower must not call a provider that failed its leader a moment ago)."""
        self._refuse_if_failed(current, deadline, shared)
        start = time.perf_counter()
        try:
            raw = _within(deadline.remaining(), self._send, self._request(current, deadline))
        except PromptgitError:
            raise
        except Exception as exc:
            raise self._failed(current, exc, start, deadline, shared) from exc
        return self._answered(current, raw, start, shared)

    async def _acall(self, current: CallPlan, deadline: Deadline, *, shared: bool) -> dict[str, Any]:
        self._refuse_if_failed(current, deadline, shared)
        start = time.perf_counter()
        try:
            raw = await _awithin(deadline.remaining(), self._asend(self._request(current, deadline)))
        except PromptgitError:
            raise
        except Exception as exc:
            raise self._failed(current, exc, start, deadline, shared) from exc
        return self._answered(current, raw, start, shared)

    def _refuse_if_failed(self, current: CallPlan, deadline: Deadline, shared: bool) -> None:
        failed = self._failures.since(current.key, current.started) if shared else None
        if failed is not None:
            current.count("error", None, None, None)
            error = LLMCallError(
                str(failed),
                prompt=failed.prompt,
                version=failed.version,
                model=failed.model,
                status_code=failed.status_code,
                field=failed.field,
            )
            raise error from failed
        if deadline.expired():  # the caller waited for another's call until its own deadline passed
            raise current.failed(DeadlineExceeded(deadline.seconds or 0.0), None)

    def _failed(
        self, current: CallPlan, exc: Exception, start: float, deadline: Deadline, shared: bool
    ) -> LLMCallError:
        # the SDK's own timeout is capped at the deadline (_request), so its APITimeoutError at the end of
        # the deadline is the deadline, whichever of the two timers fired first
        timed_out = isinstance(exc, (TimeoutError, asyncio.TimeoutError)) or "Timeout" in type(exc).__name__
        if timed_out and deadline.expired():
            exc = DeadlineExceeded(deadline.seconds or 0.0)
        error = current.failed(exc, time.perf_counter() - start)
        if shared:
            self._failures.record(current.key, error)
        return error

    def _answered(self, current: CallPlan, raw: object, start: float, shared: bool) -> dict[str, Any]:
        try:
            return current.answered(raw, time.perf_counter() - start)
        except LLMCallError as error:
            if shared:
                self._failures.record(current.key, error)
            raise

    def _request(self, current: CallPlan, deadline: Deadline) -> dict[str, Any]:
        remaining = deadline.remaining()
        if self.client is None or remaining is None:
            return current.request
        # the SDK's own timeout no longer than the deadline, so an abandoned call ends soon after it; a
        # shorter one (the client's or the prompt's params.timeout) is kept
        given = current.request.get("timeout")
        own = (
            given
            if isinstance(given, (int, float))
            else _longest_timeout(getattr(self.client, "timeout", None))
        )
        if own is not None and own <= remaining:
            return current.request
        return {**current.request, "timeout": max(remaining, 0.001)}

    def _send(self, request: dict[str, Any]) -> Any:
        if self.call is not None:
            return self.call(**request)
        return self.client.chat.completions.create(**request)

    async def _asend(self, request: dict[str, Any]) -> Any:
        target = self.call if self.call is not None else self.client.chat.completions.create
        result = target(**request)
        return await result if inspect.isawaitable(result) else result


class Deadline:
    """The total time one call may take, from its start; `seconds` None is no deadline."""

    __slots__ = ("_ends", "seconds")

    def __init__(self, seconds: float | None) -> None:
        if seconds is not None and not (isinstance(seconds, (int, float)) and seconds > 0):
            raise ConfigError(f"a call's timeout must be a positive number of seconds, not {seconds!r}")
        self.seconds = seconds
        self._ends = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._ends is None else max(self._ends - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return self._ends is not None and time.monotonic() >= self._ends


class RecentFailures:
    """The last error of each request key, so single-flight followers that waited for a failing leader get
    its error instead of all calling the provider that just failed. Only followers that started before the
    failure see it; a call that starts afterwards asks the provider again (no circuit breaker)."""

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._by_key: dict[str, tuple[float, LLMCallError]] = {}

    def record(self, key: str, error: LLMCallError) -> None:
        with self._lock:
            self._by_key.pop(key, None)
            self._by_key[key] = (time.perf_counter(), error)
            while len(self._by_key) > self._limit:  # oldest first: dicts keep insertion order
                del self._by_key[next(iter(self._by_key))]

    def since(self, key: str, started: float) -> LLMCallError | None:
        """The error `key` met after `started` (a perf_counter time), if any."""
        with self._lock:
            found = self._by_key.get(key)
        return found[1] if found is not None and found[0] >= started else None


def _within(seconds: float | None, send: Callable[[dict[str, Any]], Any], request: dict[str, Any]) -> Any:
    """send(request), or DeadlineExceeded after `seconds`. The call runs in a daemon thread that is left
    to finish on its own (its SDK timeout is bounded by the deadline): a blocking socket read cannot be
    interrupted, but the caller need not wait for it."""
    if seconds is None:
        return send(request)
    outcome: list[Any] = []
    done = threading.Event()
    context = contextvars.copy_context()  # the caller's span stays the parent of the SDK's own spans

    def run() -> None:
        try:
            outcome.append((True, context.run(send, request)))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="promptgit-llm-call", daemon=True).start()
    if not done.wait(seconds):
        raise DeadlineExceeded(seconds)
    ok, result = outcome[0]
    if ok:
        return result
    raise result


async def _awithin(seconds: float | None, pending: Awaitable[Any]) -> Any:
    if seconds is None:
        return await pending
    try:
        return await asyncio.wait_for(pending, seconds)
    except asyncio.TimeoutError:
        raise DeadlineExceeded(seconds) from None


def _longest_timeout(timeout: object) -> float | None:
    """The longest wait of an SDK timeout: a number of seconds, or an httpx.Timeout's longest phase."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    phases = [getattr(timeout, name, None) for name in ("connect", "read", "write", "pool")]
    numbers = [float(phase) for phase in phases if isinstance(phase, (int, float))]
    return max(numbers) if numbers and len(numbers) == len(phases) else None


def _checked_key(key: str | int | None) -> str | int | None:
    """The experiment key, refused with a clear error when it cannot be hashed as text: a lone surrogate
    (legal in JSON, not in UTF-8) or an int too long for str()."""
    if isinstance(key, bool) or not (key is None or isinstance(key, (str, int))):
        raise InputValidationError(f"key= must be a string or an integer, not {type(key).__name__}")
    if isinstance(key, int) and key.bit_length() > _INT_KEY_DIGITS * 3:
        raise InputValidationError(
            f"key= is an integer of about {key.bit_length() * 3 // 10} digits; use a string"
        )
    if isinstance(key, str):
        try:
            key.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputValidationError(
                f"key= is not valid Unicode text: a lone surrogate at index {exc.start}"
            ) from None
    return key
