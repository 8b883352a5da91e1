"""Building a bundle from a git repository: releases, their partials and the labels file of one commit.

What goes in: every release (`all_releases`, the default) or the versions the given labels name (a split's
every version), each as the prompt file at its tagged commit plus the partials it includes (found by
parsing its includes, recursively; a prompt with an include whose name is computed takes every file of
its commit's partials/ folder, so nothing it could include is missing). The labels file and promptgit.yaml
come from the built commit. Read through git objects, never a checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from promptgit.bundles.bundle_file import FORMAT, canonical, encode_bundle, sha256
from promptgit.config import CONFIG_FILE, Config, parse_config
from promptgit.errors import BundleError, PromptSyntaxError
from promptgit.sources.commit import CommitSource
from promptgit.sources.source import LABELS_FILE, PARTIALS_DIR, in_prompts_dir
from promptgit.store.gitstore import GitStore
from promptgit.store.releases import TAG_PREFIX
from promptgit.store.selectors import VERSION_PATTERN, version_key
from promptgit.store.traffic_split import Split


def build_bundle(
    path: str | os.PathLike[str],
    ref: str = "HEAD",
    *,
    labels: Sequence[str] | None = None,
    private_key: Any = None,
) -> bytes:
    """The bundle of the repository at `path` as of `ref` (bytes, deterministic); signed with
    `private_key` (signing.load_private_key) when given. `labels`: only the releases those labels name;
    None: every release. BundleError when a label is missing or a release cannot be read."""
    store = GitStore(Path(path))
    try:
        manifest, members = _contents(store, ref, labels)
    finally:
        store.close()
    signature = None
    if private_key is not None:
        from promptgit.bundles.signing import sign_manifest

        signature = sign_manifest(private_key, canonical(manifest))
    return encode_bundle(manifest, dict(sorted(members.items())), signature)


def _contents(
    store: GitStore, ref: str, labels: Sequence[str] | None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the members (blob sha -> bytes) of the bundle of `ref`."""
    commit = store.resolve_commit(ref)
    config_file = store.read_file(commit, CONFIG_FILE)
    config = parse_config(config_file[0].decode("utf-8", "replace")) if config_file else Config()
    prompts_dir = config.prompts_dir.strip("/") or "."
    head = store.at(commit, prompts_dir, max_file_bytes=config.max_file_bytes, label=ref)
    members: dict[str, bytes] = {}
    labels_file = head.read_labels()
    if labels_file is not None:
        members[labels_file.blob_sha] = labels_file.data
    if config_file is not None:
        members[config_file[1]] = config_file[0]
    wanted = _released(store) if labels is None else _labelled(store, head, labels)
    releases = []
    for name, version in sorted(wanted, key=lambda item: (item[0], version_key(item[1]))):
        release_commit = store.release_commit(name, version)
        source = store.at(release_commit, prompts_dir, max_file_bytes=config.max_file_bytes)
        found = source.read_prompt(name)
        if found is None:
            raise BundleError(
                f"{name}@{version}: {source.prompt_path(name)} is missing in tagged commit "
                f"{release_commit[:12]}"
            )
        members[found.blob_sha] = found.data
        partials: dict[str, str] = {}
        for relative in _includes(source, name, found.data):
            read = store.read_file(release_commit, in_prompts_dir(prompts_dir, relative))
            if read is not None:
                members[read[1]] = read[0]
                partials[relative] = read[1]
        releases.append(
            {
                "name": name,
                "version": version,
                "commit": release_commit,
                "blob_sha": found.blob_sha,
                "partials": partials,
            }
        )
    manifest = {
        "format": FORMAT,
        "commit": commit,
        "ref": ref,
        "prompts_dir": prompts_dir,
        "max_file_bytes": config.max_file_bytes,
        "names": head.names(),
        "labels": None if labels_file is None else labels_file.blob_sha,
        "config": None if config_file is None else config_file[1],
        "releases": releases,
        "members": {sha: {"sha256": sha256(data), "size": len(data)} for sha, data in members.items()},
    }
    return manifest, members


def _released(store: GitStore) -> set[tuple[str, str]]:
    """(name, version) of every release tag `prompts/<name>/v<version>`."""
    found = set()
    for refname in store.run_git("for-each-ref", "--format=%(refname)", f"refs/tags/{TAG_PREFIX}").split():
        name, _, version = refname.removeprefix(f"refs/tags/{TAG_PREFIX}").rpartition("/v")
        if name and VERSION_PATTERN.match(version):
            found.add((name, version))
    return found


def _labelled(store: GitStore, head: CommitSource, labels: Iterable[str]) -> set[tuple[str, str]]:
    """(name, version) of every version the given labels name (each version of a split)."""
    every = store.labels(head)
    found: set[tuple[str, str]] = set()
    for label in labels:
        if label not in every:
            raise BundleError(f"no label {label!r} in {head.labels_path} at {head.describe()}")
        for name, entry in every[label].items():
            versions = entry.versions if isinstance(entry, Split) else (entry,)
            found.update((name, version) for version in versions)
    return found


def _includes(source: CommitSource, name: str, data: bytes) -> list[str]:
    """The files (relative to the prompts directory) prompt `name` includes or imports, recursively;
    every file of partials/ when one of them names its include by an expression."""
    from jinja2 import TemplateSyntaxError, meta

    from promptgit.format.prompt import parse_document
    from promptgit.format.templating import make_environment

    environment = make_environment(lambda relative: None)
    try:
        pending = [parse_document(name, source.prompt_path(name), data).template_source]
    except PromptSyntaxError:
        return _every_partial(source)
    seen: set[str] = set()
    while pending:
        try:
            referenced = list(meta.find_referenced_templates(environment.parse(pending.pop())))
        except TemplateSyntaxError:
            continue  # the render fails with the prompt's own message, as it does from git
        for relative in referenced:
            if relative is None:
                return _every_partial(source)
            if relative in seen:
                continue
            seen.add(relative)
            text = source.read_partial(relative)
            if text is not None:
                pending.append(text)
    return sorted(seen)


def _every_partial(source: CommitSource) -> list[str]:
    folder = source.path_of(PARTIALS_DIR)
    prefix = "" if source.prompts_dir == "." else f"{source.prompts_dir}/"
    return sorted(
        path.removeprefix(prefix)
        for path in source.objects.tree_paths(source.commit, folder)
        if path.removeprefix(prefix) != LABELS_FILE
    )
