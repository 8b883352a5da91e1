"""Selectors: which version of a prompt a caller wants, shared by the CLI and the runtime loader.

`name` (highest release), `name@1.3.0` (exact), `name@^1.2` / `name@~1.2` / `name@>=1,<2` (semver range,
highest match), `name@production` (label), `name@worktree` (the working tree).

Semver parsing and range matching use node-semver, a port of npm's `semver`: our ranges mirror npm's
grammar (caret, tilde, x-ranges, comparator sets, `||`), so reusing its tested implementation beats
hand-written parsing. The only translation is our comma form `>=1,<2` to npm's space form `>=1 <2`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from promptgit.errors import SelectorError

SelectorKind = Literal["latest", "exact", "range", "label", "worktree"]

_KINDS = frozenset({"latest", "exact", "range", "label", "worktree"})
LATEST = "latest"
WORKTREE = "worktree"
# the same patterns as schemas/labels.schema.json: prompt names are paths, labels are lowercase words
# (\Z, not $: `$` also matches before a trailing newline, and a name with a newline is not a name)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\Z")
LABEL_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*\Z")
# numbers of at most 18 digits and short pre-release/build parts: a 5000-digit "version" in a tag name or
# a selector is not a version (int() of it would cost time, and Python refuses past 4300 digits)
VERSION_PATTERN = re.compile(
    r"^(0|[1-9]\d{0,17})\.(0|[1-9]\d{0,17})\.(0|[1-9]\d{0,17})"
    r"(?:-[0-9A-Za-z.-]{1,128})?(?:\+[0-9A-Za-z.-]{1,128})?\Z"
)
# a name becomes a file path (NAME.j2) and a ref path (refs/tags/prompts/NAME/vX.Y.Z): each part must fit
# a file name (255 bytes, with room for `.j2` and git's `.lock`), the whole well inside PATH_MAX
MAX_NAME_PART = 200
MAX_NAME_LENGTH = 1000
# versions and ranges are short; a 5000-digit number only costs time (and Python's int-conversion limit)
MAX_SPEC_LENGTH = 256


def unusable_file_name(name: str) -> str | None:
    """Why the name of a prompt file found on disk cannot be used (a control character such as a newline,
    which would split every one-line message naming it; a part longer than a file name); None if usable.
    Looser than check_name: a file `a,b.j2` is still validated, it just cannot be selected."""
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        return "a control character (newline, tab, ...) in the file name"
    if len(name) > MAX_NAME_LENGTH or any(len(part) > MAX_NAME_PART for part in name.split("/")):
        return f"a name part over {MAX_NAME_PART} characters, or a name over {MAX_NAME_LENGTH}"
    return None


def check_name(name: object) -> str:
    """`name` if it is a valid prompt name; SelectorError saying why not. The one check every entry point
    (loader, CLI commands, Selector objects) applies: no `..`, no absolute path, no NUL or newline, no
    part longer than a file name may be."""
    if not isinstance(name, str):
        raise SelectorError(f"invalid prompt name {name!r}: not a string")
    shown = name if len(name) <= 80 else f"{name[:60]}... ({len(name)} characters)"
    if len(name) > MAX_NAME_LENGTH:
        raise SelectorError(f"invalid prompt name {shown!r}: longer than {MAX_NAME_LENGTH} characters")
    if not NAME_PATTERN.match(name):
        raise SelectorError(
            f"invalid prompt name {shown!r}: use letters, digits, '_', '.', '-' and '/' between parts"
        )
    parts = name.split("/")
    if any(part in (".", "..") for part in parts):
        raise SelectorError(f"invalid prompt name {shown!r}: '.' and '..' are not allowed as parts")
    if any(len(part) > MAX_NAME_PART for part in parts):
        raise SelectorError(f"invalid prompt name {shown!r}: a part is over {MAX_NAME_PART} characters")
    return name


# semver.org's grammar exactly (ASCII digits, no leading zeros in numeric pre-release parts): deciding that a
# text is a version needs no range machinery, so node-semver (slow to import) loads only for ranges
_IDENTIFIER = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
STRICT_VERSION = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    rf"(?:-{_IDENTIFIER}(?:\.{_IDENTIFIER})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


@dataclass(frozen=True)
class Selector:
    """A parsed selector: the prompt name plus how to pick its version."""

    name: str
    kind: SelectorKind
    spec: str | None = None  # the version, range text or label; None for latest/worktree

    def __post_init__(self) -> None:
        # a Selector built by hand (`Selector("../../tmp/x", "worktree")`) is checked like a parsed one
        check_name(self.name)
        if self.kind not in _KINDS:
            raise SelectorError(f"invalid selector kind {self.kind!r}: one of {', '.join(sorted(_KINDS))}")
        if self.spec is not None and (not isinstance(self.spec, str) or len(self.spec) > MAX_SPEC_LENGTH):
            raise SelectorError(f"selector {self.name}@...: the version part is not a short string")

    def __str__(self) -> str:
        if self.kind == "worktree":
            return f"{self.name}@{WORKTREE}"
        return self.name if self.spec is None else f"{self.name}@{self.spec}"


def is_version(text: str) -> bool:
    """True for a full semver version (`1.2.3`, `1.2.3-rc.1`); no `v` prefix, no partial versions."""
    # and VERSION_PATTERN's bounds: a 5000-digit number is not a version anyone can release or bump
    return STRICT_VERSION.fullmatch(text) is not None and VERSION_PATTERN.match(text) is not None


def npm_range(spec: str) -> str:
    """Our comma-separated comparator form (`>=1,<2`) in npm's space-separated form (`>=1 <2`)."""
    return " ".join(part.strip() for part in spec.split(",") if part.strip())


