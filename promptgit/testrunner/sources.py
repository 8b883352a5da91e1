"""Where the runner reads prompts, tests files and cassettes: the working tree, or a commit's git objects.

A commit is read without a checkout (one `git cat-file --batch` process), with the partials of the same
commit, so `--base REF` renders the base exactly as it was.
"""

from __future__ import annotations

from promptgit.errors import PromptgitError
from promptgit.format.prompt import SUFFIX, Prompt, parse_document
from promptgit.format.templating import make_environment
from promptgit.sources import PARTIALS_DIR, PromptSource
from promptgit.store.gitstore import GitStore
from promptgit.store.workspace import Workspace
from promptgit.validation.testfiles import TESTS_SUFFIX

CASSETTE_SUFFIX = ".cassette.json"
# a cassette grows with the cases (about 1 KB per recorded answer), unlike a prompt file: its own bound
CASSETTE_MAX_BYTES = 64 * 1024 * 1024


class Source:
    """One snapshot the runner reads (the working tree, or a commit's git objects) through the prompt
    source protocol (promptgit.sources): prompts with the partials of the same snapshot, tests files and
    cassettes, contained and bounded alike."""

    def __init__(self, files: PromptSource, label: str) -> None:
        self.files = files
        self.label = label
        self.commit = files.commit
        self._prompts: dict[str, Prompt | None] = {}

    def shown(self, relative: str) -> str:
        return self.files.path_of(relative)

    def read(self, relative: str) -> bytes | None:
        """A file under the prompts directory; None when it does not exist."""
        bound = CASSETTE_MAX_BYTES if relative.endswith(CASSETTE_SUFFIX) else None
        found = self.files.read_file(relative, bound)
        return None if found is None else found.data

    def tests_names(self) -> list[str]:
        """Every prompt with a tests file, sorted."""
        return sorted(
            path.removesuffix(TESTS_SUFFIX)
            for path in self.files.relative_paths()
            if path.endswith(TESTS_SUFFIX)
        )

    def prompt(self, name: str) -> Prompt | None:
        if name not in self._prompts:
            self._prompts[name] = self.files.compile(name)
        return self._prompts[name]

    def partial(self, relative: str) -> str | None:
        return self.files.read_partial(relative)


def WorktreeSource(workspace: Workspace) -> Source:
    """The files as they are on disk (what `promptgit test` without --base runs)."""
    return Source(workspace.source, "worktree")


def CommitSource(workspace: Workspace, store: GitStore, ref: str) -> Source:
    """The files of commit `ref`, from git objects (no checkout)."""
    try:
        commit = store.run_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except PromptgitError:
        commit = ""
    if not commit:
        raise PromptgitError(f"--base/--head {ref!r}: no such commit (fetch it, e.g. fetch-depth: 0)")
    return Source(workspace.at_commit(store, commit, label=ref), ref)


def included_partials(source: Source, name: str) -> set[str]:
    """The partials prompt `name` includes at `source`, directly or through other partials."""
    from jinja2 import meta

    from promptgit.format.templating import may_reference_templates

    data = source.read(f"{name}{SUFFIX}")
    if data is None:
        return set()
    document = parse_document(name, source.shown(f"{name}{SUFFIX}"), data)
    environment = make_environment(source.partial)
    pending = [document.template_source]
    seen: set[str] = set()
    while pending:
        text = pending.pop()
        if not may_reference_templates(text):
            continue
        try:
            references = meta.find_referenced_templates(environment.parse(text))
        except Exception:  # a body that does not parse: the validator reports it; no includes known
            continue
        for reference in references:
            if reference is None or reference in seen or not reference.startswith(f"{PARTIALS_DIR}/"):
                continue
            seen.add(reference)
            included = source.partial(reference)
            if included is not None:
                pending.append(included)
    return seen
