"""Run cases: render and check, then answer each request from a cassette (replay) or the provider (record).

Replay is the default and touches no network. `record="missing"` calls the provider only for requests no
recording answers; `record="all"` calls it for every request and drops recordings no case asked for.
Live calls go through the response cache when one is given, run `jobs` at a time, and are retried by the
SDK on 429 and 5xx. A case with `repeat: N` asks N times and passes when `min_pass` attempts pass.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptgit.errors import ConfigError, PromptgitError
from promptgit.format.outputschema import output_schema
from promptgit.format.prompt import Prompt
from promptgit.format.templating import Rendered
from promptgit.testrunner.assertions import AnswerContext, assertion
from promptgit.testrunner.cases import Case, Check, load_cases
from promptgit.testrunner.cassettes import Answer, Cassette, cassette_key
from promptgit.testrunner.checking import CheckResult
from promptgit.testrunner.provider import ProviderSettings, call_model
from promptgit.testrunner.renderchecks import as_messages, render_check, rendered_text
from promptgit.testrunner.sources import CASSETTE_SUFFIX, Source
from promptgit.validation.testfiles import TESTS_SUFFIX, parse_tests

if TYPE_CHECKING:
    from promptgit.llm.cache import ResponseCache

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
RECORD_MODES = ("none", "missing", "all")


@dataclass(frozen=True)
class RunOptions:
    record: str = "none"  # none (replay) | missing | all
    jobs: int = 4
    repeat: int | None = None  # overrides the tests files' `repeat`
    min_pass: int | None = None
    provider: ProviderSettings = field(default_factory=ProviderSettings)
    cache: ResponseCache | None = None  # live calls go through it
    default_model: str | None = None  # promptgit.yaml's, for prompts that name none


@dataclass
class CaseResult:
    case: Case
    status: str
    checks: list[CheckResult] = field(default_factory=list)
    reason: str = ""  # why an error or a failure, in one line
    version: str | None = None
    attempts: int = 0
    passes: int = 0
    judges: list[str] = field(default_factory=list)  # name@version of the judges that answered
    messages: list[dict[str, str]] | None = None  # the rendered prompt, for its token count
    answer: Answer | None = None  # the first attempt's, for its usage and cost
    model: str | None = None
    seconds: float = 0.0

    @property
    def input_tokens(self) -> int | None:
        """Tokens of the rendered prompt for its model (counted when a report asks)."""
        if self.messages is None:
            return None
        from promptgit.tokens import count

        return count(self.messages, self.model).tokens

    @property
    def cost_usd(self) -> float | None:
        """The first answer's cost at the model's price (looked up only when asked: the price table
        comes with promptgit.llm, which a replay has no other use for)."""
        if self.answer is None:
            return None
        from promptgit.llm.completion import Usage
        from promptgit.tokens.prices import price_table

        usage = Usage(input_tokens=self.answer.input_tokens, output_tokens=self.answer.output_tokens)
        prices = price_table()
        return prices.cost(self.answer.model or self.model, usage) or prices.cost(self.model, usage)

    @property
    def passed(self) -> bool:
        return self.status in (PASSED, SKIPPED)

    def failures(self) -> list[CheckResult]:
        return [item for item in self.checks if not item.passed]

    def summary(self) -> str:
        """One line: the first failing check's reason, or the error."""
        if self.reason:
            return self.reason
        failing = self.failures()
        if failing:
            first = failing[0]
            more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
            return f"{first.check.label}: {first.reason}{more}"
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.case.prompt,
            "case": self.case.name,
            "file": self.case.path,
            "line": self.case.line,
            "status": self.status,
            "version": self.version,
            "reason": self.summary(),
            "attempts": self.attempts,
            "passes": self.passes,
            "judges": self.judges,
            "input_tokens": self.input_tokens,
            "cost_usd": self.cost_usd,
            "seconds": round(self.seconds, 4),
            "checks": [item.as_dict() for item in self.checks],
        }


def collect_cases(
    source: Source,
    names: Sequence[str] | None = None,
    *,
    repeat: int | None = None,
    min_pass: int | None = None,
) -> list[Case]:
    """The cases of every tests file at `source` (or of the prompts `names`); PromptgitError naming the
    file and line of the first problem when a tests file is not valid (validate lists them all)."""
    from promptgit.validation.testfiles import TestsFileError

    available = source.tests_names()
    chosen = available if not names else list(names)
    cases: list[Case] = []
    for name in chosen:
        data = source.read(f"{name}{TESTS_SUFFIX}")
        if data is None:
            from promptgit.errors import did_you_mean

            raise PromptgitError(
                f"no tests file {source.shown(name + TESTS_SUFFIX)} "
                f"({did_you_mean(name, available, 'tests')})"
            )
        try:
            document = parse_tests(source.shown(f"{name}{TESTS_SUFFIX}"), data)
        except TestsFileError as exc:
            raise PromptgitError(exc.findings[0].format()) from None
        cases.extend(load_cases(name, document, repeat=repeat, min_pass=min_pass))
    return cases


