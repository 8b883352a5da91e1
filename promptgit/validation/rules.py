"""The rule table: every code promptgit reports, its family, default severity and help text, in one place.

Reporters (SARIF) and docs/rules.md are built from this table; the checks live in one module per family
(token_limits.py, versions.py, security.py, ...) and take their severities from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptgit.findings import Finding, Severity

FAMILIES = ("parse", "schema", "variables", "tokens", "versions", "security")
_FAMILY_OF_DIGIT = {
    "1": "parse",
    "2": "schema",
    "3": "variables",
    "4": "tokens",
    "5": "versions",
    "6": "security",
}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    help: str

    @property
    def family(self) -> str:
        return family_of(self.code)


def family_of(code: str) -> str:
    """`PG301` -> `variables`; unknown codes belong to no family and are never filtered out."""
    return _FAMILY_OF_DIGIT.get(code[2:3], "other") if code.startswith("PG") else "other"


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "PG101",
            "front-matter-yaml",
            _E,
            "The YAML front matter is missing, unclosed or invalid.",
            "Start the file with a '---' line, write YAML metadata, close it with another '---' line.",
        ),
        Rule(
            "PG102",
            "jinja-syntax",
            _E,
            "The Jinja body does not parse.",
            "Fix the template syntax at the reported line (unclosed tags, unknown tags, bad expressions).",
        ),
        Rule(
            "PG103",
            "encoding",
            _E,
            "The file is binary or not valid UTF-8.",
            "Save the file as UTF-8 text; prompts and partials must not contain NUL bytes.",
        ),
        Rule(
            "PG104",
            "file-too-large",
            _E,
            "The file is larger than max_file_bytes.",
            "Split the prompt into partials, or raise max_file_bytes in promptgit.yaml.",
        ),
        Rule(
            "PG105",
            "missing-include",
            _E,
            "An include or import names a template that does not exist.",
            "Create the template under the prompts directory, or fix the path (relative to the prompts dir).",
        ),
        Rule(
            "PG106",
            "unreadable-file",
            _E,
            "The file cannot be read.",
            "Check the file's permissions; a prompt path must be a regular, readable file.",
        ),
        Rule(
            "PG107",
            "duplicate-key",
            _E,
            "A YAML mapping (front matter or labels.yaml) has the same key twice.",
            "Keep one of the two keys: YAML would silently use the last one, which review easily misses.",
        ),
        # promptgit.validation.conflicts (issue 19.5)
        Rule(
            "PG108",
            "conflict-markers",
            _E,
            "Merge conflict markers (<<<<<<<, =======, >>>>>>>) are left in the file.",
            "Resolve the conflict: keep the right text and delete the three marker lines.",
        ),
        Rule(
            "PG201",
            "metadata-schema",
            _E,
            "The front matter does not match schemas/prompt.schema.json.",
            "Fix the key at the reported line; see docs/format.md for the allowed keys and their types.",
        ),
        Rule(
            "PG202",
            "kind-not-allowed",
            _E,
            "The prompt's kind is not in the `kinds` list of promptgit.yaml.",
            "Use one of the configured kinds, or add the kind to `kinds` in promptgit.yaml.",
        ),
        Rule(
            "PG203",
            "labels-file",
            _E,
            "labels.yaml is not valid YAML or does not match labels.schema.json.",
            "labels.yaml maps label -> {prompt name: released version}, e.g. `production: {a/b: 1.2.0}`.",
        ),
        # promptgit.validation.calls: the front matter promptgit.llm acts on; see docs/llm.md
        Rule(
            "PG210",
            "output-schema-invalid",
            _E,
            "`output:` is not a valid JSON Schema.",
            "Fix the schema at the reported line; `output:` is a JSON Schema (2020-12) of the answer.",
        ),
        Rule(
            "PG211",
            "output-schema-not-strict",
            _W,
            "OpenAI's strict structured outputs would reject the `output:` schema.",
            "Set `additionalProperties: false` and list every property in `required` on each object, and "
            "avoid the keywords strict mode does not support; the call is otherwise sent without `strict`.",
        ),
        Rule(
            "PG212",
            "cache-at-temperature",
            _W,
            "The prompt samples at temperature > 0 but declares no `cache:` policy.",
            "Decide in the front matter: `cache: false` keeps answers varied, `cache: {ttl: 6h}` (or true) "
            "accepts one cached answer per input.",
        ),
        # promptgit.validation.testfiles: NAME.tests.yaml, run by `promptgit test`; see docs/testing.md
        Rule(
            "PG220",
            "tests-file",
            _E,
            "A tests file (NAME.tests.yaml) does not match tests.schema.json or has a value that cannot run.",
            "Fix the case or check at the reported line; docs/testing.md lists the keys and check types.",
        ),
        Rule(
            "PG213",
            "output-and-response-format",
            _W,
            "The prompt has both `output:` and `params.response_format`; `output:` wins.",
            "Keep one: `output:` (sent as a json_schema response_format and checked by promptgit), or remove "
            "`output:` to send `params.response_format` as it is.",
        ),
        Rule(
            "PG214",
            "model-without-price",
            _W,
            "The prompt's model has no price, so its calls have no cost in metrics, budgets or savings.",
            "Add the model's price under `models:` in promptgit.yaml "
            "(`models: {NAME: {price: {input: ..., output: ...}}}`, USD per million tokens).",
        ),
        Rule(
            "PG301",
            "undeclared-variable",
            _E,
            "The template uses a variable that is not declared in `inputs`.",
            "Declare the variable under `inputs:` (with a type), or fix its spelling in the template.",
        ),
        Rule(
            "PG302",
            "unused-input",
            _W,
            "An input is declared but the template (and its partials) never use it.",
            "Remove the declaration, or use the variable in the template.",
        ),
        Rule(
            "PG303",
            "text-outside-message",
            _E,
            "A chat prompt has text outside its message blocks.",
            'Move the text into a `{% message "role" %}` block or delete it; whitespace may sit between.',
        ),
        Rule(
            "PG304",
            "unknown-role",
            _E,
            "A message block names a role that is not a chat role.",
            "Use one of: system, developer, user, assistant, tool.",
        ),
        Rule(
            "PG305",
            "invalid-sample",
            _E,
            "The `sample` does not satisfy the declared inputs.",
            "Give every required input a value of the declared type in `sample:`, and only declared names.",
        ),
        Rule(
            "PG306",
            "sample-render-failed",
            _E,
            "Rendering the template with its sample failed.",
            "Fix the template or the sample so that `promptgit render NAME --sample` succeeds.",
        ),
        Rule(
            "PG307",
            "missing-sample",
            _W,
            "The prompt has required inputs but no `sample`, so it is never test-rendered.",
            "Add `sample:` with a value for every required input; tokens are then estimated too.",
        ),
        Rule(
            "PG308",
            "message-block-cannot-render",
            _E,
            "A message block sits where it cannot make a message: in a text prompt or a capture.",
            "Put message blocks only in chat prompts (their own body or included partials), outside macros, "
            "`{% set %}`, `{% filter %}` and `{% call %}` blocks; see docs/security.md.",
        ),
        # promptgit.validation.token_limits: the sample render against its budget and the model's window
        Rule(
            "PG401",
            "over-token-budget",
            _E,
            "The sample render is estimated at more tokens than `token_budget`.",
            "Shorten the prompt or its partials, or raise `token_budget` in the front matter.",
        ),
        Rule(
            "PG402",
            "over-context-window",
            _E,
            "The sample render does not fit the model's context window minus its output reserve.",
            "Shorten the prompt, or use a model with a larger window "
            "(models: in promptgit.yaml sets windows).",
        ),
        Rule(
            "PG403",
            "near-token-budget",
            _W,
            "The sample render uses more than `token_warning_ratio` (default 0.9) of `token_budget`.",
            "Leave headroom for real inputs, which are often longer than the sample; "
            "or raise `token_budget`.",
        ),
        Rule(
            "PG404",
            "unknown-model",
            _W,
            "The model is not in the model table; estimates use the heuristic and a default context window.",
            "Fix the model name, or add the model under `models:` in promptgit.yaml with its context_window.",
        ),
        # promptgit.validation.versions (bumps, releases, labels), bumps.py (the interface), splits.py
        Rule(
            "PG501",
            "version-not-bumped",
            _E,
            "The prompt differs from its last release and its version does not cover the change.",
            "Bump `version:` as the change needs (`promptgit bump NAME` picks it); see docs/versions.md.",
        ),
        Rule(
            "PG502",
            "version-went-down",
            _E,
            "The version is lower than the prompt's last release.",
            "Versions never go down: use a version above the last release; see docs/versions.md.",
        ),
        Rule(
            "PG503",
            "released-content-changed",
            _E,
            "The version is released and the file differs from it.",
            "A released version is immutable: bump the version; see docs/versions.md.",
        ),
        Rule(
            "PG504",
            "label-unreleased",
            _E,
            "A label points at a version that has no release tag.",
            "Release the version first (`promptgit release`), or point the label at a release.",
        ),
        Rule(
            "PG505",
            "label-unknown-prompt",
            _E,
            "A label points at a prompt that does not exist.",
            "Remove the entry from labels.yaml, or restore the prompt.",
        ),
        Rule(
            "PG506",
            "partial-changed-unbumped",
            _W,
            "A partial the prompt includes changed since the base; the prompt stays at a released version.",
            "Bump the prompt's version so a release carries the partial's change; see docs/versions.md.",
        ),
        Rule(
            "PG507",
            "release-tags-missing",
            _E,
            "No release tags in a clone that should have them (shallow, --no-tags, labels naming versions).",
            "`git fetch --tags` (actions/checkout: `fetch-depth: 0`); see docs/versions.md.",
        ),
        Rule(
            "PG508",
            "split-weights-sum",
            _E,
            "The weights of a traffic split do not sum to 100.",
            "Give the versions whole-number weights that sum to 100, e.g. {1.2.0: 90, 1.3.0: 10}.",
        ),
        Rule(
            "PG509",
            "split-inputs-differ",
            _E,
            "The versions of a traffic split require different inputs, so callers of one break on the other.",
            "Split only between versions with the same required inputs (give a new input a default).",
        ),
        Rule(
            "PG510",
            "label-entry-removed",
            _W,
            "A label entry of a prompt that still exists was removed: `name@label` stops resolving "
            "everywhere.",
            "Keep the entry until no caller uses the label, or point it at another release "
            "(docs/versions.md).",
        ),
        Rule(
            "PG511",
            "label-on-renamed-prompt",
            _W,
            "A label names a prompt that was renamed: it keeps serving the old name's releases.",
            "Release the prompt under its new name, then point labels and callers at it (docs/versions.md).",
        ),
        Rule(
            "PG309",
            "langfuse-not-compilable",
            _E,
            "A prompt opted in to Langfuse's API shape (serve: {langfuse: true}) Langfuse cannot compile.",
            "Langfuse's compile only substitutes {{ name }}: keep the body to text, {{ name }} and constant "
            "includes, message blocks at the top level; or drop `serve: {langfuse: true}` (docs/serve.md).",
        ),
        Rule(
            "PG601",
            "secret",
            _E,
            "The file contains a string that looks like a secret (API key, token, private key).",
            "Remove the secret and rotate it; pass credentials at run time, never in a prompt.",
        ),
        Rule(
            "PG602",
            "unsafe-template",
            _E,
            "The template reaches for internals the sandbox forbids.",
            "Do not access `_`-prefixed attributes, `mro`, frames or globals; pass plain data as inputs.",
        ),
        Rule(
            "PG603",
            "pattern-not-checkable",
            _E,
            "An input or output pattern cannot run on the linear-time engine (RE2): no value can pass it.",
            "Rewrite it without backreferences, lookahead or lookbehind; see docs/security.md#patterns.",
        ),
        Rule(
            "PG604",
            "backtracking-pattern",
            _W,
            "An input or output pattern backtracks catastrophically in other regex engines (nested repeats).",
            "promptgit checks it in linear time; rewrite it (`^a+$` for `^(a+)+$`) for other consumers.",
        ),
        Rule(
            "PG605",
            "input-chooses-role",
            _W,
            "A message block's role is computed from an input that declares no enum.",
            "Declare the allowed roles as an enum (e.g. `items.properties.role.enum: [user, assistant]`), "
            "or write the role in the template; otherwise a caller can send a system message.",
        ),
        Rule(
            "PG606",
            "input-chooses-template",
            _W,
            "An include or import names its template from an input that declares no enum.",
            "Declare the allowed values as an enum, or map them to template names in the template; "
            "otherwise a caller picks any partial, including one with a system message block.",
        ),
    )
}


RULES = dict(sorted(RULES.items()))


def rule_for(code: str) -> Rule:
    """The rule of `code`; codes of other areas that are not in the table get a generic entry."""
    known = RULES.get(code)
    if known is not None:
        return known
    return Rule(
        code, code.lower(), Severity.ERROR, f"promptgit rule {code}", f"See docs/rules.md for {code}."
    )


def finding(path: str, position: tuple[int, int], code: str, message: str) -> Finding:
    """A finding of `code` at (line, column) with the rule's default severity (the engine applies config)."""
    line, column = position
    return Finding(path, line, column, code, message, rule_for(code).severity)
