"""The hostile corpus of issue 11, generated (nothing binary is committed): one repository holding every
hostile file at once, and the hostile names, selectors and URLs callers may pass.

Each entry says which item of the issue it covers, so a failure names the trust boundary that broke.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import PromptRepo

HUGE = "9" * 5000  # past Python's 4300-digit int-conversion limit
FRONT = "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: bread}\n---\n"

# file -> item of the issue; every one must be named by a finding of `validate`
FILES: dict[str, str] = {
    "prompts/fifo.j2": "2: a FIFO (never opened for a blocking read)",
    "prompts/zero.j2": "2: a symlink to /dev/zero",
    "prompts/urandom.j2": "2: a symlink to /dev/urandom",
    "prompts/big.j2": "4: 50 MB, over max_file_bytes",
    "prompts/escape.j2": "4: a symlink to a file outside the repository",
    "prompts/bigint.j2": "9: a 5000-digit integer in front matter",
    "prompts/ref.j2": "9: $ref in inputs",
    "prompts/loop.j2": "9: a symlink loop",
    "prompts/upper.j2": "9: 10,000 chained |upper filters",
    "prompts/huge.j2": "9: committed over the 8 MiB object limit",
    "prompts/new\nline.j2": "9: a file name with a newline",
    "prompts/dup.j2": "9: a duplicate key in front matter",
    "prompts/labels.yaml": "9: a duplicate key and a 5000-digit version in labels.yaml",
}
# prompts that are fine: they must still be checked (and pass) next to the hostile ones
GOOD = ("good", "outside/ok")


def build(repo: PromptRepo, outside: Path) -> PromptRepo:
    """Write the corpus into `repo` (committed where git can hold it) and `outside` (not in the repo)."""
    root = repo.root
    for name in GOOD:
        repo.write(f"prompts/{name}.j2", FRONT + "Hello {{ topic }}\n")
    repo.write("prompts/bigint.j2", FRONT.replace("kind: hook", f"kind: hook\ntoken_budget: {HUGE}") + "Hi\n")
    ref_front = (
        "---\nversion: 1.0.0\nkind: hook\ninputs:\n  x: {$ref: '#/definitions/x'}\nsample: {x: 1}\n---\n"
    )
    repo.write("prompts/ref.j2", ref_front + "Hi {{ x }}\n")
    repo.write("prompts/upper.j2", FRONT + "{{ topic" + "|upper" * 10_000 + " }}\n")
    repo.write("prompts/dup.j2", FRONT.replace("kind: hook", "kind: hook\nversion: 9.9.9") + "Hi\n")
    repo.write("prompts/new\nline.j2", FRONT + "Hi {{ topic }}\n")
    repo.write(
        "prompts/labels.yaml", f"production:\n  good: 1.0.0\n  good: 1.0.1\nstaging:\n  good: {HUGE}.0.0\n"
    )
    (root / "prompts" / "huge.j2").write_bytes(FRONT.encode() + b"x" * (9 * 1024 * 1024))
    os.symlink("loop.j2", root / "prompts" / "loop.j2")
    os.symlink("/dev/zero", root / "prompts" / "zero.j2")
    os.symlink("/dev/urandom", root / "prompts" / "urandom.j2")
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.j2").write_text(FRONT + "outside the repository\n", "utf-8")
    (outside / "x.j2").write_text(FRONT + "outside the repository\n", "utf-8")
    os.symlink(outside / "secret.j2", root / "prompts" / "escape.j2")
    os.symlink(outside, root / "prompts" / "out")  # a symlinked directory out of the repository
    repo.commit("hostile corpus")
    repo.git.git.tag("-a", "-m", "good", "prompts/good/v1.0.0")
    # what git cannot hold, or what must not be committed
    os.mkfifo(root / "prompts" / "fifo.j2")
    with (root / "prompts" / "big.j2").open("wb") as stream:
        stream.write(FRONT.encode())
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB to read, nothing on disk
    commit = repo.git.head.commit.hexsha
    with (root / ".git" / "packed-refs").open("a", encoding="utf-8") as stream:
        stream.write(f"{commit} refs/tags/prompts/good/v{HUGE}.0.0\n")  # 9: a 5000-digit version in a tag
    return repo


# (argv, item) of CLI runs with hostile names and selectors; each must exit 1 or 2 with one line
NAMES = ["../../../tmp/x", "/etc/passwd", "a" * 10_000, "a\nb", "prompts/../../x"]
SELECTORS = [f"good@{HUGE}.0.0", f"good@>={HUGE}", "good@" + "^" * 5000, "good@production"]


def cli_runs() -> list[tuple[list[str], str]]:
    runs: list[tuple[list[str], str]] = [
        (["validate"], "every file at once"),
        (["validate", "--format", "json"], "every file at once, json"),
        (["tokens"], "2, 9: tokens over the corpus"),
        (["list"], "every file at once, list"),
        (["versions", "good"], "9: a 5000-digit version in packed-refs"),
        (["log", "good"], "9: packed-refs"),
    ]
    for name in ("fifo", "zero", "urandom", "big", "escape", "out/x", "bigint", "loop", "upper", "dup"):
        runs.append((["render", f"{name}@worktree", "--sample"], f"render {name}"))
    runs.append((["render", "ref@worktree", "--var", "x=1"], "9: $ref in inputs"))
    runs.append((["render", "good@worktree", "--var", f"topic={HUGE}"], "9: a 5000-digit --var"))
    for name in NAMES:
        for command in (
            ["bump", name, "major"],
            ["versions", name],
            ["log", name],
            ["render", f"{name}@worktree"],
        ):
            runs.append((command, f"4: name {name[:20]!r} to {command[0]}"))
        runs.append((["show", name], f"4: name {name[:20]!r} to show"))
        runs.append((["diff", name], f"4: name {name[:20]!r} to diff"))
        runs.append((["label", "set", "production", f"{name}@1.0.0"], f"4: name {name[:20]!r} to label"))
        runs.append((["release", name, "--dry-run"], f"4: name {name[:20]!r} to release"))
    for selector in SELECTORS:
        runs.append((["show", selector], f"9: selector {selector[:24]!r}"))
    return runs


LOADER_SCRIPT = r"""
import json, resource, sys
from prometheus_client import CollectorRegistry
from promptgit import Repository
from promptgit.errors import PromptgitError
from promptgit.store.selectors import Selector

