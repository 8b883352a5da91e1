"""The prompts whose files differ between two sources: a base commit and the working tree (what a pull
request changes), or two commits."""

from __future__ import annotations

from dataclasses import dataclass

from promptgit.errors import PromptSyntaxError
from promptgit.format.interface import Change, interface_changes
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.sources.source import PromptSource
from promptgit.store.lineage import normalized


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


def changed_prompts(base: PromptSource | None, current: PromptSource) -> list[PromptChange]:
    """Every prompt added, removed or changed (CRLF aside) from `base` (None: nothing before, as in an
    empty repository) to `current`: the working tree against a commit, or one commit against another."""
    now = set(current.names())
    before_names = set(base.names()) if base is not None else set()
    changes = []
    for name in sorted(before_names | now):
        before = base.read_prompt(name) if base is not None and name in before_names else None
        after = current.read_prompt(name) if name in now else None
        if before is not None and after is not None and normalized(before.data) == normalized(after.data):
            continue
        path = (after or before).path  # type: ignore[union-attr]  # one of them is there
        changes.append(
            PromptChange(name, path, before.data if before else None, after.data if after else None)
        )
    return changes
