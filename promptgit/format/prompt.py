"""The prompt model: a parsed prompt file, and a compiled prompt that renders with input checks."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from types import CodeType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError, TemplateError

from promptgit.errors import InputValidationError, PromptSyntaxError, RenderError
from promptgit.format.frontmatter import FrontMatter, decode, split
from promptgit.format.inputs import InputsChecker, checker_for
from promptgit.format.messages import check_text, split_messages
from promptgit.format.templating import Rendered, is_chat

SUFFIX = ".j2"
_BATCH = 64  # output pieces joined between two checks of max_render_chars


def prompt_name(relative_path: str) -> str:
    """`content/hook.j2` -> `content/hook`: the name of a prompt is its path under the prompts dir."""
    return posixpath.normpath(relative_path).removesuffix(SUFFIX)


@dataclass(frozen=True)
class PromptDocument:
    """A prompt file split into metadata and body; nothing compiled, nothing validated yet."""

    name: str
    path: str  # as shown to the user, e.g. prompts/content/hook.j2
    front: FrontMatter

    @property
    def metadata(self) -> dict[str, Any]:
        return self.front.metadata

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", ""))

    @property
    def description(self) -> str:
        return str(self.metadata.get("description", ""))

    @property
    def inputs(self) -> dict[str, dict[str, Any]]:
        declared = self.metadata.get("inputs") or {}
        return (
            {str(k): (v if isinstance(v, dict) else {}) for k, v in declared.items()}
            if isinstance(declared, dict)
            else {}
        )

    @property
    def sample(self) -> dict[str, Any]:
        sample = self.metadata.get("sample") or {}
        return sample if isinstance(sample, dict) else {}

    @property
    def template_source(self) -> str:
        """The body padded with newlines so Jinja's line numbers are the file's line numbers."""
        return "\n" * (self.front.body_line - 1) + self.front.body


def parse_document(name: str, path: str, data: bytes | str) -> PromptDocument:
    """Decode and split a prompt file; raises PromptSyntaxError (PG101/PG103) with file:line."""
    text = decode(path, data) if isinstance(data, bytes) else data
    return PromptDocument(name=name, path=path, front=split(path, text))


@dataclass
class Prompt:
    """A prompt ready to render: one version of one prompt, from the working tree or a git object."""

    name: str
    version: str
    metadata: dict[str, Any]
    template: Template = field(repr=False)
    path: str = ""
    commit: str | None = None
    blob_sha: str | None = None
    chat: bool = False
    body_line: int = 1
    strict_inputs: bool = True  # undeclared input names are refused (see inputs.checker_for)
    # characters a render may produce (None: no limit); the loader sets it (Repository max_render_chars)
    max_render_chars: int | None = None

    @property
    def params(self) -> dict[str, Any]:
        params = self.metadata.get("params") or {}
        return dict(params) if isinstance(params, dict) else {}

    @property
    def inputs(self) -> dict[str, dict[str, Any]]:
        declared = self.metadata.get("inputs") or {}
        return dict(declared) if isinstance(declared, dict) else {}

    @property
    def model(self) -> str | None:
        model = self.metadata.get("model")
        return str(model) if model else None

    @property
    def sample(self) -> dict[str, Any]:
        sample = self.metadata.get("sample") or {}
        return dict(sample) if isinstance(sample, dict) else {}

    @cached_property
    def inputs_checker(self) -> InputsChecker:
        return checker_for(self.inputs, self.strict_inputs)

    def check_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Validate `inputs` against the declaration; return them with defaults applied."""
        checker = self.inputs_checker
        problems = checker.errors(inputs)
        if problems:
            detail = "; ".join(f"{variable}: {message}" for variable, message in problems)
            raise InputValidationError(f"{self.name}@{self.version}: invalid inputs: {detail}")
        return checker.with_defaults(inputs)

    def render(self, **inputs: Any) -> Rendered:
        """Render with validated inputs: a string for a text prompt, `[{role, content}]` for a chat prompt."""
        return self._render(inputs)

    def _render(self, inputs: Mapping[str, Any]) -> Rendered:
        # `render` for inputs already in a mapping: subclasses that wrap rendering skip one more copy
        values = self.check_inputs(inputs)
        template = self.template
        try:
            if template.environment.is_async:
                output = template.render(values)
            else:  # Template.render without its copy of `values`, which is a fresh dict already
                try:
                    events = template.root_render_func(template.new_context(values))
                    limit = self.max_render_chars
                    if limit is None:
                        output = template.environment.concat(events)
                    else:  # the padding of the front matter's lines is not output
                        output = self._bounded_concat(events, limit + self.body_line - 1)
                except RenderError:
                    raise
                except Exception:
                    template.environment.handle_exception()
        except UndefinedError as exc:
            raise RenderError(f"{self.name}@{self.version}: {exc.message}", "undefined") from None
        except SecurityError as exc:
            message = f"{self.name}@{self.version}: unsafe template operation: {exc}"
            raise RenderError(message, "unsafe") from None
        except TemplateError as exc:
            raise RenderError(f"{self.name}@{self.version}: {exc}", "template") from None
        if self.chat:
            try:
                return split_messages(output)
            except RenderError as exc:
                raise RenderError(f"{self.name}@{self.version}: {exc}", exc.reason) from None
        return check_text(
            output[self.body_line - 1 :].strip("\n")
            if output.startswith("\n" * (self.body_line - 1))
            else output
        )

    def _bounded_concat(self, events: Iterator[str], limit: int) -> str:
        """The render's output, stopped once it grows past `limit` characters. Output pieces (a loop
        iteration, an include, a `{{ }}` value) are joined _BATCH at a time, in C: memory stays within the
        limit plus one batch, and a small render costs one batch, the same as joining it whole."""
        joined: list[str] = []
        size = 0
        while True:
            batch = list(islice(events, _BATCH))
            text = "".join(batch)
            size += len(text)
            if size > limit:
                message = f"{self.name}@{self.version}: render output is over the limit of"
                raise RenderError(
                    f"{message} {self.max_render_chars} characters (max_render_chars)", "too_large"
                )
            if len(batch) < _BATCH:
                return "".join([*joined, text]) if joined else text
            joined.append(text)

    def render_sample(self) -> Rendered:
        return self.render(**self.sample)


