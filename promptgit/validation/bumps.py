"""PG501-PG503: a prompt's working copy judged against its releases, not against a commit.

The release (tag) is the immutable point: a prompt that differs from its last release must carry a version
that covers the change (by its interface: breaking needs major, additive minor, anything else patch; see
promptgit.format.interface), a released version's content never changes, and versions never go down below
the last release. Commits between releases are work in progress: an unreleased version may change freely
across commits, amends and rebases.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptgit.findings import Finding
from promptgit.format.prompt import PromptDocument
from promptgit.store.lineage import ReleaseLines, normalized
from promptgit.store.releases import release_tag
from promptgit.store.selectors import compare_versions


def release_findings(
    lines: ReleaseLines,
    document: PromptDocument,
    data: bytes,
    position: tuple[int, int],
) -> Iterator[Finding]:
    """Findings of one prompt (version already known to be semver) against its releases."""
    name, shown, version = document.name, document.path, document.version
    store = lines.store
    last = lines.last_release(name)
    if last is None:
        return  # never released: the version is free to change
    if version in store.release_versions(name):
        found = lines.release_file(name, version)
        if found is not None and normalized(found.data) == normalized(data):
            if compare_versions(version, last) < 0:  # back to an older release is still going down
                yield _went_down(shown, position, version, last, name)
            return
        if version != last:
            yield Finding(
                shown,
                *position,
                "PG503",
                f"{name} {version} is already released (tag {release_tag(name, version)}) "
                "with other content; bump the version",
            )
            return
    if compare_versions(version, last) < 0:
        yield _went_down(shown, position, version, last, name)
        return
    judgement = lines.judge(name, document, data)
    if judgement is not None and not judgement.covered_by(version):
        if version == last:
            tag = release_tag(name, last)
            what = f"{name} changed since its release {last} (tag {tag}) but keeps its version"
        else:
            what = f"{name} {version} is too small a bump for the change since its release {last}"
        yield Finding(shown, *position, "PG501", f"{what}: {judgement.summary}, needs {judgement.needed}")


def _went_down(shown: str, position: tuple[int, int], version: str, last: str, name: str) -> Finding:
    return Finding(
        shown,
        position[0],
        position[1],
        "PG502",
        f"version {version} is lower than {last}, the last release of {name} "
        f"(tag {release_tag(name, last)}); versions never go down",
    )