class CassetteBook:
    """The cassettes of a run, one per prompt, read from `readers` (the first one's recordings win)."""

    def __init__(self, readers: Sequence[Source]) -> None:
        self.readers = readers
        self._cassettes: dict[str, Cassette] = {}
        self._lock = threading.Lock()

    def of(self, prompt: str) -> Cassette:
        with self._lock:
            found = self._cassettes.get(prompt)
            if found is None:
                relative = f"{prompt}{CASSETTE_SUFFIX}"
                found = Cassette(prompt, self.readers[0].shown(relative))
                for reader in self.readers:
                    found.load(reader.read(relative), reader.shown(relative))
                self._cassettes[prompt] = found
            return found

    def all(self) -> list[Cassette]:
        with self._lock:
            return list(self._cassettes.values())


class Runner:
    def __init__(self, source: Source, cassettes: CassetteBook, options: RunOptions, root: Path) -> None:
        self.source = source
        self.cassettes = cassettes
        self.options = options
        self.root = root
        self._judges: dict[str, Prompt] = {}
        self._judge_lock = threading.Lock()
        self._repository: Any = None

    def run(self, cases: Sequence[Case]) -> list[CaseResult]:
        live = self.options.record != "none"
        if live and self.options.jobs > 1 and len(cases) > 1:
            with ThreadPoolExecutor(
                max_workers=self.options.jobs, thread_name_prefix="promptgit-test"
            ) as pool:
                results = list(pool.map(self.run_case, cases))
        else:  # replay is CPU work: threads would only take turns
            results = [self.run_case(case) for case in cases]
        if self.options.record == "all":
            for cassette in self.cassettes.all():
                cassette.forget_unused()
        return results

    def close(self) -> None:
        if self._repository is not None:
            self._repository.close()

    def run_case(self, case: Case) -> CaseResult:
        start = time.perf_counter()
        result = self._case(case)
        result.seconds = time.perf_counter() - start
        return result

    def _case(self, case: Case) -> CaseResult:
        if case.skip:
            return CaseResult(case, SKIPPED)
        try:
            prompt = self.source.prompt(case.prompt)
        except PromptgitError as exc:
            return CaseResult(case, ERROR, reason=str(exc))
        if prompt is None:
            return CaseResult(case, ERROR, reason=f"no prompt {case.prompt} at {self.source.label}")
        inputs = dict(prompt.sample) if case.inputs is None else dict(case.inputs)
        result = CaseResult(case, PASSED, version=prompt.version)
        try:
            rendered = prompt.render(**inputs)
        except PromptgitError as exc:
            result.status, result.reason = ERROR, f"render: {exc}"
            return result
        model = case.model or prompt.model or self.options.default_model
        result.messages, result.model = as_messages(rendered), model
        render_results = [render_check(check, rendered, model) for check in case.render]
        result.checks = list(render_results)
        if not case.asserts:
            result.status = PASSED if all(item.passed for item in render_results) else FAILED
            return result
        request = build_request(prompt, rendered, model, case.params)
        cassette = self.cassettes.of(case.prompt)
        schema = output_schema(prompt.metadata)
        shown_checks: list[CheckResult] | None = None
        try:
            for attempt in range(case.repeat):
                answer = self._ask(case, cassette, request, attempt, prompt)
                if attempt == 0:
                    result.answer = answer
                judge = self._judge_for(case, cassette, answer, inputs, rendered, attempt, result)
                context = AnswerContext(case, answer, inputs, schema, self.root, judge)
                checks = [assertion(check, context) for check in case.asserts]
                result.attempts += 1
                if _attempt_passes(case, checks):
                    result.passes += 1
                    shown_checks = shown_checks or checks
                elif shown_checks is None or all(item.passed for item in shown_checks):
                    shown_checks = checks  # show a failing attempt when there is one
        except ConfigError:
            raise  # no key, no SDK: the run cannot go on, and that is a usage error
        except PromptgitError as exc:
            result.status, result.reason = ERROR, str(exc)
            return result
        result.checks = render_results + (shown_checks or [])
        render_ok = all(item.passed for item in render_results)
        result.status = PASSED if render_ok and result.passes >= case.needed_passes else FAILED
        if result.status == FAILED and case.repeat > 1 and render_ok:
            result.reason = (
                f"{result.passes} of {result.attempts} attempts passed, {case.needed_passes} needed"
            )
            failing = [item for item in result.checks if not item.passed]
            if failing:
                result.reason += f"; {failing[0].check.label}: {failing[0].reason}"
        return result

    # --- answers ------------------------------------------------------------------------------------
    def _ask(
        self,
        case: Case,
        cassette: Cassette,
        request: dict[str, Any],
        attempt: int,
        prompt: Prompt,
        what: str | None = None,
    ) -> Answer:
        """The answer to `request`: recorded, or (when recording) the provider's, then recorded."""
        key = cassette_key(request)
        record = self.options.record
        if record != "all" and (record == "none" or cassette.has(key, attempt)):
            found = cassette.answer(key, attempt)
            if found is not None:
                return found
            raise cassette.miss(what or case.name, request)
        answer = self._live(request, attempt, prompt)
        cassette.record(key, what or case.name, request, attempt, answer)
        return answer

    def _live(self, request: dict[str, Any], attempt: int, prompt: Prompt) -> Answer:
        cache = self.options.cache
        if cache is None:
            return call_model(self.options.provider, request)
        from promptgit.llm.cache import cache_key

        params = {k: v for k, v in request.items() if k not in ("model", "messages")}
        if attempt:
            params["promptgit_test_attempt"] = attempt  # each attempt of --repeat is its own answer
        key = cache_key(
            prompt=prompt.name,
            version=prompt.version,
            blob_sha=prompt.blob_sha or "",
            rendered=request["messages"],
            model=request.get("model"),
            params=params,
        )
        value, _hit = cache.get_or_compute(
            key,
            lambda: call_model(self.options.provider, request).as_dict(),
            prompt=prompt.name,
            version=prompt.version,
        )
        return Answer.from_dict(value)

    # --- judges -------------------------------------------------------------------------------------
    def _judge_for(
        self,
        case: Case,
        cassette: Cassette,
        answer: Answer,
        inputs: Mapping[str, Any],
        rendered: Rendered,
        attempt: int,
        result: CaseResult,
    ) -> Callable[[Check], Mapping[str, Any]]:
        def judge(check: Check) -> Mapping[str, Any]:
            selector = str(check.value)
            prompt = self._judge_prompt(selector)
            offered = {
                "output": answer.content,
                "answer": answer.content,
                "rubric": check.rubric or "",
                "inputs": json.dumps(dict(inputs), ensure_ascii=False, sort_keys=True, default=str),
                "prompt": rendered_text(rendered) or "",
            }
            judge_inputs = {k: v for k, v in offered.items() if k in prompt.inputs}
            judged = prompt.render(**judge_inputs)
            request = build_request(prompt, judged, prompt.model or self.options.default_model, None)
            label = f"{case.name} / judge {selector}"
            verdict = self._ask(case, cassette, request, attempt, prompt, what=label)
            version = f"{prompt.name}@{prompt.version}"
            with self._judge_lock:
                if version not in result.judges:
                    result.judges.append(version)
            try:
                parsed = json.loads(verdict.content)
            except ValueError:
                return {"error": f"judge {version} did not answer JSON: {verdict.content[:80]!r}"}
            if not isinstance(parsed, dict):
                return {
                    "error": f"judge {version} answered {type(parsed).__name__}, not {{pass, score, reason}}"
                }
            return {**parsed, "version": version}

        return judge

    def _judge_prompt(self, selector: str) -> Prompt:
        with self._judge_lock:
            found = self._judges.get(selector)
            if found is None:
                if self._repository is None:
                    from prometheus_client import CollectorRegistry

                    from promptgit.loader import Repository

                    ref = self.source.commit or "HEAD"
                    self._repository = Repository(
                        self.root, ref, registry=CollectorRegistry(), cache_ttl=3600
                    )
                found = self._judges[selector] = self._repository.get(selector)
            return found


