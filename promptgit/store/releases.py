"""Releases: the tag naming convention, and a release's commit, date and message read from its tag chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptgit.errors import GitError

if TYPE_CHECKING:
    from datetime import datetime

TAG_PREFIX = "prompts/"

ReadObject = Callable[[str], "tuple[str, str, bytes] | None"]


def release_tag(name: str, version: str) -> str:
    """`content/hook`, `1.3.0` -> `prompts/content/hook/v1.3.0` (the Go-modules convention)."""
    return f"{TAG_PREFIX}{name}/v{version}"


@dataclass(frozen=True)
class Release:
    """One release of one prompt: an annotated tag `prompts/<name>/v<version>`."""

    name: str
    version: str
    tag: str
    commit: str  # hexsha of the tagged commit
    date: datetime | None = None
    message: str = ""
    tagger: str = ""


def read_release(name: str, version: str, target: str, read_object: ReadObject, where: object) -> Release:
    """Peel the tag chain from `target` to its commit; tagger, date and message from the first tag object."""
    tag = release_tag(name, version)
    found = read_object(target)
    if found is None:
        raise GitError(f"{where}: tag {tag} points at a missing object {target}")
    sha, kind, data = found
    date: datetime | None = None
    message = tagger = ""
    while kind == "tag":
        headers, _, body = data.decode("utf-8", "replace").partition("\n\n")
        fields = dict(line.split(" ", 1) for line in headers.splitlines() if " " in line)
        if "tagger" in fields and not tagger:
            tagger, date = _identity(fields["tagger"])
            message = _strip_signature(body).strip()
        peeled = read_object(fields.get("object", ""))
        if peeled is None:
            raise GitError(f"{where}: tag {tag} points at a missing object")
        sha, kind, data = peeled
    if kind != "commit":
        raise GitError(f"{where}: tag {tag} does not point at a commit")
    if date is None:  # a lightweight tag: the commit's date stands in
        headers = data.decode("utf-8", "replace").partition("\n\n")[0]
        fields = dict(line.split(" ", 1) for line in headers.splitlines() if " " in line)
        if "committer" in fields:
            tagger, date = _identity(fields["committer"])
    return Release(name=name, version=version, tag=tag, commit=sha, date=date, message=message, tagger=tagger)


def _identity(field: str) -> tuple[str, datetime | None]:
    """`Name <mail> 1700000000 +0100` -> ("Name <mail>", aware datetime)."""
    from datetime import datetime, timedelta, timezone  # release dates are for `versions`, not the loader

    person, _, stamp = field.rpartition(">")
    parts = stamp.split()
    if len(parts) != 2:
        return field, None
    try:
        seconds = int(parts[0])
        sign = -1 if parts[1].startswith("-") else 1
        offset = timedelta(hours=int(parts[1][1:3]), minutes=int(parts[1][3:5])) * sign
        return person + ">", datetime.fromtimestamp(seconds, timezone(offset))
    except (ValueError, OverflowError):
        return person + ">", None


def _strip_signature(body: str) -> str:
    marker = body.find("-----BEGIN PGP SIGNATURE-----")
    return body if marker < 0 else body[:marker]
