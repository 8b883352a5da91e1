"""Version rules against a base ref (placeholder: yields nothing until the git issue builds it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from promptgit.findings import Finding
from promptgit.workspace import Workspace


def check_versions(workspace: Workspace, base_ref: str | None, paths: Sequence[Path] | None = None) -> Iterator[Finding]:
    """Findings PG5xx: bumps, monotonic versions, immutable releases, labels pointing at real releases."""
    return iter(())