def parse_template(document: PromptDocument, environment: Any) -> nodes.Template:
    """The Jinja AST of the body, with line numbers of the file; PG102 on a syntax error."""
    try:
        return environment.parse(document.template_source, name=document.path)
    except TemplateSyntaxError as exc:
        raise PromptSyntaxError(
            document.path, exc.lineno or 1, 1, "PG102", f"Jinja syntax: {exc.message}"
        ) from None
    except RecursionError:  # {{ ((((...)))) }} thousands deep: hostile input, not a crash
        line = document.front.body_line
        raise PromptSyntaxError(document.path, line, 1, "PG102", "template is nested too deeply") from None


def compile_document(
    document: PromptDocument,
    environment: Any,
    *,
    commit: str | None = None,
    blob_sha: str | None = None,
    ast: nodes.Template | None = None,
    chat: bool | None = None,
) -> Prompt:
    """Compile a parsed document in `environment` (see templating.make_environment).

    `ast`: the body already parsed by parse_template in the same environment, so a caller that inspects
    the AST (the validator) parses once; compiling may rewrite it, so inspect it first. `chat`: whether
    it has message blocks, when that caller already knows (it saves a walk of the AST).
    """
    prompt, _code = compile_prompt(
        document, environment, commit=commit, blob_sha=blob_sha, ast=ast, chat=chat
    )
    return prompt


def compile_prompt(
    document: PromptDocument,
    environment: Any,
    *,
    commit: str | None = None,
    blob_sha: str | None = None,
    ast: nodes.Template | None = None,
    chat: bool | None = None,
) -> tuple[Prompt, CodeType]:
    """compile_document, also returning the template's Python code (the loader keeps it on disk)."""
    ast = ast if ast is not None else parse_template(document, environment)
    try:  # without the word `message` in the source there is no block: the AST walk is skipped
        chat = ("message" in document.front.body and is_chat(ast)) if chat is None else chat
        code = compile_ast(document, environment, ast)
    except (RecursionError, MemoryError, SyntaxError):  # `{{ x|upper|upper...}}` 10,000 deep: walking
        # or compiling it recurses that deep, and Python's compiler refuses code nested so: not a crash
        where = (document.path, document.front.body_line, 1)
        raise PromptSyntaxError(*where, "PG102", "template is nested too deeply") from None
    prompt = prompt_from_code(
        document.name,
        document.path,
        document.metadata,
        document.front.body_line,
        environment,
        code,
        chat=chat,
        commit=commit,
        blob_sha=blob_sha,
    )
    return prompt, code


def compile_ast(document: PromptDocument, environment: Any, ast: nodes.Template) -> CodeType:
    """Python code of a parsed body (compiling may rewrite `ast`); PG102 on errors only the compiler finds."""
    try:
        return environment.compile(ast, document.path, document.path)
    except TemplateSyntaxError as exc:  # some checks (e.g. bad assignment targets) only run in the compiler
        raise PromptSyntaxError(
            document.path, exc.lineno or 1, 1, "PG102", f"Jinja syntax: {exc.message}"
        ) from None


def prompt_from_code(
    name: str,
    path: str,
    metadata: dict[str, Any],
    body_line: int,
    environment: Any,
    code: CodeType,
    *,
    chat: bool,
    commit: str | None = None,
    blob_sha: str | None = None,
) -> Prompt:
    """A Prompt from compiled template code (from compile_ast, or a cache of its results)."""
    # a plain dict, not Jinja's ChainMap over the environment's globals: every render copies the globals,
    # and copying a ChainMap in Python code is half the render time of a small template. Nothing changes
    # an environment's globals after make_environment, so the snapshot is the same mapping.
    globals_ = dict(environment.make_globals(None))
    template = environment.template_class.from_code(environment, code, globals_, None)
    return Prompt(
        name=name,
        version=str(metadata.get("version", "")),
        metadata=metadata,
        template=template,
        path=path,
        commit=commit,
        blob_sha=blob_sha,
        chat=chat,
        body_line=body_line,
    )
