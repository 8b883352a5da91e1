"""PG210-PG214: the front matter that promptgit.llm acts on: `output:` schemas, `cache:` policies, the
response format and the model's price.

PG210 an `output:` that is not a valid JSON Schema; PG211 where OpenAI's strict mode would reject it (the
call then goes without `strict`, so the provider does not enforce the schema); PG212 a prompt sampled at
temperature > 0 with no `cache:` policy, whose varied answers a response cache would freeze into one;
PG213 `output:` beside `params.response_format` (output: wins); PG214 a model without a price.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptgit.config import Config
from promptgit.findings import Finding
from promptgit.format.cachepolicy import cache_policy
from promptgit.format.outputschema import output_schema, strict_problems
from promptgit.format.prompt import PromptDocument
from promptgit.tokens.models import model_table
from promptgit.tokens.prices import price_table
from promptgit.validation.rules import finding


def call_findings(document: PromptDocument, config: Config | None = None) -> Iterator[Finding]:
    """Every PG210-PG214 finding of one prompt (`config`: promptgit.yaml's default model and prices)."""
    yield from _output_findings(document)
    yield from _cache_findings(document)
    yield from _response_format_findings(document)
    yield from _price_findings(document, config or Config())


def _response_format_findings(document: PromptDocument) -> Iterator[Finding]:
    params = document.metadata.get("params")
    if (
        output_schema(document.metadata) is None
        or not isinstance(params, dict)
        or "response_format" not in params
    ):
        return
    message = "params.response_format is not sent: `output:` is, as a json_schema response_format"
    yield finding(document.path, document.front.position(("params", "response_format")), "PG213", message)


def _price_findings(document: PromptDocument, config: Config) -> Iterator[Finding]:
    named = document.metadata.get("model")
    model = named if isinstance(named, str) and named else config.default_model
    if not model or price_table(config).priced(model):
        return
    if not model_table(config.models).lookup(model).known:
        return  # PG404 already says the model is unknown, and where to add it (with its price)
    source = "" if model == named else " (promptgit.yaml's default_model)"
    message = (
        f"model {model}{source} has no price: its calls count as unpriced and cost nothing in the metrics"
    )
    yield finding(document.path, document.front.position(("model",)), "PG214", message)


def _output_findings(document: PromptDocument) -> Iterator[Finding]:
    schema = output_schema(document.metadata)
    if schema is None:
        return  # absent, or not a mapping (PG201 says so)
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as error:
        path = ("output", *error.absolute_path)
        message = f"{_dotted(path)}: not a valid JSON Schema: {error.message}"
        yield finding(document.path, document.front.position(path), "PG210", message[:160])
        return
    for inner, why in strict_problems(schema):
        path = ("output", *inner)
        yield finding(document.path, document.front.position(path), "PG211", f"{_dotted(path)}: {why}")


def _cache_findings(document: PromptDocument) -> Iterator[Finding]:
    params = document.metadata.get("params")
    temperature = params.get("temperature") if isinstance(params, dict) else None
    try:
        declared = cache_policy(document.metadata).explicit
    except ValueError:
        return  # a malformed `cache:` is PG201's finding
    if declared or isinstance(temperature, bool):
        return
    if isinstance(temperature, (int, float)) and temperature > 0:
        message = (
            f"temperature {temperature} but no `cache:` policy: a response cache would repeat one answer"
        )
        yield finding(document.path, document.front.position(("params", "temperature")), "PG212", message)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in path).replace(".[", "[")
