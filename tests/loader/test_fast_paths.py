"""The render hot path's shortcuts answer exactly what the slow paths they skip would answer."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptgit.errors import RenderError
from promptgit.format.fastcheck import _flat_check, fast_check
from promptgit.format.inputs import inputs_schema, inputs_validator_class, is_required
from promptgit.format.templating import SAFE_LOOP_ATTRIBUTES, make_environment

LOOP_TEMPLATE = """\
{% for item in items %}
{{ loop.index }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }} \
{{ loop.last }} {{ loop.length }} {{ loop.depth }} {{ loop.depth0 }} {{ loop.previtem is defined }} \
{{ loop.nextitem is defined }} {{ loop.cycle('a', 'b') }} {{ loop.changed(item) }} {{ item }}
{% endfor %}
"""


def test_every_shortcut_loop_attribute_is_one_the_stock_sandbox_allows() -> None:
    stock = ImmutableSandboxedEnvironment()
    loop = LoopContext(iter([1, 2]), stock.undefined)
    public = {name for name in dir(loop) if not name.startswith("_")}
    assert public <= SAFE_LOOP_ATTRIBUTES
    for attribute in SAFE_LOOP_ATTRIBUTES:
        assert stock.is_safe_attribute(loop, attribute, getattr(loop, attribute)), attribute


def test_loop_attributes_render_as_in_the_stock_sandbox() -> None:
    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    ours = make_environment(lambda relative: None)
    items = {"items": ["x", "y", "y", "z"]}
    expected = stock.from_string(LOOP_TEMPLATE).render(items)
    assert ours.from_string(LOOP_TEMPLATE).render(items) == expected
    assert "1 0 4 3 True False 4 1 0" in expected


@pytest.mark.parametrize(
    "body", ["{{ loop.__class__ }}", "{{ loop._iterator }}", "{{ loop.cycle.__globals__ }}"]
)
def test_private_loop_attributes_stay_blocked(body: str, prompt_repo) -> None:  # type: ignore[no-untyped-def]
    from prometheus_client import CollectorRegistry

    from promptgit.loader import Repository

    prompt_repo.write_prompt("t/loop", "1.0.0", body="{% for x in [1] %}" + body + "{% endfor %}\n")
    prompt_repo.commit("loop")
    prompt_repo.tag_release("t/loop", "1.0.0")
    repository = Repository(prompt_repo.root, registry=CollectorRegistry())
    with pytest.raises(RenderError) as caught:
        repository.get("t/loop@1.0.0").render(topic="x")
    assert caught.value.args[0].startswith("t/loop@1.0.0: ")
    repository.close()


@pytest.mark.parametrize(
    "text",
    ["a/b", "a/b@1.2.3", "a/b@^1.2", "a/b@>=1.0.0 <2.0.0", "a/b@production", "a/b@latest", " a/b@ 1.2.3"],
)
def test_a_canonical_selector_parses_to_itself(text: str) -> None:
    # get() looks a selector string up as a cache key before parsing it; that is only right if the
    # canonical text of any selector is its own canonical text
    from promptgit.store.selectors import parse_selector

    canonical = str(parse_selector(text))
    assert str(parse_selector(canonical)) == canonical


def test_cache_hits_by_raw_and_canonical_text_count_alike(prompt_repo) -> None:  # type: ignore[no-untyped-def]
    from prometheus_client import CollectorRegistry

    from promptgit.loader import Repository

    prompt_repo.write_prompt("t/x", "1.0.0")
    prompt_repo.commit("x")
    prompt_repo.tag_release("t/x", "1.0.0")
    registry = CollectorRegistry()
    repository = Repository(prompt_repo.root, registry=registry)
    first = repository.get("t/x@1.0.0")
    assert repository.get("t/x@1.0.0") is first
    assert repository.get(" t/x@ 1.0.0") is first
    assert repository.get("t/x@latest") is not None
    assert repository.get("t/x") is repository.get("t/x@latest")
    stats = repository.stats()
    assert (stats["hits"], stats["misses"]) == (4, 2)
    assert registry.get_sample_value("promptgit_loader_cache_hits_total", {"layer": "resolution"}) == 4
    assert registry.get_sample_value("promptgit_loader_cache_misses_total", {"layer": "resolution"}) == 2
    assert registry.get_sample_value("promptgit_loader_loads_total", {"source": "cache"}) == 4
    assert registry.get_sample_value("promptgit_loader_resolve_duration_seconds_count") == 6
    repository.close()


FLAT_DECLARATIONS: list[dict[str, Any]] = [
    {
        "topic": {"type": "string"},
        "tone": {"type": "string", "enum": ["playful", "serious"], "default": "playful"},
        "examples": {"type": "array", "items": {"type": "string"}, "required": False},
        "max_words": {"type": "integer", "minimum": 5, "default": 20},
    },
    {
        "name": {"type": "string", "minLength": 2, "maxLength": 4},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "required": False},
        "count": {"type": "integer", "minimum": 1, "maximum": 3, "required": False},
        "flag": {"type": "boolean", "required": False},
        "extra": {"type": "object", "required": False},
        "tags": {"type": "array", "minItems": 1, "maxItems": 2, "required": False},
    },
]
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    2.0,
    0.5,
    1.0,
    -1,
    float("nan"),
    float("inf"),
    10**30,
    "",
    "a",
    "ab",
    "abcd",
    "abcde",
    "playful",
    "serious",
    "angry",
    "é" * 3,
    [],
    ["x"],
    ["x", "y"],
    ["x", "y", "z"],
    [1],
    ["x", 1],
    ("x",),
    {},
    {"a": 1},
    b"ab",
]


@pytest.mark.parametrize("declared", FLAT_DECLARATIONS)
def test_the_flat_input_check_never_accepts_what_jsonschema_rejects(declared: dict[str, Any]) -> None:
    # the fast path judges values of declared names (InputsChecker compares the names themselves first)
    schema = inputs_schema(declared, strict=False)
    accept = fast_check(schema)
    assert accept is not None and _flat_check(schema) is not None
    validator = inputs_validator_class()(schema)
    required = [name for name in declared if is_required(declared[name])]
    accepted = 0
    for name in declared:
        for value in VALUES:
            inputs = {other: _valid(declared[other]) for other in required} | {name: value}
            if accept(inputs):
                accepted += 1
                assert validator.is_valid(inputs), (name, value)
    assert accepted > len(declared)  # it does accept: the fast path is in use
    assert not accept({}) or not required


def _valid(spec: dict[str, Any]) -> Any:
    return {"string": "abc", "integer": 2, "number": 0.5, "boolean": True}[spec["type"]]


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "integer", "pattern": "^a"},
        {"type": "string", "pattern": "(?=a)"},  # RE2 cannot run it: jsonschema words the error
        {"type": ["string", "null"]},
        {"type": "integer", "minLength": 2},
        {"type": "integer", "minimum": True},
        {"type": "array", "items": {"type": "string", "minLength": 1}},
        {"type": "string", "enum": ["a", 1]},
        {"enum": ["a"]},
    ],
)
def test_no_flat_input_check_for_what_it_does_not_model(spec: dict[str, Any]) -> None:
    assert _flat_check(inputs_schema({"x": spec})) is None


def test_compiled_templates_see_the_environment_globals_as_a_plain_dict() -> None:
    from promptgit.format.prompt import compile_document, parse_document

    environment = make_environment(lambda relative: None)
    body = (
        "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"
    )
    document = parse_document("t/g", "prompts/t/g.j2", "---\nversion: 1.0.0\n---\n" + body + "\n")
    prompt = compile_document(document, environment)
    assert type(prompt.template.globals) is dict
    assert prompt.template.globals == dict(environment.globals)
    assert prompt.render() == "3"


STR_TEMPLATE = """\
{{ topic.upper() }} {{ topic.title() }} {{ topic.split()|length }} {{ topic.replace("s", "z") }} \
{{ topic.startswith("sour") }} {{ "-".join(topic.split()) }} {{ topic.strip().center(30, "*") }} \
{{ items.items()|list|length }} {{ items.get("a") }} {{ topic.__len__ is defined }}"""


def test_string_methods_render_as_in_the_stock_sandbox() -> None:
    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    ours = make_environment(lambda relative: None)
    values = {"topic": " sourdough starters ", "items": {"a": 1}}
    expected = stock.from_string(STR_TEMPLATE).render(values)
    assert ours.from_string(STR_TEMPLATE).render(values) == expected
    assert expected.startswith(" SOURDOUGH STARTERS   Sourdough Starters  2 ")


@pytest.mark.parametrize(
    "body",
    [
        '{{ "{0.__class__.__mro__}".format(topic) }}',
        '{{ "{x.__class__}".format_map({"x": topic}) }}',
        "{{ topic.format.__self__.__class__.__mro__ }}",
        "{{ topic.__class__ }}",
        "{{ topic.__doc__ }}",
        "{{ items.append(1) }}",
        "{{ table.clear() }}",
        "{{ topic.upper.__self__.__class__.__subclasses__() }}",
    ],
)
def test_what_the_stock_sandbox_refuses_stays_refused(body: str) -> None:
    from jinja2.exceptions import SecurityError

    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    ours = make_environment(lambda relative: None)
    values = {"topic": "bread", "items": [1], "table": {"a": 1}}
    for environment in (stock, ours):
        with pytest.raises(SecurityError):
            environment.from_string(body).render(values)


def test_builtin_methods_cannot_carry_the_marks_that_make_a_callable_unsafe() -> None:
    method = "bread".upper
    for mark in ("unsafe_callable", "alters_data"):
        with pytest.raises(AttributeError):
            setattr(method, mark, True)
    assert ImmutableSandboxedEnvironment().is_safe_callable(method)
