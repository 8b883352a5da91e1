"""Every read the UI makes of the repository, in one place: prompt files at a version or in the working tree,
releases, labels and their history, blame, and the test runner's report.

Prompt files are read through promptgit.sources (a commit's tree, the working tree); nothing else in
promptgit/ui/ opens git or the working tree. Nothing here writes: git is
only asked read-only questions (cat-file through the store, `log`, `blame`), with optional locks off so not
even the index's stat cache is refreshed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from promptgit.errors import ConfigError, GitError, PromptgitError, PromptNotFoundError, PromptSyntaxError
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.sources import LABELS_FILE, CommitSource
from promptgit.store.gitstore import GitStore
from promptgit.store.releases import Release
from promptgit.store.selectors import VERSION_PATTERN, check_name
from promptgit.store.traffic_split import LabelEntry
from promptgit.store.workspace import Workspace, open_store

WORKTREE = "worktree"  # the version name of the working tree, as in the `name@worktree` selector
# Where `promptgit test --format json` leaves its report for the UI (the test runner is built in parallel:
# see read_test_report for the shape read). `promptgit ui --test-report FILE` names another file.
TEST_REPORT = ".promptgit/test-report.json"
MAX_LABEL_COMMITS = 200  # label history shown: the newest commits of labels.yaml
MAX_BLAME_LINES = 5000

# git must not take the index lock to refresh stat information while the UI only reads
os.environ.setdefault("GIT_OPTIONAL_LOCKS", "0")


@dataclass(frozen=True)
class Version:
    """One version of a prompt file: its bytes and where they came from."""

    name: str
    version: str  # "1.2.0", or WORKTREE
    data: bytes
    origin: str  # "tag prompts/a/v1.0.0 at abc123def456" or "working tree prompts/a.j2"
    path: str  # as shown: prompts/a.j2
    commit: str | None  # the tagged commit; None for the working tree

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def document(self) -> PromptDocument | None:
        try:
            return parse_document(self.name, self.path, self.data)
        except PromptSyntaxError:
            return None


@dataclass(frozen=True)
class LabelMove:
    """One label entry changed by one commit of labels.yaml: who moved what, when, and where."""

    commit: str
    author: str
    date: datetime | None
    subject: str
    label: str
    name: str
    before: str | None  # "1.0.0", "{1.0.0: 90, 1.1.0: 10}" for a split, None when the entry was added
    after: str | None  # None when the entry was removed


@dataclass(frozen=True)
class BlameLine:
    number: int
    text: str
    commit: str | None  # None: not committed yet (working tree)
    author: str
    date: datetime | None
    summary: str


@dataclass(frozen=True)
class TestCase:
    """One case of the test runner's report: its name, result at head and, with --base, at the base."""

    name: str
    status: str
    base: str | None
    message: str


