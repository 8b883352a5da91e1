"""Issue 11 item 3: string-growing methods and format specs are capped; loader renders have a size limit."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from promptgit import Repository
from promptgit.errors import RenderError
from promptgit.format.limits import MAX_REPEAT_LENGTH
from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import make_environment

HUGE = 400_000_000  # the audit's `rjust(4e8)` took 800 MB and 15 s


def render(body: str, **inputs: object) -> object:
    text = "---\nversion: 1.0.0\ninputs:\n  name: {type: string}\n  width: {type: integer}\n---\n" + body
    prompt = compile_document(parse_document("p", "prompts/p.j2", text), make_environment(lambda _: None))
    return prompt.render(**{"name": "a", "width": HUGE, **inputs})


@pytest.mark.parametrize(
    "body",
    [
        "{{ name.rjust(width) }}",
        "{{ name.ljust(width) }}",
        "{{ name.center(width) }}",
        "{{ name.zfill(width) }}",
        "{{ name.rjust(width=width) if false else name.center(width, '*') }}",
        '{{ ("\\t" * 1000).expandtabs(width // 1000) }}',
        "{{ name.encode().center(width) }}",
        "{{ ('a' * 1000).replace('a', 'b' * 10000) }}",
        "{{ ('x' * 10000).join('a' * 10000) }}",
        "{{ ('a' * 1000)|join('x' * 10000) }}",
        "{{ ('a' * 10000)|replace('a', 'b' * 1000) }}",
        "{{ ('a' * 10000).translate({97: 'b' * 1000}) }}",
        "{{ '{:>999999999}'.format(name) }}",
        "{{ '{:>{w}}'.format(name, w=width) }}",
        "{{ '{n:.{w}f}'.format_map({'n': 1.5, 'w': width}) }}",
        "{{ ('{:>999999999}'|safe).format(name) }}",
        "{{ '%999999999d'.encode() % 1 }}",
    ],
)
def test_string_growing_methods_and_format_specs_are_capped(body: str) -> None:
    with pytest.raises(RenderError, match=f"over the sandbox limit of {MAX_REPEAT_LENGTH}") as raised:
        render(body)
    assert raised.value.reason == "unsafe"


def test_the_same_methods_work_within_the_limit() -> None:
    body = (
        "{{ name.rjust(3) }}|{{ name.center(3, '*') }}|{{ '7'.zfill(3) }}|{{ 'a\\tb'.expandtabs(2) }}|"
        "{{ 'a-b'.replace('-', '+') }}|{{ ','.join(['x', 'y']) }}|{{ [1, 2]|join('-') }}|"
        "{{ 'ab'|replace('a', 'c') }}|{{ '{:>4}'.format(name) }}|{{ '{n:.2f}'.format_map({'n': 1.5}) }}"
    )
    assert render(body) == "  a|*a*|007|a b|a+b|x,y|1-2|cb|   a|1.50"


def release(prompt_repo, body: str) -> None:
    prompt_repo.write_prompt("big", "1.0.0", body, inputs="\n  topic: {type: string}\n  n: {type: integer}")
    prompt_repo.commit()
    prompt_repo.tag_release("big", "1.0.0")


def test_the_loader_stops_a_render_over_max_render_chars_and_counts_it(prompt_repo) -> None:
    release(prompt_repo, "{% for i in range(n) %}{{ topic }}{% endfor %}\n")
    registry = CollectorRegistry()
    repository = Repository(prompt_repo.root, registry=registry, max_render_chars=10_000)
    prompt = repository.get("big@1.0.0")

    assert prompt.render(topic="x" * 100, n=100) == "x" * 10_000
    with pytest.raises(RenderError, match="over the limit of 10000 characters") as raised:
        prompt.render(topic="x" * 100, n=101)

    assert raised.value.reason == "too_large"
    labels = {"prompt": "big", "version": "1.0.0", "reason": "too_large"}
    assert registry.get_sample_value("promptgit_loader_render_errors_total", labels) == 1.0


def test_the_default_limit_is_a_million_characters_and_none_lifts_it(prompt_repo) -> None:
    release(prompt_repo, "{% for i in range(n) %}{{ topic }}{% endfor %}\n")
    bounded = Repository(prompt_repo.root, registry=CollectorRegistry())
    unbounded = Repository(prompt_repo.root, registry=CollectorRegistry(), max_render_chars=None)
    inputs = {"topic": "x" * 100_000, "n": 11}

    with pytest.raises(RenderError, match="over the limit of 1000000 characters"):
        bounded.get("big@1.0.0").render(**inputs)
    assert len(unbounded.get("big@1.0.0").render(**inputs)) == 1_100_000


def test_chat_prompts_and_the_worktree_are_bounded_too(prompt_repo) -> None:
    release(
        prompt_repo, '{% message "user" %}{% for i in range(n) %}{{ topic }}{% endfor %}{% endmessage %}\n'
    )
    repository = Repository(prompt_repo.root, registry=CollectorRegistry(), max_render_chars=1000)

    for selector in ("big@1.0.0", "big@worktree"):
        with pytest.raises(RenderError) as raised:
            repository.get(selector).render(topic="x" * 100, n=11)
        assert raised.value.reason == "too_large"


def test_render_and_the_loader_end_quickly_on_rjust_of_a_huge_width(prompt_repo, cli, loader_script) -> None:
    release(prompt_repo, "{{ topic.rjust(n) }}\n")
    prompt_repo.write_prompt("wide", "1.0.0", "{{ topic.rjust(400000000) }}\n")
    prompt_repo.commit()

    validated = cli(prompt_repo.root, "validate")
    rendered = cli(prompt_repo.root, "render", "big@worktree", "--var", "topic=a", "--var", f"n={HUGE}")
    loaded = loader_script(
        prompt_repo.root,
        "from promptgit.errors import RenderError\n"
        "try:\n"
        f"    repo.get('big@1.0.0').render(topic='a', n={HUGE})\n"
        "except RenderError as exc:\n"
        "    print(exc.reason, exc)\n",
    )

    assert (
        validated.returncode == 1
        and "PG306 sample render failed: unsafe template operation" in validated.stdout
    )
    assert rendered.returncode == 2 and "over the sandbox limit" in rendered.stderr
    assert loaded.stdout.startswith("unsafe big@1.0.0: unsafe template operation: rjust()")
