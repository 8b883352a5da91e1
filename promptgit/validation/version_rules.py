"""The version rules' table (PG5xx): names, default severities and help, kept with the checks that use them.

The checks: versions.py (bumps, releases, labels), bumps.py (the interface) and splits.py (traffic splits);
rules.py joins this table with the others.
"""

from __future__ import annotations

from promptgit.findings import Severity

_E, _W = Severity.ERROR, Severity.WARNING

# code -> (name, severity, summary, help)
VERSION_RULES: dict[str, tuple[str, Severity, str, str]] = {
    "PG501": (
        "version-not-bumped",
        _E,
        "The prompt differs from its last release and its version does not cover the change.",
        "Bump `version:` as the change needs (`promptgit bump NAME` picks it); see docs/versions.md.",
    ),
    "PG502": (
        "version-went-down",
        _E,
        "The version is lower than the prompt's last release.",
        "Versions never go down: use a version above the last release; see docs/versions.md.",
    ),
    "PG503": (
        "released-content-changed",
        _E,
        "The version is released and the file differs from it.",
        "A released version is immutable: bump the version; see docs/versions.md.",
    ),
    "PG504": (
        "label-unreleased",
        _E,
        "A label points at a version that has no release tag.",
        "Release the version first (`promptgit release`), or point the label at a release.",
    ),
    "PG505": (
        "label-unknown-prompt",
        _E,
        "A label points at a prompt that does not exist.",
        "Remove the entry from labels.yaml, or restore the prompt.",
    ),
    "PG506": (
        "partial-changed-unbumped",
        _W,
        "A partial the prompt includes changed since the base; the prompt stays at a released version.",
        "Bump the prompt's version so a release carries the partial's change; see docs/versions.md.",
    ),
    "PG507": (
        "release-tags-missing",
        _E,
        "No release tags in a clone that should have them (shallow, --no-tags, labels naming versions).",
        "`git fetch --tags` (actions/checkout: `fetch-depth: 0`); see docs/versions.md.",
    ),
    "PG508": (
        "split-weights-sum",
        _E,
        "The weights of a traffic split do not sum to 100.",
        "Give the versions whole-number weights that sum to 100, e.g. {1.2.0: 90, 1.3.0: 10}.",
    ),
    "PG509": (
        "split-inputs-differ",
        _E,
        "The versions of a traffic split require different inputs, so callers of one break on the other.",
        "Split only between versions with the same required inputs (give a new input a default).",
    ),
    "PG511": (
        "label-on-renamed-prompt",
        _W,
        "A label names a prompt that was renamed: it keeps serving the old name's releases.",
        "Release the prompt under its new name, then point labels and callers at it (docs/versions.md).",
    ),
    "PG510": (
        "label-entry-removed",
        _W,
        "A label entry of a prompt that still exists was removed: `name@label` stops resolving everywhere.",
        "Keep the entry until no caller uses the label, or point it at another release (docs/versions.md).",
    ),
}