class LibraryReader:
    """The repository at `root`, read-only, for the UI's pages. Thread-safe (the store is)."""

    def __init__(self, root: Path, test_report: Path | None = None) -> None:
        self.workspace = Workspace.discover(root)
        store = open_store(self.workspace)
        if store is None:
            raise ConfigError(f"{self.workspace.root}: not a git repository (releases are git tags)")
        self.store: GitStore = store
        self.root = self.workspace.root
        self.test_report = test_report or self.root / TEST_REPORT

    def close(self) -> None:
        self.store.close()

    def _at(self, commit: str) -> CommitSource:
        """The prompts directory of `commit`, read through the store (contained and bounded)."""
        return self.workspace.at_commit(self.store, commit)

    def refresh(self) -> None:
        """Forget cached refs: a release tagged or a commit made while the UI runs shows on the next page."""
        self.store.refresh()

    # --- prompts --------------------------------------------------------------------------------------
    def head(self) -> str | None:
        try:
            return self.store.resolve_commit("HEAD")
        except GitError:
            return None  # a repository without commits yet

    def names(self) -> list[str]:
        """Every prompt in the working tree or at HEAD, sorted."""
        found = {name for name in map(self.workspace.name_of, self.workspace.prompt_files()) if name}
        head = self.head()
        if head is not None:
            found.update(self._at(head).names())
        return sorted(found)

    def version(self, name: str, version: str) -> Version:
        """The file of prompt `name` at a released version, or in the working tree (WORKTREE).

        PromptNotFoundError for a name that is not a prompt name, or a version that is not one: both come
        from a URL, and neither may become a path in the working tree or under .git/refs."""
        check_name(name)
        if version != WORKTREE and not VERSION_PATTERN.match(version):
            raise PromptNotFoundError(f"{name}: no version {version!r}")
        path = self.workspace.git_path(name)
        if version == WORKTREE:
            file = self.workspace.path_of(name)
            if self.workspace.name_of(file) is None or not os.path.lexists(file):
                raise PromptNotFoundError(f"{name}: {path} is not in the working tree")
            data = self.workspace.read_file(file)
            return Version(name, WORKTREE, data, f"working tree {path}", path, None)
        release = self.store.release(name, version)
        found = self._at(release.commit).read_prompt(name)
        if found is None:
            raise PromptNotFoundError(f"{name}@{version}: {release.tag} does not contain {path}")
        origin = f"tag {release.tag} at {release.commit[:12]}"
        return Version(name, version, found.data, origin, path, release.commit)

    def versions(self, name: str) -> list[str]:
        """Released versions, newest first, then WORKTREE when the prompt is in the working tree."""
        check_name(name)
        released = list(reversed(self.store.release_versions(name)))
        file = self.workspace.path_of(name)
        return [*released, WORKTREE] if os.path.lexists(file) else released

    def releases(self, name: str) -> list[Release]:
        """The release timeline, newest first: tagger, date and message of each annotated tag."""
        return list(reversed(self.store.releases(name)))

    def highest_release(self, name: str) -> str | None:
        return self.store.highest_release(name)

    # --- labels ---------------------------------------------------------------------------------------
    def labels(self) -> dict[str, dict[str, LabelEntry]]:
        """labels.yaml at HEAD (what the loader serves), {} without commits or without the file."""
        head = self.head()
        if head is None:
            return {}
        try:
            return self.store.labels(self._at(head))
        except PromptgitError:
            return {}  # an invalid labels.yaml is a finding of validate, shown on the pages

    def label_history(self, name: str | None = None) -> list[LabelMove]:
        """Every change of a label entry (of prompt `name`, or all), newest first, from the commits of
        labels.yaml (`git log -- prompts/labels.yaml`): each commit's file against its parent's."""
        if self.head() is None:
            return []
        prompts = self.workspace.git_prompts_dir
        path = LABELS_FILE if prompts == "." else f"{prompts}/{LABELS_FILE}"
        listing = self.store.run_git(
            "log",
            f"--max-count={MAX_LABEL_COMMITS}",
            "--format=%H%x00%P%x00%an <%ae>%x00%at%x00%s",
            "HEAD",
            "--",
            path,
        )
        moves: list[LabelMove] = []
        for line in listing.splitlines():
            sha, parents, author, stamp, subject = line.split("\0", 4)
            after = self._labels_at(sha)
            before = self._labels_at(parents.split()[0]) if parents else {}
            date = datetime.fromtimestamp(int(stamp), timezone.utc) if stamp.isdigit() else None
            for label in sorted(before.keys() | after.keys()):
                old, new = before.get(label, {}), after.get(label, {})
                for prompt in sorted(old.keys() | new.keys()):
                    if name is not None and prompt != name:
                        continue
                    was, now = _shown(old.get(prompt)), _shown(new.get(prompt))
                    if was != now:
                        moves.append(LabelMove(sha, author, date, subject, label, prompt, was, now))
        return moves

    def _labels_at(self, commit: str) -> dict[str, dict[str, LabelEntry]]:
        try:
            return self.store.labels(self._at(commit))
        except PromptgitError:
            return {}  # a commit whose labels.yaml did not parse: its entries are unknown

    # --- blame ----------------------------------------------------------------------------------------
    def blame(self, name: str, version: str) -> list[BlameLine]:
        """Each line of the prompt file at `version` (or the working tree) with the commit that last changed
        it (`git blame --porcelain`); lines not committed yet have commit None."""
        path = self.workspace.git_path(name)
        head = self.head()
        if head is None or (version == WORKTREE and self._at(head).read_prompt(name) is None):
            # nothing committed yet, or a prompt never committed: git blame has no history to tell
            return [
                BlameLine(number, text, None, "", None, "not committed yet")
                for number, text in enumerate(self.version(name, version).text.splitlines(), 1)
            ]
        at = [] if version == WORKTREE else [self.store.release_commit(name, version)]
        output = self.store.run_git("blame", "--porcelain", *at, "--", path)
        return parse_porcelain_blame(output)[:MAX_BLAME_LINES]

    # --- the test runner's report (hook) --------------------------------------------------------------
    def read_test_report(self, name: str) -> list[TestCase] | None:
        """The cases of prompt `name` in the test runner's JSON report, or None when there is no report.

        The hook for `promptgit test` (issue 22, built in parallel): read from TEST_REPORT (or the file
        given to `promptgit ui --test-report`), written by `promptgit test --format json`. Shape read, with
        alternatives so small differences do not hide the results:
            {"cases": [{"prompt": "content/hook", "name": "...", "status": "pass" | "fail" | "error",
                        "base": "pass" | ... | null, "message": "..."}]}
        (`results` for `cases`, `outcome`/`head` for `status`, `case` for `name` are read too).
        """
        try:
            report = json.loads(self.test_report.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        rows = report.get("cases", report.get("results")) if isinstance(report, dict) else report
        if not isinstance(rows, list):
            return None
        cases = []
        for row in rows:
            if not isinstance(row, dict) or row.get("prompt") != name:
                continue
            status = row.get("status", row.get("outcome", row.get("head", "?")))
            cases.append(
                TestCase(
                    str(row.get("name", row.get("case", "?"))),
                    _result(status),
                    _result(row["base"]) if row.get("base") is not None else None,
                    str(row.get("message") or ""),
                )
            )
        return cases


def _shown(entry: LabelEntry | None) -> str | None:
    return None if entry is None else str(entry)


def _result(value: Any) -> str:
    """A case's result as a word: "pass", "fail", ... (a mapping with `status` or `passed` is read)."""
    if isinstance(value, dict):
        value = value.get("status", value.get("passed"))
    if isinstance(value, bool):
        return "pass" if value else "fail"
    return str(value)


_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


def parse_porcelain_blame(output: str) -> list[BlameLine]:
    """Lines of `git blame --porcelain`: a header per line, the commit's fields the first time it is seen,
    then the line itself after a tab."""
    commits: dict[str, dict[str, str]] = {}
    lines: list[BlameLine] = []
    current: tuple[str, int] | None = None
    for raw in output.split("\n"):
        if current is None:
            match = _HEADER.match(raw)
            if match:
                current = (match.group(1), int(match.group(2)))
                commits.setdefault(current[0], {})
            continue
        sha, number = current
        if raw.startswith("\t"):
            fields = commits[sha]
            stamp = fields.get("author-time", "")
            committed = sha.strip("0") != ""
            lines.append(
                BlameLine(
                    number,
                    raw[1:],
                    sha if committed else None,
                    fields.get("author", "") if committed else "",
                    datetime.fromtimestamp(int(stamp), timezone.utc)
                    if committed and stamp.isdigit()
                    else None,
                    fields.get("summary", "") if committed else "not committed yet",
                )
            )
            current = None
        else:
            key, _, value = raw.partition(" ")
            commits[sha][key] = value
    return lines
