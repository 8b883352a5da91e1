"""Bad input of every kind: a finding with file and line, exit 1, never a traceback (exit 3 is a bug)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAD = "---\nversion: 1.0.0\nkind: hook\n---\n"


def _alias_bomb() -> str:
    lines = ["  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    return "---\nversion: 1.0.0\nkind: hook\nparams:\n" + "\n".join(lines) + "\n---\nhi\n"


def _write_bad_library(root: Path) -> None:
    prompts = root / "prompts"
    (prompts / "partials").mkdir(parents=True)
    files: dict[str, str | bytes] = {
        "yaml.j2": "---\nversion: 1.0.0\nkind: [hook\n---\nhi\n",
        "unclosed.j2": "---\nversion: 1.0.0\n",
        "empty.j2": "",
        "list.j2": "---\n- a\n- b\n---\nhi\n",
        "jinja.j2": HEAD + "ok\n{% for x in %}\n",
        "binary.j2": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "latin1.j2": (HEAD + "caf\xe9\n").encode("latin-1"),
        "huge.j2": HEAD + "x" * 300_000 + "\n",
        "deep_yaml.j2": "---\nversion: 1.0.0\nkind: hook\nparams: {x: "
        + "[" * 3000
        + "]" * 3000
        + "}\n---\nhi\n",
        "deep_jinja.j2": HEAD + "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}\n",
        "alias_bomb.j2": _alias_bomb(),
        "recursion.j2": HEAD + "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n",
        "zero.j2": HEAD + "line\n{{ 1 / 0 }}\n",
        # a few characters that would allocate gigabytes: refused by the sandbox, or by the memory cap
        "padding.j2": HEAD + '{{ "x"|center(2000000000) }}\n',
        "doubling.j2": HEAD
        + '{% set ns = namespace(text="x") %}\n'
        + "{% for i in range(64) %}{% set ns.text = ns.text ~ ns.text %}{% endfor %}{{ ns.text|length }}\n",
        "escape.j2": HEAD + '{% include "../../etc/passwd" %}\n',
        "unsafe.j2": HEAD + "{{ cycler.__init__.__globals__ }}\n",
        "partials/broken.j2": "{% endif %}\n",
        "labels.yaml": "production: {a: [\n",
    }
    for relative, content in files.items():
        path = prompts / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    (prompts / "folder.j2").mkdir()  # a directory with a prompt's name is not a prompt
    (prompts / "dangling.j2").symlink_to(root / "missing.j2")


EXPECTED = """\
prompts/alias_bomb.j2:2:1: PG101 front matter expands to over 100000 YAML nodes (nested aliases)
prompts/binary.j2:1:1: PG103 binary file (NUL byte); a prompt must be UTF-8 text
prompts/dangling.j2:1:1: PG106 cannot read file: No such file or directory
prompts/deep_jinja.j2:5:1: PG102 template is nested too deeply
prompts/deep_yaml.j2:2:1: PG101 front matter is nested too deeply
prompts/doubling.j2:6:1: PG306 sample render needed more than 1 GiB of memory (a string grown in a loop?)
prompts/empty.j2:1:1: PG101 missing front matter: the file must start with '---'
prompts/escape.j2:5:13: PG105 included template '../../etc/passwd' does not exist under prompts/ \
(files in partials/: broken.j2)
prompts/huge.j2:1:1: PG104 file is 300035 bytes, over max_file_bytes (262144)
prompts/jinja.j2:6:1: PG102 Jinja syntax: Expected an expression, got 'end of statement block'
prompts/labels.yaml:2:1: PG203 labels file is not valid YAML: did not find expected node content
prompts/latin1.j2:5:4: PG103 invalid UTF-8 (invalid continuation byte)
prompts/list.j2:2:1: PG101 front matter must be a YAML mapping
prompts/padding.j2:5:1: PG306 sample render failed: unsafe template operation: \
center width 2000000000 is over the sandbox limit of 1000000
prompts/partials/broken.j2:1:1: PG102 Jinja syntax: Encountered unknown tag 'endif'.
prompts/recursion.j2:5:1: PG306 sample render: recursion too deep
prompts/unclosed.j2:1:1: PG101 front matter is not closed by a '---' line
prompts/unsafe.j2:5:11: PG602 access to '__init__': templates must not reach Python internals
prompts/unsafe.j2:5:20: PG602 access to '__globals__': templates must not reach Python internals
prompts/yaml.j2:4:1: PG101 YAML front matter: did not find expected ',' or ']'
prompts/zero.j2:6:1: PG306 sample render failed: ZeroDivisionError: division by zero
20 files checked: 21 errors in 20 files
"""


def test_every_kind_of_bad_input_is_a_finding_never_a_crash(tmp_path: Path) -> None:
    _write_bad_library(tmp_path)

    done = subprocess.run(
        [sys.executable, "-m", "promptgit", "validate", "--select", "parse,schema,variables,security"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.stderr == ""
    assert done.stdout == EXPECTED
    assert done.returncode == 1
