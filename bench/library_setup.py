"""A prompt library of any size for bench/scale.py: N prompts x R releases, labelled, built by fast-import.

Prompts are 1-3 KB, a third of them chat prompts whose few-shot examples come from a loop, in folders of
100 (or all in one flat folder). Release r is one commit that bumps every prompt to `1.r.0` and an annotated
tag per prompt on it (so 1,000 x 100 is 100,000 tags in 100 commits); then one commit adds a labels file
(production and staging for every prompt, in the layout `promptgit label` writes), and the refs are packed
as after a clone or `git gc`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

STAMP = "1700000000 +0000"
PER_FOLDER = 100

FRONT = """\
---
version: {version}
kind: {kind}
description: Benchmark prompt {name}, a stand-in for a real team's prompt of one to three kilobytes
model: gpt-4o-mini
token_budget: 4000
inputs:
  topic: {{type: string, description: What the answer is about}}
  tone: {{type: string, enum: [playful, serious, neutral], default: neutral}}
  audience: {{type: string, default: everyone}}
  examples: {{type: array, items: {{type: string}}, required: false}}
  max_words: {{type: integer, minimum: 5, default: 40}}
sample: {{topic: sourdough starters, examples: [Your starter is alive., Flour, water, patience.]}}
params: {{temperature: 0.7}}
cache: {{ttl: 6h}}
---
"""
GUIDANCE = (
    "Keep the answer concrete: name one thing the reader can do today, one thing to avoid, and one sign "
    "that it worked. Prefer short sentences and common words; no lists unless asked; never invent "
    "figures, quotes or sources. If the topic is unclear, answer the most likely reading and say so.\n"
)
TEXT_BODY = (
    "You write for {{{{ audience }}}} about {{{{ topic }}}}, in a {{{{ tone }}}} tone ({name}, {version}).\n"
    "{guidance}"
    "{{% for example in examples or [] %}}Example {{{{ loop.index }}}}: {{{{ example }}}}\n{{% endfor %}}"
    "Answer in at most {{{{ max_words }}}} words.\n"
)
CHAT_BODY = (
    '{{% message "system" %}}You write for {{{{ audience }}}} in a {{{{ tone }}}} tone ({name}, {version}).\n'
    "{guidance}"
    "{{% endmessage %}}\n"
    "{{% for example in examples or [] %}}"
    '{{% message "user" %}}Example {{{{ loop.index }}}}{{% endmessage %}}'
    '{{% message "assistant" %}}{{{{ example }}}}{{% endmessage %}}\n'
    "{{% endfor %}}"
    '{{% message "user" %}}Topic: {{{{ topic }}}}; at most {{{{ max_words }}}} words.{{% endmessage %}}\n'
)
KINDS = ("hook", "script", "critic", "title")


def prompt_name(index: int, flat: bool = False) -> str:
    return f"p{index:05d}" if flat else f"team{index // PER_FOLDER:03d}/p{index:05d}"


def prompt_text(name: str, index: int, version: str) -> str:
    body = CHAT_BODY if index % 3 == 1 else TEXT_BODY
    front = FRONT.format(version=version, kind=KINDS[index % len(KINDS)], name=name)
    return front + body.format(name=name, version=version, guidance=GUIDANCE * (1 + index % 5))


def labels_text(names: list[str], version: str, labels: tuple[str, ...] = ("production", "staging")) -> str:
    """Each label for every prompt, as `promptgit label` writes them."""
    lines = []
    for label in labels:
        lines.append(f"{label}:")
        lines.extend(f"  {name}: {version}" for name in names)
    return "\n".join(lines) + "\n"


def build_library(
    root: Path, prompts: int, releases: int, *, flat: bool = False, labels: bool = True
) -> None:
    """A repository at `root` with `prompts` prompts of `releases` releases each (see the module)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "bench"), ("user.email", "bench@example.com"), ("gc.auto", "0")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    names = [prompt_name(index, flat) for index in range(prompts)]
    stream: list[bytes] = []

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(message: str, files: list[tuple[str, str]]) -> None:
        # no `from`: a commit continues the branch fast-import has made so far
        stream.append(
            f"commit refs/heads/main\ncommitter Bench <bench@example.com> {STAMP}\n".encode()
            + data(message)
            + b"".join(f"M 100644 inline {path}\n".encode() + data(text) for path, text in files)
        )

    for release in range(releases):
        version = f"1.{release}.0"
        files = [
            (f"prompts/{name}.j2", prompt_text(name, index, version)) for index, name in enumerate(names)
        ]
        commit(f"release {version}", files)
        for name in names:
            stream.append(
                f"tag prompts/{name}/v{version}\nfrom refs/heads/main\n".encode()
                + f"tagger Bench <bench@example.com> {STAMP}\n".encode()
                + data(f"{name} {version}")
            )
    if labels and releases:
        commit("labels", [("prompts/labels.yaml", labels_text(names, f"1.{releases - 1}.0", labels))])
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "pack-refs", "--all"], cwd=root, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)


def stage_one_change(root: Path, index: int, releases: int, flat: bool = False) -> Path:
    """Bump prompt `index` to the next minor with a changed body and stage it: a one-prompt commit."""
    name = prompt_name(index, flat)
    path = root / "prompts" / f"{name}.j2"
    path.write_text(prompt_text(name, index, f"1.{releases}.0") + "One more line.\n", "utf-8")
    subprocess.run(["git", "-C", str(root), "add", str(path)], check=True)
    return path
