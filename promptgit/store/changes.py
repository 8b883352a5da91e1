"""The prompts whose files differ between a base commit and the working tree (what a pull request changes)."""

from __future__ import annotations

from dataclasses import dataclass

from promptgit.errors import PromptSyntaxError
from promptgit.format.interface import Change, interface_changes
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.store.gitstore import GitStore
from promptgit.store.lineage import normalized
from promptgit.store.workspace import Workspace


@dataclass(frozen=True)
class PromptChange:
    """One prompt changed since the base: its bytes before (None: added) and now (None: removed)."""

    name: str
    path: str  # as shown, from the repository root
    before: bytes | None
    after: bytes | None

    def document(self, data: bytes | None) -> PromptDocument | None:
        if data is None:
            return None
        try:
            return parse_document(self.name, self.path, data)
        except PromptSyntaxError:
            return None  # the validator reports it

    def version(self, data: bytes | None) -> str:
        document = self.document(data)
        return document.version if document is not None else "?"

    def interface(self) -> list[Change]:
        """Interface changes from the base to now ([] for an added, removed or unparsable prompt)."""
        old, new = self.document(self.before), self.document(self.after)
        return interface_changes(old, new) if old is not None and new is not None else []


def changed_prompts(workspace: Workspace, store: GitStore, base: str | None) -> list[PromptChange]:
    """Every prompt added, removed or changed (CRLF aside) between commit `base` and the working tree."""
    now = {workspace.name_of(path): path for path in workspace.prompt_files()}
    names = set(store.prompt_names(base)) if base is not None else set()
    changes = []
    for name in sorted(names | {name for name in now if name is not None}):
        found = store.read_prompt(base, name) if base is not None else None
        before = found[0] if found is not None else None
        path = now.get(name)
        after = path.read_bytes() if path is not None else None
        if before is not None and after is not None and normalized(before) == normalized(after):
            continue
        changes.append(PromptChange(name, store.prompt_path(name), before, after))
    return changes
