"""The sandbox's size limits: a few characters of template (or one input) must not allocate gigabytes."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptgit.format.bounded import memory_limit
from promptgit.format.limits import MAX_REPEAT_LENGTH
from promptgit.format.templating import make_environment

HUGE = 3_000_000_000


@pytest.mark.parametrize(
    ("body", "inputs", "message"),
    [
        ('{{ "x" * n }}', {"n": HUGE}, "repetition to 3000000000 items"),
        ("{{ [0] * 2000000 }}", {}, "repetition to 2000000 items"),
        ("{{ 9 ** 100000 }}", {}, "exponent 100000"),
        ('{{ "%3000000000d" % 1 }}', {}, "format field of 3000000000 characters"),
        ('{{ "%*d" % (n, 1) }}', {"n": HUGE}, "format field of 3000000000 characters"),
        ('{{ "%.3000000000f" % 1.5 }}', {}, "format field of 3000000000 characters"),
        ('{{ "%(a)3000000000s" % {"a": 1} }}', {}, "format field of 3000000000 characters"),
        ('{{ "%3000000000d"|format(1) }}', {}, "format field of 3000000000 characters"),
        ('{{ "x"|center(3000000000) }}', {}, "center width 3000000000"),
        ("{{ title|center(n) }}", {"title": "t", "n": HUGE}, "center width 3000000000"),
        ('{{ "a\nb"|indent(3000000000) }}', {}, "indent width 3000000000"),
        ("{{ [1]|batch(3000000000, 0)|list }}", {}, "batch size 3000000000"),
        ("{{ []|slice(3000000000)|list }}", {}, "slice count 3000000000"),
    ],
)
def test_growth_from_one_number_is_refused_naming_the_limit(
    body: str, inputs: dict[str, Any], message: str
) -> None:
    environment = make_environment(lambda relative: None)
    # compiling must not evaluate it either (Jinja folds constant filter calls while compiling)
    template = environment.from_string(body)
    with pytest.raises(SecurityError, match=message):
        template.render(inputs)


@pytest.mark.parametrize(
    "body",
    [
        '{{ "ab" * 3 }}|{{ [1, 2] * 2 }}|{{ 2 ** 10 }}|{{ 7 % 3 }}|{{ 7.5 % 2 }}',
        '{{ "%5d|%-3s|%.2f|%%|%x" % (3, "a", 1.5, 255) }}|{{ "%(a)s" % {"a": 1} }}|{{ "%s" % "x" }}',
        '{{ "%*d" % (4, 1) }}|{{ "%s-%s"|format("a", 2) }}|{{ "%(a)s"|format(a=1) }}',
        '{{ "ab"|center(6) }}|{{ "a\nb"|indent(2, true) }}|{{ "a\n\nb"|indent("> ", blank=true) }}',
        "{{ [1, 2, 3]|batch(2, 0)|list }}|{{ [1, 2, 3]|batch(2)|list }}|{{ [1, 2, 3]|slice(2)|list }}",
        f"{{{{ [1, 2, 3, 4, 5]|slice(3, fill_with=0)|list }}}}|{{{{ ('x' * {MAX_REPEAT_LENGTH})|length }}}}",
    ],
)
def test_within_the_limits_output_is_exactly_the_stock_sandboxs(body: str) -> None:
    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    ours = make_environment(lambda relative: None)
    assert ours.from_string(body).render() == stock.from_string(body).render()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the address-space cap is Linux only")
def test_the_memory_cap_turns_a_huge_allocation_into_memory_error_and_is_lifted_after() -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(MemoryError), memory_limit(64 << 20):
        bytearray(1 << 30)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(256 << 20)) == 256 << 20  # the same allocation size works again outside
    with memory_limit(None):  # no cap asked: nothing changes
        assert resource.getrlimit(resource.RLIMIT_AS) == before
