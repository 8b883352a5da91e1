"""Benchmark: resolving `name@^1` and `name@production` with 10, 1,000 and 10,000 release tags.

Run by hand:  python bench/resolve.py [--repeat 15] [--keep DIR]
Prints one row per (tags, selector): cold (a new GitStore: no caches, no cat-file process yet), warm
(the same store again), and `git show <tag>:<path>` as a subprocess on the same repository, with ratios.
Targets (issue 3): cold under 100 ms at 10,000 tags, and at most 2x `git show`.

Repositories are built with `git fast-import` (100 versions per prompt, 0.x/1.x/2.x, annotated tags,
refs packed as after a clone or gc); `p000` is the prompt resolved.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import parse_selector

VERSIONS_PER_PROMPT = 100
STAMP = "1700000000 +0000"


def versions(count: int) -> list[str]:
    return [f"{index * 3 // count}.{index}.0" for index in range(count)]  # a third each of 0.x, 1.x, 2.x


def build(root: Path, tags: int, pack: bool = True) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    prompts = max(1, tags // VERSIONS_PER_PROMPT)
    per_prompt = min(tags, VERSIONS_PER_PROMPT)
    stream: list[bytes] = []
    mark = 0
    previous = None

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    for version_index, version in enumerate(versions(per_prompt)):
        for prompt in range(prompts):
            name = f"p{prompt:03d}"
            body = f"---\nversion: {version}\nkind: hook\n---\nHello from {name} {version}\n"
            files = [(f"prompts/{name}.j2", body)]
            if version_index == per_prompt - 1 and prompt == prompts - 1:
                stable = [v for v in versions(per_prompt) if v.startswith("1.")] or versions(per_prompt)
                files.append(("prompts/labels.yaml", f"production:\n  p000: {stable[len(stable) // 2]}\n"))
            blob_marks = []
            for path, text in files:
                mark += 1
                stream.append(b"blob\nmark :%d\n" % mark + data(text))
                blob_marks.append((mark, path))
            mark += 1
            commit = mark
            stream.append(
                b"commit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.com> %s\n"
                % (commit, STAMP.encode())
                + data(f"{name} {version}")
                + (b"from :%d\n" % previous if previous else b"")
                + b"".join(b"M 100644 :%d %s\n" % (blob, path.encode()) for blob, path in blob_marks)
            )
            stream.append(
                f"tag prompts/{name}/v{version}\nfrom :{commit}\n".encode()
                + f"tagger Bench <bench@example.com> {STAMP}\n".encode()
                + data(f"{name} {version}")
            )
            previous = commit
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    if pack:
        subprocess.run(["git", "pack-refs", "--all"], cwd=root, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def resolve(store: GitStore, text: str) -> bytes:
    selector = parse_selector(text)
    version = store.resolve_version(selector, store.at(store.resolve_commit("HEAD"), "prompts"))
    commit = store.release_commit(selector.name, version)
    found = store.at(commit, "prompts").read_prompt(selector.name)
    assert found is not None
    return found.data


def cold(root: Path, text: str) -> None:
    store = GitStore(root)
    try:
        resolve(store, text)
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--loose", action="store_true", help="leave the tags as loose refs (no pack-refs)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for tags in (int(size) for size in args.sizes.split(",")):
            root = Path(work) / f"tags-{tags}"
            built = time.perf_counter()
            build(root, tags, pack=not args.loose)
            count = len(
                subprocess.run(["git", "tag"], cwd=root, capture_output=True, text=True).stdout.split()
            )
            print(f"built {count} tags in {time.perf_counter() - built:.1f}s", file=sys.stderr)
            for text in ("p000@^1", "p000@production"):
                warm_store = GitStore(root)
                resolve(warm_store, text)
                head = warm_store.at(warm_store.resolve_commit("HEAD"), "prompts")
                store_version = warm_store.resolve_version(parse_selector(text), head)
                tag = f"prompts/p000/v{store_version}"
                git_show = ["git", "show", f"{tag}:prompts/p000.j2"]
                cold_ms = median_ms(partial(cold, root, text), args.repeat)
                warm_ms = median_ms(partial(resolve, warm_store, text), args.repeat)
                show = partial(subprocess.run, git_show, cwd=root, capture_output=True)
                show_ms = median_ms(show, args.repeat)
                warm_store.close()
                rows.append((count, text, store_version, cold_ms, warm_ms, show_ms))
    print(
        f"{'tags':>6}  {'selector':<16} {'version':<8} {'cold ms':>8} {'warm ms':>8} {'git show ms':>11}"
        f" {'cold/show':>9} {'warm/show':>9}"
    )
    for count, text, version, cold_ms, warm_ms, show_ms in rows:
        print(
            f"{count:>6}  {text:<16} {version:<8} {cold_ms:>8.2f} {warm_ms:>8.3f} {show_ms:>11.2f}"
            f" {cold_ms / show_ms:>9.2f} {warm_ms / show_ms:>9.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
