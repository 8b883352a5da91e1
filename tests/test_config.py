from __future__ import annotations

from pathlib import Path

import pytest

from promptgit.config import Config, load_config, parse_config
from promptgit.errors import ConfigError
from promptgit.findings import Severity


def test_defaults_when_there_is_no_config_file(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_config_values_are_read_and_typed() -> None:
    config = parse_config(
        "prompts_dir: library/\nkinds: [hook, script]\nrules: {PG302: off, PG301: warning}\n"
        "models:\n  house-model: {context_window: 8000}\n"
    )
    assert config.prompts_dir == "library"
    assert config.kinds == ("hook", "script")
    assert config.severity("PG302", Severity.WARNING) is Severity.OFF
    assert config.severity("PG999", Severity.ERROR) is Severity.ERROR
    assert config.models == {"house-model": {"context_window": 8000}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kinds: [Hook]\n", "promptgit.yaml: kinds/0: 'Hook' does not match"),
        ("rules: {PG101: loud}\n", "promptgit.yaml: rules/PG101: 'loud' is not one of"),
        ("unknown: 1\n", "Additional properties are not allowed ('unknown' was unexpected)"),
        ("kinds: [a\n", "promptgit.yaml:2: invalid YAML"),
    ],
)
def test_invalid_config_is_a_config_error_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as raised:
        parse_config(text)
    assert message in str(raised.value)
