"""Rules for traffic splits in labels.yaml: PG504/PG505 per version, PG508 weights, PG509 inputs."""

from __future__ import annotations

from typing import Any

from promptgit.store.workspace import Workspace
from promptgit.validation import validate
from promptgit.validation.version_checks import check_versions


def findings(repo: Any) -> list[str]:
    """The split rules' findings; these labels files drop `history`'s staging label, whose PG510 warning
    (an entry removed) is tested in tests/gitflow/test_label_removal.py."""
    found = check_versions(Workspace.discover(repo.root), "HEAD")
    return [item.format() for item in found if item.code != "PG510"]


def test_a_split_of_released_versions_is_clean(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook: {1.1.0: 90, 2.0.0: 10}\n")
    assert findings(history) == []


def test_a_block_split_is_clean_too(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook:\n    1.1.0: 75\n    2.0.0: 25\n")
    assert findings(history) == []


def test_weights_not_summing_to_100_are_pg507(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook: {1.1.0: 90, 2.0.0: 20}\n")
    assert findings(history) == [
        "prompts/labels.yaml:2:17: PG508 label production splits content/hook with weights that sum "
        "to 110, not 100"
    ]


def test_an_unreleased_version_in_a_split_is_pg504(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook: {1.1.0: 90, 2.1.0: 10}\n")
    assert findings(history) == [
        "prompts/labels.yaml:2:29: PG504 label production splits content/hook to 2.1.0 (10%), which is not "
        "released (no tag prompts/content/hook/v2.1.0); release it first"
    ]


def test_a_split_of_an_unknown_prompt_is_pg505(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  nope: {1.0.0: 100}\n")
    assert findings(history) == [
        "prompts/labels.yaml:2:9: PG505 label production points at nope, which does not exist"
    ]


def test_versions_requiring_different_inputs_are_pg508(history: Any) -> None:
    history.write_prompt(
        "greeting",
        "0.2.0",
        "Hello {{ topic }} for {{ audience }}\n",
        inputs="{topic: {type: string}, audience: {type: string}}",
        sample="{topic: a, audience: b}",
    )
    history.commit("greeting 0.2.0")
    history.tag_release("greeting", "0.2.0")
    history.write("prompts/labels.yaml", "production:\n  greeting: {0.1.0: 50, 0.2.0: 50}\n")
    assert findings(history) == [
        "prompts/labels.yaml:2:13: PG509 label production splits greeting between versions whose required "
        "inputs differ: 0.2.0 requires audience and 0.1.0 does not (callers pass the same inputs to every "
        "variant)"
    ]


def test_a_new_input_with_a_default_does_not_break_callers(history: Any) -> None:
    history.write_prompt(
        "greeting",
        "0.2.0",
        "Hello {{ topic }} in {{ tone }}\n",
        inputs="{topic: {type: string}, tone: {type: string, default: warm}}",
        sample="{topic: a}",
    )
    history.commit("greeting 0.2.0")
    history.tag_release("greeting", "0.2.0")
    history.write("prompts/labels.yaml", "production:\n  greeting: {0.1.0: 50, 0.2.0: 50}\n")
    assert findings(history) == []


def test_weights_of_the_wrong_shape_are_the_schemas(history: Any) -> None:
    history.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: {1.1.0: ninety, 2.0.0: 10}\nstaging:\n  content/hook: 2.0.0\n",
    )
    assert findings(history) == []
    found = [item.format() for item in validate(Workspace.discover(history.root))]
    assert found == [
        "prompts/labels.yaml:2:18: PG203 production.content/hook.1.1.0: 'ninety' is not of type 'integer'"
    ]
