"""Prompt files from git (or the working tree) to compiled, instrumented prompts; the template LRU.

A compiled template is keyed by its blob sha and prompt name. A template that includes or imports other
files also depends on the commit it was read from (its partials come from that same commit), so its key
adds the commit; a template without such tags is shared by every commit that holds the same blob.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import threading
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import TemplateError

from promptgit.config import Config
from promptgit.errors import PromptNotFoundError, PromptSyntaxError, did_you_mean
from promptgit.format.prompt import (
    Prompt,
    compile_document,
    compile_prompt,
    parse_document,
    prompt_from_code,
)
from promptgit.format.templating import make_environment, may_reference_templates
from promptgit.loader.caches import LRUCache
from promptgit.loader.diskcache import CompiledCache, CompiledEntry
from promptgit.loader.loaded import LoadedPrompt
from promptgit.loader.metrics import LoaderMetrics
from promptgit.store.files import read_contained
from promptgit.store.gitstore import GitStore
from promptgit.store.releases import release_tag
from promptgit.store.workspace import read_partial_in

TemplateKey = tuple[str, str | None, str]  # blob sha, commit of its partials (or None), prompt name
_MAX_ENVIRONMENTS = 64


def check_release_version(name: str, version: str, declared: str, path: str) -> None:
    """A release is served only as what its file says: a tag `v1.2.0` on a commit whose file declares
    1.1.0 (tagged by hand on the wrong commit) is refused, not served as 1.2.0 (issue 21.16)."""
    if str(declared) != version:
        raise PromptNotFoundError(
            f"{name}@{version}: tag {release_tag(name, version)} points at a commit whose {path} says "
            f"version {declared}; not served as {version} (a release's file carries its version)"
        )


class Compiler:
    """Compiles prompts read from `store`, reusing compiled templates by blob sha (thread-safe)."""

    def __init__(
        self,
        store: GitStore,
        metrics: LoaderMetrics,
        templates: LRUCache[TemplateKey, LoadedPrompt],
        count_tokens_every: int = 1,
        max_file_bytes: int | None = None,
        disk: CompiledCache | None = None,
        max_render_chars: int | None = None,
    ) -> None:
        self.store = store
        self.max_render_chars = max_render_chars
        self.disk = disk
        self.max_file_bytes = max_file_bytes
        self.metrics = metrics
        self.templates = templates
        self.count_tokens_every = count_tokens_every
        self._environments: LRUCache[str, object] = LRUCache(_MAX_ENVIRONMENTS)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def release(self, name: str, version: str, commit: str) -> LoadedPrompt:
        """The prompt `name` as it is in `commit` (the commit a release tag points at)."""
        found = self.store.read_prompt(commit, name)
        if found is None:
            raise PromptNotFoundError(
                f"{name}@{version}: {self.store.prompt_path(name)} is missing in tagged commit {commit[:12]}"
            )
        data, blob_sha = found
        if self.max_file_bytes is not None and len(data) > self.max_file_bytes:
            raise PromptSyntaxError(
                self.store.prompt_path(name),
                1,
                1,
                "PG104",
                f"file is {len(data)} bytes, over max_file_bytes ({self.max_file_bytes})",
            )
        # the name too: two prompts with the same file content are still two prompts (name, metrics)
        key: TemplateKey = (blob_sha, commit if may_reference_templates(data) else None, name)
        cached = self.templates.get(key)
        if cached is not None:
            self._counted(hit=True)
            check_release_version(name, version, cached.version, self.store.prompt_path(name))
            # a blob shared by several commits: the same compiled template, reported with this commit
            return cached if cached.commit == commit else dataclasses.replace(cached, commit=commit)
        self._counted(hit=False)
        environment = self._environment(key[1])
        prompt, template_source = self._compile(name, data, environment, commit, blob_sha, key[1])
        check_release_version(name, version, prompt.version, self.store.prompt_path(name))
        if key[1] is not None:
            preload_includes(environment, template_source)
        loaded = LoadedPrompt.wrap(
            prompt, self.metrics, "git", self.count_tokens_every, self.max_render_chars
        )
        self.templates.put(key, loaded)
        return loaded

    def worktree(self, name: str) -> LoadedPrompt:
        """`name@worktree` with this compiler's bounds (see worktree_prompt)."""
        return worktree_prompt(self.store, name, self.metrics, self.max_file_bytes, self.max_render_chars)

    def _compile(
        self, name: str, data: bytes, environment: Any, commit: str, blob_sha: str, partials_from: str | None
    ) -> tuple[Prompt, str]:
        """The compiled prompt and its template source: from the disk cache if it has them, else compiled
        (front matter, Jinja parse, code generation) and stored there."""
        path = self.store.prompt_path(name)
        disk_key = None
        if self.disk is not None:
            disk_key = self.disk.key(environment, path, blob_sha, partials_from)
            entry = self.disk.get(disk_key)
            if entry is not None:
                prompt = prompt_from_code(
                    name,
                    path,
                    entry.metadata,
                    entry.body_line,
                    environment,
                    entry.code,
                    chat=entry.chat,
                    commit=commit,
                    blob_sha=blob_sha,
                )
                return prompt, entry.template_source
        document = parse_document(name, path, data)
        prompt, code = compile_prompt(document, environment, commit=commit, blob_sha=blob_sha)
        if self.disk is not None and disk_key is not None:
            entry = CompiledEntry(
                document.metadata, document.front.body_line, prompt.chat, document.template_source, code
            )
            self.disk.put(disk_key, entry)
        return prompt, document.template_source

    def _environment(self, commit: str | None) -> object:
        """One sandboxed environment per commit whose partials are used; one shared for the rest."""
        cache_key = commit or ""
        environment = self._environments.get(cache_key)
        if environment is None:
            store = self.store
            if commit is None:
                environment = make_environment(lambda relative: None)
            else:
                environment = make_environment(lambda relative: store.read_partial(commit, relative))
            self._environments.put(cache_key, environment)
        return environment

    def _counted(self, hit: bool) -> None:
        self.metrics.lookups.lookup("template", hit)
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1


