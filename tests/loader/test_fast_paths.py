"""The render hot path's shortcuts answer exactly what the slow paths they skip would answer."""

from __future__ import annotations

import pytest
from jinja2 import StrictUndefined
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptgit.errors import RenderError
from promptgit.templating import SAFE_LOOP_ATTRIBUTES, make_environment

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
    from promptgit.selectors import parse_selector

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
    assert registry.get_sample_value("promptgit_cache_hits_total", {"layer": "resolution"}) == 4
    assert registry.get_sample_value("promptgit_cache_misses_total", {"layer": "resolution"}) == 2
    assert registry.get_sample_value("promptgit_loads_total", {"source": "cache"}) == 4
    assert registry.get_sample_value("promptgit_resolve_duration_seconds_count") == 6
    repository.close()
