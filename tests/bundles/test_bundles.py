"""Bundles: deterministic builds, equivalence with git over the whole example library (no git on PATH,
no GitPython imported), tampering and stripped signatures refused, reloads and the last good bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from promptgit.bundles.building import build_bundle
from promptgit.bundles.bundle_file import parse_bundle
from promptgit.errors import BundleError, PromptgitError
from promptgit.loader import Repository
from tests.bundles.conftest import git_free_path
from tests.conftest import REPO_ROOT, PromptRepo

# every selector of the library, read and rendered (sample inputs, a fixed key): what a caller sees
SERVE_ALL = r"""
import json, sys
from prometheus_client import CollectorRegistry
from promptgit.loader import Repository

def answers(repo, selectors):
    out = {}
    for selector in selectors:
        try:
            prompt = repo.get(selector, key="user-1")
        except Exception as exc:
            out[selector] = {"error": type(exc).__name__, "message": str(exc)}
            continue
        sample = dict(prompt.metadata.get("sample") or {})
        try:
            rendered = prompt.render(**sample)
        except Exception as exc:
            rendered = {"error": type(exc).__name__, "message": str(exc)}
        out[selector] = {
            "name": prompt.name, "version": prompt.version, "commit": prompt.commit,
            "blob_sha": prompt.blob_sha, "metadata": prompt.metadata, "rendered": rendered,
        }
    return out