def preload_includes(environment: Any, source: str) -> None:
    """Load every statically named include now, into the environment's cache, so that rendering a prompt
    later never needs git (the repository may be gone by then: last-known-good must still render)."""
    pending = [source]
    seen: set[str] = set()
    while pending:
        try:
            names = meta.find_referenced_templates(environment.parse(pending.pop()))
        except TemplateSyntaxError:
            continue  # reported when the template itself is rendered
        for name in names:
            if name is None or name in seen:
                continue
            seen.add(name)
            try:
                environment.get_template(name)
            except TemplateError:
                continue  # a missing partial is an error at render time, with the prompt's name on it
            partial = environment.loader.get_source(environment, name)[0]
            pending.append(partial)


def worktree_prompt(
    store: GitStore,
    name: str,
    metrics: LoaderMetrics,
    max_file_bytes: int | None = None,
    max_render_chars: int | None = None,
) -> LoadedPrompt:
    """`name@worktree`: the file as it is on disk now, with partials from disk; compiled on every call.

    Read through the contained reader (store/files.py): a regular file inside the repository, at most
    `max_file_bytes`; a symlinked directory out of the repository, a FIFO or a device is refused.
    """
    if store.root.name.endswith(".git") or not (store.root / ".git").exists():
        raise PromptNotFoundError(f"{name}@worktree: {store.root} has no working tree (a bare repository)")
    limit = max_file_bytes if max_file_bytes is not None else Config().max_file_bytes
    root = store.root.resolve()
    prompts = (root / store.prompts_dir).resolve()
    relative = store.prompt_path(name)
    path = root / relative
    if not os.path.lexists(path):
        names = store.worktree_names()
        raise PromptNotFoundError(
            f"{name}@worktree: no file {relative} in {store.root} "
            f"({did_you_mean(name, names, 'prompts in the working tree')})"
        )
    data = read_contained(path, relative, limit, root)
    blob_sha = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    document = parse_document(name, relative, data)
    read_partial = functools.partial(read_partial_in, prompts, max_bytes=limit)
    prompt = compile_document(document, make_environment(read_partial), blob_sha=blob_sha)
    return LoadedPrompt.wrap(prompt, metrics, "worktree", max_render_chars=max_render_chars)
