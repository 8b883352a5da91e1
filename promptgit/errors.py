"""The one exception hierarchy of promptgit: expected failures, reported as one line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar


class PromptgitError(Exception):
    """Base of every expected promptgit failure; the CLI prints it and exits 2 (or 1 for findings).

    `http_status` is what a service answers when the failure reaches its client (`promptgit serve`, the
    service kit): each subclass says it once, so no service maps exception classes to statuses by hand.
    """

    http_status = 500


class ConfigError(PromptgitError):
    """promptgit.yaml or a command line that cannot be used."""

    http_status = 500


class PromptSyntaxError(PromptgitError):
    """A prompt file that cannot be parsed; carries where, so it can become a finding."""

    http_status = 500

    def __init__(self, path: str, line: int, column: int, code: str, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {code} {message}")
        self.path = path
        self.line = line
        self.column = column
        self.code = code
        self.message = message


class PromptNotFoundError(PromptgitError):
    """No prompt, release or label matches a selector."""

    http_status = 404


class LabelTagMissingError(PromptNotFoundError):
    """A label names a version whose release tag is not in the repository: an inconsistency (the labels
    file was pushed without its tag, or the tag is still on its way), not an answer. The loader keeps
    serving last-known-good and counts it (promptgit_loader_label_tag_missing_total)."""

    def __init__(self, message: str, *, label: str, name: str, version: str) -> None:
        super().__init__(message)
        self.label = label
        self.name = name
        self.version = version


class SelectorError(PromptgitError):
    """A selector string that does not parse."""

    http_status = 400


class InputValidationError(PromptgitError):
    """Render inputs that do not satisfy the prompt's declared inputs."""

    http_status = 422


class RenderError(PromptgitError):
    """A template that failed while rendering (undefined variable, sandbox violation, stray chat text).

    `reason` says which, for metrics and findings: undefined, unsafe, template, too_large (over the
    loader's `max_render_chars`), or the chat structure problems stray_text, nested_message, unknown_role,
    broken_message (a block's output cut by a macro, filter or call block) and message_in_text (a text
    prompt that rendered a message block from a partial).
    """

    CHAT_REASONS = frozenset(
        {"stray_text", "nested_message", "unknown_role", "broken_message", "message_in_text"}
    )

    http_status = 422  # what the inputs made of the template: the request's to change

    def __init__(self, message: str, reason: str = "template", line: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.line = line  # the template line it failed at, when known (bounded.render_bounded sets it)


class GitError(PromptgitError):
    """The repository cannot be read: missing, corrupt, or the ref does not exist."""

    http_status = 503


class BundleError(GitError):
    """A bundle file that cannot be used: unreadable, not a promptgit bundle, a member whose hash does not
    match, or a signature missing or wrong when a public key is configured. Names the file and the part."""


class ObjectTooLargeError(GitError):
    """A git object over the reader's size limit: a problem of that one file, not of the repository."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class ReleaseError(PromptgitError):
    """A release that must not happen: dirty tree, invalid prompt, tag already exists."""

    http_status = 409


class LLMCallError(PromptgitError):
    """The provider call of `LLM.complete` failed, or answered something unusable; names prompt, version
    and model.

    The provider's own exception (e.g. openai.RateLimitError) is `__cause__`; `status_code` is its HTTP
    status when it has one; `field` the part of the answer that was unusable (`usage.prompt_tokens`,
    `choices`) when the call succeeded but its answer could not be used. `reason` says what kind of
    failure it was, without importing the provider SDK's exception classes: `timeout`,
    `rate_limited`, `server` (a 5xx), `connection` (never answered) or `refused` (any other answer:
    a 4xx such as a bad request or a rejected key). `http_status` is what a service answers its own
    client (REASON_STATUS).
    """

    REASONS = ("timeout", "rate_limited", "server", "connection", "refused")
    REASON_STATUS: ClassVar[dict[str, int]] = {
        "timeout": 504,
        "rate_limited": 503,
        "server": 502,
        "connection": 502,
        "refused": 502,
    }

    def __init__(
        self,
        message: str,
        *,
        prompt: str,
        version: str,
        model: str | None,
        status_code: int | None,
        field: str | None = None,
        reason: str | None = None,
    ):
        super().__init__(message)
        self.prompt = prompt
        self.version = version
        self.model = model
        self.status_code = status_code
        self.field = field
        self._reason = reason

    @property
    def reason(self) -> str:
        """One of REASONS: given by the caller, else judged from the status code and the cause's class
        names (openai's, httpx's and the standard library's timeouts and connection errors alike)."""
        if self._reason is not None:
            return self._reason
        cause = self.__cause__
        names = {kind.__name__ for kind in type(cause).__mro__} if cause is not None else set()
        if self.status_code in (408, 504) or any("Timeout" in name for name in names):
            return "timeout"
        if self.status_code == 429 or any("RateLimit" in name for name in names):
            return "rate_limited"
        if self.status_code is not None and self.status_code >= 500:
            return "server"
        if self.status_code is None and any("Connect" in name for name in names):
            return "connection"
        return "refused"

    @property
    def http_status(self) -> int:  # type: ignore[override]
        return self.REASON_STATUS[self.reason]


class OutputValidationError(PromptgitError):
    """An answer that is not JSON or does not match the prompt's `output:` schema; never cached.

    `path` is the JSON path of the failing part (`$` for the whole answer), `text` the answer as received.
    """

    def __init__(self, message: str, *, prompt: str, version: str, path: str, text: str) -> None:
        super().__init__(message)
        self.prompt = prompt
        self.version = version
        self.path = path
        self.text = text

    http_status = 502  # the provider's answer was unusable: the upstream's failure, not the request's


def did_you_mean(wanted: str, existing: Iterable[str], what: str, limit: int = 10) -> str:
    """The tail of a not-found message: what exists, the closest matches to `wanted` first.

    `did you mean content/hook? prompts: content/hook, content/title, greeting`; `what` names the list
    ("prompts", "released versions", "labels"), in the order given after the closest ones. At most `limit`
    are listed, then how many more there are.
    """
    names = list(dict.fromkeys(existing))
    if not names:
        return f"there are no {what}"
    import difflib  # only when something is not found: errors.py is imported by every process

    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    ordered = close + [name for name in names if name not in close]
    shown = ", ".join(ordered[:limit]) + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")
    suggestion = f"did you mean {close[0]}? " if close else ""
    return f"{suggestion}{what}: {shown}"
