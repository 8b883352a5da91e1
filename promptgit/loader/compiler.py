"""Prompt files of a commit to compiled, instrumented prompts; the template LRU and the disk cache.

A compiled template is keyed by its blob sha and prompt name. A template that includes or imports other
files also depends on the commit it was read from (its partials come from that same commit), so its key
adds the commit; a template without such tags is shared by every commit that holds the same blob.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import TemplateError

from promptgit.errors import PromptNotFoundError
from promptgit.format.prompt import Prompt, compile_prompt, parse_document, prompt_from_code
from promptgit.format.templating import make_environment, may_reference_templates
from promptgit.loader.caches import LRUCache
from promptgit.loader.diskcache import CompiledCache, CompiledEntry
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.loader_series import LoaderMetrics, LookupShard
from promptgit.sources.source import PromptSource, SourceFile
from promptgit.store.releases import release_tag

TemplateKey = tuple[str, str | None, str]  # blob sha, commit of its partials (or None), prompt name
_MAX_ENVIRONMENTS = 64
_MAX_PARTIALS = 256  # partial texts remembered per commit's environment


def check_release_version(name: str, version: str, declared: str, path: str) -> None:
    """A release is served only as what its file says: a tag `v1.2.0` on a commit whose file declares
    1.1.0 (tagged by hand on the wrong commit) is refused, not served as 1.2.0 (issue 21.16)."""
    if str(declared) != version:
        raise PromptNotFoundError(
            f"{name}@{version}: tag {release_tag(name, version)} points at a commit whose {path} says "
            f"version {declared}; not served as {version} (a release's file carries its version)"
        )


class Compiler:
    """Compiles prompts read from immutable sources (commits), reusing compiled templates by blob sha
    (thread-safe)."""

    def __init__(
        self,
        metrics: LoaderMetrics,
        templates: LRUCache[TemplateKey, LoadedPrompt],
        count_tokens_every: int = 1,
        disk: CompiledCache | None = None,
        max_render_chars: int | None = None,
        lookups: LookupShard | None = None,
    ) -> None:
        self.max_render_chars = max_render_chars
        self.disk = disk
        self.metrics = metrics
        self.templates = templates
        self.count_tokens_every = count_tokens_every
        self._environments: LRUCache[str, object] = LRUCache(_MAX_ENVIRONMENTS)
        # template lookups are counted in the Repository's shard of the metrics (its stats() reads them)
        self.lookups = lookups or metrics.lookups.shard()

    def release(self, source: PromptSource, name: str, version: str) -> LoadedPrompt:
        """Prompt `name` of `source`, the commit a release tag of `version` points at."""
        commit = source.commit
        assert commit is not None, "a release is read from a commit"
        found = source.read_prompt(name)
        if found is None:
            raise PromptNotFoundError(
                f"{name}@{version}: {source.prompt_path(name)} is missing in tagged commit {commit[:12]}"
            )
        # the name too: two prompts with the same file content are still two prompts (name, metrics)
        key: TemplateKey = (found.blob_sha, commit if may_reference_templates(found.data) else None, name)
        cached = self.templates.get(key)
        if cached is not None:
            self._counted(hit=True)
            check_release_version(name, version, cached.version, source.prompt_path(name))
            # a blob shared by several commits: the same compiled template, reported with this commit
            return cached if cached.commit == commit else dataclasses.replace(cached, commit=commit)
        self._counted(hit=False)
        environment = self._environment(source if key[1] is not None else None)
        prompt, template_source = self._compile(name, found, environment, commit, key[1])
        check_release_version(name, version, prompt.version, source.prompt_path(name))
        if key[1] is not None:
            preload_includes(environment, template_source)
        loaded = LoadedPrompt.wrap(
            prompt, self.metrics, "git", self.count_tokens_every, self.max_render_chars
        )
        self.templates.put(key, loaded)
        return loaded

    def _compile(
        self, name: str, found: SourceFile, environment: Any, commit: str, partials_from: str | None
    ) -> tuple[Prompt, str]:
        """The compiled prompt and its template source: from the disk cache if it has them, else compiled
        (front matter, Jinja parse, code generation) and stored there."""
        path, blob_sha = found.path, found.blob_sha
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
        document = parse_document(name, path, found.data)
        prompt, code = compile_prompt(document, environment, commit=commit, blob_sha=blob_sha)
        if self.disk is not None and disk_key is not None:
            entry = CompiledEntry(
                document.metadata, document.front.body_line, prompt.chat, document.template_source, code
            )
            self.disk.put(disk_key, entry)
        return prompt, document.template_source

    def _environment(self, source: PromptSource | None) -> object:
        """One sandboxed environment per commit whose partials are used; one shared for the rest."""
        cache_key = (source.commit or "") if source is not None else ""
        environment = self._environments.get(cache_key)
        if environment is None:
            if source is None:
                environment = make_environment(lambda relative: None)
            else:
                # a commit's partials never change: each is read once, however often it is looked up
                environment = make_environment(
                    functools.lru_cache(maxsize=_MAX_PARTIALS)(source.read_partial)
                )
            self._environments.put(cache_key, environment)
        return environment

    def _counted(self, hit: bool) -> None:
        self.lookups.lookup("template", hit)


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
