"""Checks of the rendered prompt: no model, no network."""

from __future__ import annotations

from promptgit.format.templating import Rendered
from promptgit.testrunner.cases import Check
from promptgit.testrunner.checking import TEXT_KINDS, CheckResult, text_check, verdict


def as_messages(rendered: Rendered) -> list[dict[str, str]]:
    return [{"role": "user", "content": rendered}] if isinstance(rendered, str) else list(rendered)


def rendered_text(rendered: Rendered, message: int | str | None = None) -> str | None:
    """The text a check looks at: every message's content, one message (an index, negative from the end),
    or the messages of one role; None when there is no such message."""
    messages = as_messages(rendered)
    if message is None:
        return rendered if isinstance(rendered, str) else "\n".join(item["content"] for item in messages)
    if isinstance(message, int):
        if not -len(messages) <= message < len(messages):
            return None
        return messages[message]["content"]
    chosen = [item["content"] for item in messages if item["role"] == message]
    return "\n".join(chosen) if chosen else None


def render_check(check: Check, rendered: Rendered, model: str | None) -> CheckResult:
    subject = "the rendered prompt"
    messages = as_messages(rendered)
    if check.kind == "messages":
        count = len(messages)
        return verdict(
            check,
            count == check.value,
            f"have {check.value} messages",
            subject=subject,
            detail=f"it has {count}",
        )
    if check.kind == "roles":
        roles = [item["role"] for item in messages]
        return verdict(
            check,
            roles == list(check.value),
            f"have the roles {check.value}",
            subject=subject,
            detail=f"it has {roles}",
        )
    if check.kind == "tokens":
        from promptgit.tokens import count as count_tokens

        tokens = count_tokens(rendered if isinstance(rendered, str) else messages, model).tokens
        return verdict(
            check,
            tokens <= int(check.value),
            f"take at most {check.value} tokens",
            subject=subject,
            detail=f"{tokens} tokens ({model or 'default model'})",
        )
    if check.kind in TEXT_KINDS:
        text = rendered_text(rendered, check.message)
        if text is None:
            return CheckResult(check, False, 0.0, f"the rendered prompt has no message {check.message!r}")
        matched, wanted = text_check(check.kind, check.value, text)
        where = subject if check.message is None else f"message {check.message!r}"
        return verdict(check, matched, wanted, subject=where)
    return CheckResult(check, False, 0.0, f"{check.kind} is not a render check")
