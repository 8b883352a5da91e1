"""What one conversion produced: the files to write, what converted, what was lost and why.

A conversion is data (frozen dataclasses), like a validation finding: the importers build it, the writer
plans and writes its files, the command only formats it. Nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Loss:
    """A construct of the source that has no promptgit equivalent: `what` it is, `why` it is lost."""

    what: str
    why: str


@dataclass(frozen=True)
class NewFile:
    """A file to write, relative to the prompts directory (`content/hook.j2`, `partials/x.j2`)."""

    relative: str
    text: str


@dataclass
class Conversion:
    """One source prompt (a file, or one object of a Langfuse export) and what became of it.

    `error` is set when the source could not be read at all (then there are no files); `labels` maps a
    label to the version this prompt should get once released (Langfuse's labels).
    """

    source: str
    name: str | None = None
    version: str | None = None
    files: list[NewFile] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    error: str | None = None

    def lose(self, what: str, why: str) -> None:
        if Loss(what, why) not in self.losses:
            self.losses.append(Loss(what, why))

    def note(self, text: str) -> None:
        if text not in self.converted:
            self.converted.append(text)

    @property
    def complete(self) -> bool:
        """Everything converted: no loss, no error."""
        return self.error is None and not self.losses