def build_request(
    prompt: Prompt, rendered: Rendered, model: str | None, params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """chat.completions.create's keyword arguments for a rendered prompt, as promptgit.llm builds them:
    the prompt's params under the case's, its `output:` as response_format."""
    if not model:
        raise PromptgitError(
            f"{prompt.name}@{prompt.version}: no model: set `model:` in the front matter, the case, "
            "or default_model in promptgit.yaml"
        )
    merged = {**prompt.params, **(params or {})}
    merged.pop("stream", None)
    schema = output_schema(prompt.metadata)
    if schema is not None and "response_format" not in merged:
        from promptgit.llm.output import response_format

        merged["response_format"] = response_format(prompt.name, schema)
    return {"model": model, "messages": as_messages(rendered), **merged}


def _attempt_passes(case: Case, checks: list[CheckResult]) -> bool:
    if case.threshold is None:
        return all(item.passed for item in checks)
    total = sum(item.check.weight for item in checks)
    score = sum(item.check.weight * item.score for item in checks) / total if total else 1.0
    return score >= case.threshold


def run_cases(
    source: Source,
    cases: Sequence[Case],
    options: RunOptions,
    root: Path,
    cassette_readers: Sequence[Source] | None = None,
) -> tuple[list[CaseResult], CassetteBook]:
    """Run `cases` at `source`; the results in the cases' order, and the cassettes (to write when
    recording)."""
    book = CassetteBook(cassette_readers or [source])
    runner = Runner(source, book, options, root)
    try:
        return runner.run(cases), book
    finally:
        runner.close()


def write_cassettes(book: CassetteBook, prompts_dir: Path) -> list[Path]:
    """Write every cassette a recording run changed; the files written."""
    written = []
    for cassette in book.all():
        if not cassette.changed:
            continue
        path = prompts_dir / f"{cassette.prompt}{CASSETTE_SUFFIX}"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(cassette.dumps(), "utf-8")
        temporary.replace(path)
        written.append(path)
    return written
