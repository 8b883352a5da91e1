"""What is deployed, as data: Repository.describe(), labels(), health() and the label gauge, the same from
git and from a bundle of it."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from promptgit.bundles.building import build_bundle
from promptgit.loader import Repository
from tests.conftest import PromptRepo


def test_describe_a_split_label_as_rows_with_weights(example_library: PromptRepo, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_bytes(build_bundle(example_library.root))
    registries = [CollectorRegistry(), CollectorRegistry()]
    from_git = Repository(example_library.root, registry=registries[0])
    from_bundle = Repository.from_bundle(bundle, registry=registries[1])
    try:
        staging = from_git.describe("staging")
        assert [row["weight"] for row in staging] == [50, 50]
        assert {row["prompt"] for row in staging} == {"content/hook"}
        assert from_bundle.describe() == from_git.describe()
        assert from_bundle.labels() == from_git.labels()
        assert from_bundle.names() == from_git.names()
        assert from_bundle.versions("content/hook") == from_git.versions("content/hook")
        for registry in registries:
            version = staging[0]["version"]
            labels = {"label": "staging", "prompt": "content/hook", "version": version, "weight": "50"}
            assert registry.get_sample_value("promptgit_loader_label_info", labels) == 1.0
        health = from_bundle.health()
        assert health["readable"] and health["commit"] == from_git.served_commit()
        assert health["error"] is None and health["fallbacks"] == 0
    finally:
        from_git.close()
        from_bundle.close()


def test_describe_of_an_unknown_label_says_which_exist(example_library: PromptRepo) -> None:
    import pytest

    from promptgit.errors import PromptNotFoundError

    repo = Repository(example_library.root, registry=CollectorRegistry())
    with repo, pytest.raises(PromptNotFoundError, match="no label 'canary' in the labels file at HEAD"):
        repo.describe("canary")