def is_range(spec: str) -> bool:
    import nodesemver

    return nodesemver.valid_range(npm_range(spec), False) is not None


def parse_selector(text: str) -> Selector:
    """Parse `name[@version|@range|@label|@worktree]`; SelectorError names what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise SelectorError("empty selector; expected NAME or NAME@VERSION|RANGE|LABEL|worktree")
    text = text.strip()
    name, at, spec = text.partition("@")
    name = name.strip().removesuffix(".j2")
    try:
        check_name(name)
    except SelectorError as exc:
        shown = text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"
        raise SelectorError(f"selector {shown!r}: {exc}") from None
    if len(spec) > MAX_SPEC_LENGTH:
        raise SelectorError(f"selector {name}@...: the part after '@' is longer than {MAX_SPEC_LENGTH}")
    if not at:
        return Selector(name, "latest")
    spec = spec.strip()
    if not spec:
        raise SelectorError(f"selector {text!r} has nothing after '@'")
    if spec == LATEST:
        return Selector(name, "latest")
    if spec == WORKTREE:
        return Selector(name, "worktree")
    if is_version(spec):
        return Selector(name, "exact", spec)
    if LABEL_PATTERN.match(spec):
        return Selector(name, "label", spec)
    if is_range(spec):
        return Selector(name, "range", spec)
    raise SelectorError(
        f"selector {text!r}: {spec!r} is not a version (1.2.3), a semver range (^1.2, ~1.2, >=1,<2)"
        " or a label"
    )


VersionKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def version_key(version: str) -> VersionKey:
    """A sort key with semver precedence (build metadata ignored; a release sorts after its pre-releases).

    Computed here rather than through node-semver objects: resolving a range among thousands of tags must
    stay within milliseconds, and a tuple key is far cheaper than a parsed SemVer (bench/resolve.py).
    """
    parts = version.split(".")
    if (
        len(version) < 48
        and len(parts) == 3
        and all(p.isdigit() and (p == "0" or p[0] != "0") for p in parts)
    ):
        return (int(parts[0]), int(parts[1]), int(parts[2]), 1, ())  # the common case, without the regex
    match = VERSION_PATTERN.match(version)
    if match is None:
        raise SelectorError(f"not a semver version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    rest = version.partition("+")[0].partition("-")[2]
    if not rest:
        return (major, minor, patch, 1, ())
    identifiers = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in rest.split("."))
    return (major, minor, patch, 0, identifiers)


def is_version_fast(version: str) -> bool:
    """`is_version` without asking node-semver: what filters thousands of tag names."""
    return bool(VERSION_PATTERN.match(version))


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Valid versions in ascending semver order (invalid strings dropped)."""
    return sorted((version for version in set(versions) if VERSION_PATTERN.match(version)), key=version_key)


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1 as semver orders two valid versions."""
    a, b = version_key(left), version_key(right)
    return (a > b) - (a < b)


_OPERATORS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "": lambda a, b: a == b,
}


Bound = tuple[str, "VersionKey | None", bool]  # operator, version key (None: any), names a pre-release


def _satisfies(key: VersionKey, prerelease: bool, comparator_sets: list[list[Bound]]) -> bool:
    for comparators in comparator_sets:
        if all(bound is None or _OPERATORS[op](key, bound) for op, bound, _ in comparators):
            if not prerelease:
                return True
            # npm: a pre-release matches only if some comparator names a pre-release of the same x.y.z
            if any(named and bound is not None and bound[:3] == key[:3] for _, bound, named in comparators):
                return True
    return False


def _comparator_sets(spec: str) -> list[list[Bound]]:
    """npm's desugaring of a range (caret, tilde, x-ranges, hyphens) into (operator, version) comparators."""
    import nodesemver

    parsed = nodesemver.make_range(npm_range(spec), False)
    return [
        [
            (comparator.operator or "", None, False)
            if comparator.semver is nodesemver.ANY
            else (
                comparator.operator or "",
                version_key(str(comparator.semver)),
                bool(comparator.semver.prerelease),
            )
            for comparator in comparators
        ]
        for comparators in parsed.set
    ]


def pick_version(selector: Selector, versions: Iterable[str]) -> str | None:
    """The best of `versions` for a latest, exact or range selector; None when nothing matches.

    Latest is the highest stable release, or the highest pre-release when there is no stable one.
    Ranges follow npm: pre-releases match only when the range itself names a pre-release of that tuple.
    """
    keyed = [(version_key(version), version) for version in versions if is_version_fast(version)]
    if selector.kind == "exact":
        return selector.spec if any(version == selector.spec for _, version in keyed) else None
    if selector.kind == "latest":
        stable = [item for item in keyed if item[0][3] == 1]
        return max(stable or keyed)[1] if keyed else None
    if selector.kind == "range" and selector.spec is not None:
        try:
            comparator_sets = _comparator_sets(selector.spec)
        except (ValueError, TypeError) as exc:
            raise SelectorError(f"selector {selector}: invalid range: {exc}") from None
        matching = [item for item in keyed if _satisfies(item[0], item[0][3] == 0, comparator_sets)]
        return max(matching)[1] if matching else None
    raise SelectorError(f"selector {selector} is resolved by labels or the working tree, not a version list")
