"""Issue 21 item 8: growth the loader did not bound. The CLI caps a render's time and memory; the loader
(a service's process) cannot, so its sandbox must refuse these before they allocate: join over repeated
items, bytes repetition, lipsum, a container turned into text, and int results of any size."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from promptgit.errors import RenderError
from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import make_environment

from .conftest import BOUND_SECONDS, REPO_ROOT

ADDRESS_SPACE = 3 << 30  # for the subprocess: a bug is a MemoryError there, not the machine's OOM killer


def _render_in_a_bounded_process(body: str) -> str:
    code = (
        "import sys\n"
        "from promptgit.errors import RenderError\n"
        "from tests.security.test_loader_growth import render\n"
        "try:\n"
        "    print('rendered', len(str(render(sys.stdin.read()))))\n"
        "except RenderError as exc:\n"
        "    print(exc.reason, exc)\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    result = subprocess.run(
        [sys.executable, "-c", code],
        input=body,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
        preexec_fn=limit,
    )
    return result.stdout + result.stderr[-300:]


def render(body: str, **inputs: object) -> object:
    text = "---\nversion: 1.0.0\ninputs:\n  items: {type: array}\n---\n" + body
    prompt = compile_document(parse_document("p", "prompts/p.j2", text), make_environment(lambda _: None))
    return prompt.render(**{"items": [], **inputs})


@pytest.mark.parametrize(
    "body",
    [
        '{{ (["x" * 1000000] * 3000)|join }}',
        '{{ "".join(["x" * 1000000] * 3000) }}',
        '{{ "x".encode() * 1000000000 }}',
        '{{ ("x".encode() * 1000000) * 3000 }}',
        "{{ lipsum(n=1000000) }}",
        "{{ lipsum(1000000, false, 20, 100) }}",
        "{{ ([[1] * 1000000] * 1000)|string }}",
        "{{ [[1] * 1000000] * 1000 }}",
        "{{ ({'k': [1] * 1000000},) * 1000 }}",
        "{{ ((9 ** 999) ** 999) ** 99 }}",
        "{% set ns = namespace(x=9 ** 999) %}"
        "{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}",
    ],
)
def test_the_sandbox_refuses_growth_before_it_allocates(body: str) -> None:
    printed = _render_in_a_bounded_process(body)

    assert printed.startswith("unsafe ") and "over the sandbox limit" in printed, printed


def test_big_inputs_still_join_and_print() -> None:
    distinct = [f"{index:04d}" + "x" * 996 for index in range(3000)]  # 3 MB of the caller's own strings

    assert len(render("{{ items|join(',') }}", items=distinct)) == 3000 * 1001 - 1
    assert len(render("{{ ','.join(items) }}", items=distinct)) == 3000 * 1001 - 1
    assert render(
        "{{ [1, [2, 'x']] }}|{{ {'a': (1,)}|string }}|{{ 2 ** 64 }}|{{ lipsum(2, false)|length > 0 }}"
    ) == ("[1, [2, 'x']]|{'a': (1,)}|18446744073709551616|True")


def test_a_refusal_is_a_render_error_with_the_limit() -> None:
    with pytest.raises(RenderError, match="over the sandbox limit") as raised:
        render("{{ 7 ** 1000 * 7 ** 1000 * 7 ** 1000 * 7 ** 1000 * 7 ** 1000 * 7 ** 1000 }}")
    assert raised.value.reason == "unsafe"