"""


def selectors_of(library: Path) -> list[str]:
    repo = Repository(library, registry=CollectorRegistry())
    try:
        names = repo._head().names()
    finally:
        repo.close()
    tags = subprocess.run(
        ["git", "tag", "--list", "prompts/*"], cwd=library, capture_output=True, text=True, check=True
    ).stdout.split()
    selectors = [tag.removeprefix("prompts/").replace("/v", "@", 1) for tag in tags]
    selectors += [f"{name}@{label}" for name in names for label in ("production", "staging", "nope")]
    selectors += [name for name in names] + [f"{name}@^1" for name in names] + ["missing/prompt@1.0.0"]
    return sorted(set(selectors))


def test_two_builds_of_one_commit_are_byte_identical(example_library: PromptRepo) -> None:
    first = build_bundle(example_library.root)
    assert build_bundle(example_library.root) == first
    manifest = json.loads(first)["manifest"]
    hook = next(item for item in manifest["releases"] if item["name"] == "content/hook")
    assert set(hook) == {"name", "version", "commit", "blob_sha", "partials"}
    assert hook["partials"], "the hook includes partials: their blob shas are in the manifest"
    assert all(set(member) == {"sha256", "size"} for member in manifest["members"].values())


def test_a_bundle_serves_exactly_what_git_serves_with_no_git(
    example_library: PromptRepo, tmp_path: Path
) -> None:
    bundle = tmp_path / "prompts.bundle.json"
    bundle.write_bytes(build_bundle(example_library.root))
    selectors = selectors_of(example_library.root)
    namespace: dict[str, Any] = {}
    exec(SERVE_ALL, namespace)
    with Repository(example_library.root, registry=CollectorRegistry()) as from_git:
        expected = namespace["answers"](from_git, selectors)
    script = SERVE_ALL + (
        "repo = Repository.from_bundle(sys.argv[1], registry=CollectorRegistry())\n"
        "result = answers(repo, json.loads(sys.argv[2]))\n"
        "print(json.dumps({'answers': result, 'git_imported': 'git' in sys.modules}))\n"
    )
    environment = {**os.environ, "PATH": git_free_path(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(bundle), json.dumps(selectors)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout)
    assert served["git_imported"] is False
    assert served["answers"] == json.loads(json.dumps(expected))
    found = [selector for selector, answer in expected.items() if "error" not in answer]
    assert len(found) > 30  # every release, label and range of the library, not a handful


@pytest.fixture
def signing_key(tmp_path: Path) -> tuple[Ed25519PrivateKey, Path]:
    from promptgit.bundles.signing import generate_key_pair, load_private_key

    private_pem, public_pem = generate_key_pair()
    (tmp_path / "bundle.key").write_bytes(private_pem)
    (tmp_path / "bundle.pub").write_bytes(public_pem)
    return load_private_key(tmp_path / "bundle.key"), tmp_path / "bundle.pub"


def test_a_signed_bundle_refuses_any_flipped_byte(
    history: PromptRepo, signing_key: tuple[Ed25519PrivateKey, Path]
) -> None:
    from promptgit.bundles.signing import load_public_key

    private, public_path = signing_key
    data = build_bundle(history.root, private_key=private)
    public = load_public_key(public_path)
    assert parse_bundle(data, "good", public).signed
    step = max(1, len(data) // 400)
    for index in range(0, len(data), step):
        flipped = bytearray(data)
        flipped[index] ^= 0x01
        with pytest.raises(BundleError):
            parse_bundle(bytes(flipped), f"byte {index}", public)


def test_unsigned_bundles_still_refuse_a_changed_member(history: PromptRepo) -> None:
    data = build_bundle(history.root)
    document = json.loads(data)
    sha, member = next((sha, m) for sha, m in document["members"].items() if "Style" in m["text"])
    member["text"] = member["text"].replace("Style", "Stile")
    changed = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    with pytest.raises(BundleError, match=f"member {sha}: content does not match"):
        parse_bundle(changed, "changed", None)


def test_a_stripped_signature_is_refused_when_a_key_is_configured(
    history: PromptRepo, signing_key: tuple[Ed25519PrivateKey, Path], tmp_path: Path
) -> None:
    private, public_path = signing_key
    document = json.loads(build_bundle(history.root, private_key=private))
    del document["signature"]
    stripped = tmp_path / "stripped.json"
    stripped.write_bytes(
        json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    )
    with pytest.raises(BundleError, match="unsigned bundle refused"):
        Repository.from_bundle(stripped, public_key=public_path, registry=CollectorRegistry())
    other = Ed25519PrivateKey.generate()
    resigned = tmp_path / "other-key.json"
    resigned.write_bytes(build_bundle(history.root, private_key=other))
    with pytest.raises(BundleError, match="signature is not by key"):
        Repository.from_bundle(resigned, public_key=public_path, registry=CollectorRegistry())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_changed_bundle_is_served_after_the_ttl_and_a_bad_one_is_not(
    history: PromptRepo, tmp_path: Path, signing_key: tuple[Ed25519PrivateKey, Path]
) -> None:
    private, public_path = signing_key
    path = tmp_path / "live.json"
    path.write_bytes(build_bundle(history.root, private_key=private))
    clock = Clock()
    repo = Repository.from_bundle(
        path, public_key=public_path, cache_ttl=10, clock=clock, registry=CollectorRegistry()
    )
    assert repo.get("content/hook@production").version == "1.1.0"
    labels = history.root / "prompts/labels.yaml"
    labels.write_text(labels.read_text().replace("content/hook: 1.1.0", "content/hook: 2.0.0"))
    history.commit("promote 2.0.0")
    replacement = tmp_path / "live.json.new"
    replacement.write_bytes(build_bundle(history.root, private_key=private))
    os.replace(replacement, path)
    assert repo.get("content/hook@production").version == "1.1.0"  # inside the TTL: as it was
    clock.now += 11
    repo.get("content/hook@production")  # stale: served while the refresh runs
    repo.wait_for_refreshes(5)
    assert repo.get("content/hook@production").version == "2.0.0"
    served = repo.served_commit()

    labels.write_text(labels.read_text().replace("content/hook: 2.0.0", "content/hook: 1.0.0"))
    history.commit("roll back")
    unsigned = build_bundle(history.root)  # not signed: refused
    path.write_bytes(unsigned)
    clock.now += 11
    repo.get("content/hook@production")
    repo.wait_for_refreshes(5)
    assert repo.get("content/hook@production").version == "2.0.0"
    assert repo.served_commit() == served
    assert "unsigned bundle refused" in (repo._store.last_error or "")
    path.write_bytes(b"{torn")
    clock.now += 11
    repo.get("content/hook@production")
    repo.wait_for_refreshes(5)
    assert repo.get("content/hook@production").version == "2.0.0"
    repo.close()


def test_an_unreadable_bundle_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptgitError, match="cannot read bundle"):
        Repository.from_bundle(tmp_path / "missing.json", registry=CollectorRegistry())
    (tmp_path / "junk.json").write_text("[]")
    with pytest.raises(BundleError, match="not a promptgit bundle"):
        Repository.from_bundle(tmp_path / "junk.json", registry=CollectorRegistry())
