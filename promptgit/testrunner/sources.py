"""Where the runner reads prompts, tests files and cassettes: the working tree, or a commit's git objects.

A commit is read without a checkout (one `git cat-file --batch` process), with the partials of the same
commit, so `--base REF` renders the base exactly as it was.
"""

from __future__ import annotations

from functools import cached_property

from promptgit.errors import PromptgitError
from promptgit.format.prompt import SUFFIX, Prompt, compile_document, parse_document
from promptgit.format.templating import make_environment
from promptgit.store.gitstore import GitStore
from promptgit.store.workspace import PARTIALS_DIR, Workspace
from promptgit.validation.testfiles import TESTS_SUFFIX

CASSETTE_SUFFIX = ".cassette.json"
# a cassette grows with the cases (about 1 KB per recorded answer), unlike a prompt file: its own bound
CASSETTE_MAX_BYTES = 64 * 1024 * 1024


class WorktreeSource:
    """The files as they are on disk (what `promptgit test` without --base runs)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.label = "worktree"
        self.commit: str | None = None
        self._prompts: dict[str, Prompt] = {}

    def shown(self, relative: str) -> str:
        return self.workspace.display_path(self.workspace.prompts_dir / relative)

    def read(self, relative: str) -> bytes | None:
        """A file under the prompts directory; None when it does not exist."""
        path = self.workspace.prompts_dir / relative
        if not path.is_file():
            return None
        if relative.endswith(CASSETTE_SUFFIX):
            from promptgit.store.files import read_contained

            return read_contained(path, self.shown(relative), CASSETTE_MAX_BYTES, self.workspace.root)
        return self.workspace.read_file(path, self.shown(relative))

    def tests_names(self) -> list[str]:
        """Every prompt with a tests file, sorted."""
        root = self.workspace.prompts_dir
        return sorted(
            path.relative_to(root).as_posix().removesuffix(TESTS_SUFFIX)
            for path in root.rglob(f"*{TESTS_SUFFIX}")
            if not any(part.startswith(".") for part in path.relative_to(root).parts)
        )

    def prompt(self, name: str) -> Prompt | None:
        if name not in self._prompts:
            data = self.read(f"{name}{SUFFIX}")
            if data is None:
                return None
            document = parse_document(name, self.shown(f"{name}{SUFFIX}"), data)
            self._prompts[name] = compile_document(document, make_environment(self.workspace.read_partial))
        return self._prompts[name]

    def partial(self, relative: str) -> str | None:
        return self.workspace.read_partial(relative)


class CommitSource:
    """The files of one commit, from git objects."""

    def __init__(self, workspace: Workspace, store: GitStore, ref: str) -> None:
        self.workspace = workspace
        self.store = store
        try:
            self.commit = store.run_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except PromptgitError:
            self.commit = ""
        if not self.commit:
            raise PromptgitError(f"--base/--head {ref!r}: no such commit (fetch it, e.g. fetch-depth: 0)")
        self.label = ref
        self._prompts: dict[str, Prompt | None] = {}

    def shown(self, relative: str) -> str:
        return (
            self.store.prompt_path(relative.removesuffix(SUFFIX))
            if relative.endswith(SUFFIX)
            else (f"{self.store.prompts_dir}/{relative}")
        )

    def read(self, relative: str) -> bytes | None:
        found = self.store.read_file(self.commit, f"{self.store.prompts_dir}/{relative}")
        return None if found is None else found[0]

    @cached_property
    def _files(self) -> list[str]:
        listing = self.store.run_git(
            "ls-tree", "-r", "-z", "--name-only", self.commit, "--", f"{self.store.prompts_dir}/"
        )
        prefix = f"{self.store.prompts_dir}/"
        return [path.removeprefix(prefix) for path in listing.split("\0") if path.startswith(prefix)]

    def tests_names(self) -> list[str]:
        return sorted(path.removesuffix(TESTS_SUFFIX) for path in self._files if path.endswith(TESTS_SUFFIX))

    def prompt(self, name: str) -> Prompt | None:
        if name not in self._prompts:
            found = self.store.read_prompt(self.commit, name)
            if found is None:
                self._prompts[name] = None
            else:
                data, blob = found
                document = parse_document(name, self.store.prompt_path(name), data)
                environment = make_environment(
                    lambda relative: self.store.read_partial(self.commit, relative)
                )
                self._prompts[name] = compile_document(
                    document, environment, commit=self.commit, blob_sha=blob
                )
        return self._prompts[name]

    def partial(self, relative: str) -> str | None:
        return self.store.read_partial(self.commit, relative)


Source = WorktreeSource | CommitSource


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
