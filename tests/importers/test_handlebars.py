"""The Handlebars/Mustache translation itself: the exact Jinja written for each construct."""

from __future__ import annotations

import pytest

from promptgit.importers.handlebars import translate

DECLARED = {"name": {"type": "string"}, "items": {"type": "array"}, "prices": {"type": "object"}}


@pytest.mark.parametrize(
    ("source", "jinja"),
    [
        ("Hi {{name}}!", "Hi {{ name }}!"),
        ("{{{name}}} {{~ name ~}} x", "{{ name }}{{ name }}x"),
        ("{{#if name}}a{{else}}b{{/if}}", "{%+ if name +%}a{%+ else +%}b{%+ endif +%}"),
        (
            "{{#if a}}A{{else if b}}B{{/if}}",
            "{%+ if a +%}A{%+ else +%}{%+ if b +%}B{%+ endif +%}{%+ endif +%}",
        ),
        ("{{#unless name}}none{{/unless}}", "{%+ if not name +%}none{%+ endif +%}"),
        (
            "{{#each items}}{{@index}}{{this}}{{label}}{{../name}}{{/each}}",
            "{%+ for item in items +%}{{ loop.index0 }}{{ item }}{{ item.label }}{{ name }}{%+ endfor +%}",
        ),
        (
            "{{#each prices}}{{@key}}={{this}}{{/each}}",
            "{%+ for item_key, item in prices.items() +%}{{ item_key }}={{ item }}{%+ endfor +%}",
        ),
        (
            "{{#each items as |x i|}}{{i}}{{x}}{{/each}}",
            "{%+ for x in items +%}{{ loop.index0 }}{{ x }}{%+ endfor +%}",
        ),
        ("{{#with user}}{{first}}{{/with}}", "{%+ if user +%}{{ user.first }}{%+ endif +%}"),
        ("{{> footer}}", '{% include "partials/footer.j2" %}'),  # alone: standalone
        ("{{> footer who=name}}", '{%+ with who=name +%}{%+ include "partials/footer.j2" +%}{%+ endwith +%}'),
        ('{{#ifEquals name "x"}}y{{/ifEquals}}', '{%+ if name == "x" +%}y{%+ endif +%}'),
        ("{{! note }}\n", "{# note #}\n"),
        ("a {% b %} {# c #} \\{{d}}", "{% raw %}a {% b %} {# c #} {{{% endraw %}{% raw %}d}}{% endraw %}"),
        # a block tag alone on its line: Jinja's trim_blocks/lstrip_blocks drop the line as Handlebars does
        ("{{#if name}}\n  yes\n{{/if}}\n", "{% if name %}\n  yes\n{% endif %}\n"),
    ],
)
def test_handlebars_to_jinja(source: str, jinja: str) -> None:
    translation = translate(source, declared={**DECLARED, "a": {}, "b": {}, "user": {}})

    assert (translation.text, translation.losses) == (jinja, [])


@pytest.mark.parametrize(
    ("source", "jinja"),
    [
        ("{{#items}}[{{label}}]{{/items}}", "{%+ for item in items +%}[{{ item.label }}]{%+ endfor +%}"),
        (
            "{{#name}}has{{/name}}{{^name}}none{{/name}}",
            "{%+ if name +%}has{%+ endif +%}{%+ if not name +%}none{%+ endif +%}",
        ),
        ("{{&name}} {{.}}", "{{ name }} "),
    ],
)
def test_mustache_to_jinja(source: str, jinja: str) -> None:
    translation = translate(source, declared=DECLARED, mustache=True)

    assert translation.text == jinja


def test_what_has_no_equivalent_is_named_and_left_out() -> None:
    translation = translate(
        "{{#custom x}}body{{/custom}}{{lookup a b}}{{json (sub x)}}{{> (dyn)}}{{#if x}}open"
    )

    assert translation.text == "body{%+ if x +%}open{%+ endif +%}"
    assert [loss.what for loss in translation.losses] == [
        "template: '{{#if}}' is never closed",  # found when the tags are read, before the rest
        "template: {{#custom}}",
        "template: {{lookup a b}}",
        "template: subexpression (sub x)",
        "template: {{> (dyn)}}",
    ]