HUGE = "9" * 5000
results = []

def attempt(label, action):
    try:
        value = action()
        results.append([label, "ok", str(value)[:200]])
    except PromptgitError as exc:
        text = str(exc)
        results.append([label, type(exc).__name__, text[:300], "\n" in text])
    except Exception as exc:  # the failure this corpus exists to find
        results.append([label, "CRASH", f"{type(exc).__name__}: {exc}"[:300]])

repo = Repository(sys.argv[1], registry=CollectorRegistry(), cache_dir=sys.argv[2])
for name in ["fifo", "zero", "urandom", "big", "escape", "out/x", "out/secret", "bigint", "loop", "upper",
             "dup", "ref", "good"]:
    attempt(f"{name}@worktree", lambda: repo.get(f"{name}@worktree").render(topic="x"))
attempt("ref render", lambda: repo.get("ref@worktree").render(x=1))
attempt("Selector ../ worktree", lambda: repo.get(Selector("../../../../tmp/x", "worktree")))
attempt("Selector absolute", lambda: repo.get(Selector("/etc/passwd", "latest")))
for text in ["a" * 10_000, "a\x00b", "a\nb", "../x", f"good@{HUGE}.0.0", "good@>=" + HUGE, "good"]:
    attempt(f"get {text[:24]!r}", lambda: repo.get(text).render(topic="x"))
attempt("labels", lambda: repo.get("good@production"))
for url in ["ext::sh -c touch% /tmp/promptgit-pwned", "fd::3", "https://example.invalid/" + "a" * 5000]:
    attempt(f"clone {url[:24]!r}", lambda: Repository.clone(url, cache_dir=sys.argv[2] + "/mirrors"))
repo.close()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"results": results, "peak_kib": peak_kib}))
"""
