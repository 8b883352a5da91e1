"""Every series promptgit exports, in one table: the naming scheme, and what docs/observability.md lists.

The scheme: `promptgit_<part>_<what>[_<unit>]`, one part per job, so that a name says where it comes from:

- `promptgit_loader_*`: the runtime loader (get, render, its caches, the commits it serves);
- `promptgit_llm_*`: the call path, provider calls only where it says so;
- `promptgit_response_cache_*`: the response cache (lookups, what hits saved, backend faults);
- `promptgit_outcome_*`: outcomes an application records for a prompt version;
- `promptgit_build_info`: the one series of the process itself.

Counters are listed without `_total` (prometheus_client adds it); units are the last word (`_seconds`,
`_usd`). Every collector builds its families from this table, `tests/observability` checks that a
registry exposes exactly these, and that docs/observability.md lists each with the same type and labels.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """One metric family: its name (counters without `_total`), type, help text and label names."""

    name: str
    kind: str  # counter | gauge | histogram | summary
    help: str
    labels: tuple[str, ...] = ()

    def samples(self) -> tuple[str, ...]:
        """The sample names a scrape shows for this family."""
        if self.kind == "counter":
            return (f"{self.name}_total",)
        if self.kind == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        if self.kind == "summary":
            return (f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)


PROMPT_VERSION = ("prompt", "version")

# --- the process --------------------------------------------------------------------------------------
BUILD_INFO = Family(
    "promptgit_build_info", "gauge", "The promptgit library a replica runs (value 1)", ("version",)
)

# --- the loader ---------------------------------------------------------------------------------------
LOADER_LOADS = Family(
    "promptgit_loader_loads", "counter", "Prompts returned by get(), by where they came from", ("source",)
)
LOADER_CACHE_HITS = Family("promptgit_loader_cache_hits", "counter", "Loader cache hits", ("layer",))
LOADER_CACHE_MISSES = Family("promptgit_loader_cache_misses", "counter", "Loader cache misses", ("layer",))
LOADER_CACHE_ENTRIES = Family(
    "promptgit_loader_cache_entries", "gauge", "Entries held by the loader caches", ("layer",)
)
LOADER_CACHE_EVICTIONS = Family(
    "promptgit_loader_cache_evictions",
    "counter",
    "Entries the loader caches forgot to stay within their bounds (a rate above 0: bounds too small)",
    ("layer",),
)
LOADER_RESOLVE_DURATION = Family(
    "promptgit_loader_resolve_duration_seconds",
    "histogram",
    "Time for get() to turn a selector into a compiled prompt",
)
LOADER_RENDER_DURATION = Family(
    "promptgit_loader_render_duration_seconds",
    "histogram",
    "Time to validate inputs and render a prompt, failed or not",
    PROMPT_VERSION,
)
LOADER_RENDERS = Family("promptgit_loader_renders", "counter", "Successful renders", PROMPT_VERSION)
LOADER_RENDERED_TOKENS = Family(
    "promptgit_loader_rendered_tokens", "counter", "Estimated tokens of successful renders", PROMPT_VERSION
)
LOADER_RENDER_ERRORS = Family(
    "promptgit_loader_render_errors", "counter", "Failed renders, by reason", (*PROMPT_VERSION, "reason")
)
LOADER_REFRESH_FAILURES = Family(
    "promptgit_loader_refresh_failures", "counter", "Background or foreground git reads that failed"
)
LOADER_FALLBACKS = Family(
    "promptgit_loader_fallbacks",
    "counter",
    "Prompts served from last-known-good or from the fallback template",
    ("prompt", "kind"),
)
LOADER_SPLIT_UNAVAILABLE = Family(
    "promptgit_loader_split_unavailable",
    "counter",
    "Split assignments to a version that cannot be loaded, served by another version of the split",
    ("prompt", "label", "version"),
)
LOADER_SPLIT_ASSIGNMENTS = Family(
    "promptgit_loader_split_assignments",
    "counter",
    "Keys assigned to a version of a split, each counted once (a bounded memory of recent keys): "
    "the experiment report's traffic check",
    ("prompt", "label", "version"),
)
LOADER_LABEL_TAG_MISSING = Family(
    "promptgit_loader_label_tag_missing",
    "counter",
    "Label resolutions that met a label naming a release tag the repository lacks (served from "
    "last-known-good)",
    ("prompt", "label"),
)
LOADER_DISK_CACHE_REJECTS = Family(
    "promptgit_loader_disk_cache_rejects",
    "counter",
    "Compiled-prompt cache entries refused (untrusted owner or mode, bad signature): never run",
    ("reason",),
)
LOADER_COMMIT_INFO = Family(
    "promptgit_loader_commit_info",
    "gauge",
    "The commit a repository's ref resolved to at its last refresh (value 1)",
    ("ref", "commit"),
)
LOADER_LABEL_INFO = Family(
    "promptgit_loader_label_info",
    "gauge",
    "What each label serves at the served commit: one series per version, its weight in percent (value 1)",
    ("label", "prompt", "version", "weight"),
)

# --- the call path ------------------------------------------------------------------------------------
LLM_CALLS = Family(
    "promptgit_llm_calls",
    "counter",
    "complete() calls by outcome: ok, error, invalid_output (provider calls) and cached (cache hits)",
    ("prompt", "version", "model", "outcome"),
)
LLM_CALL_DURATION = Family(
    "promptgit_llm_call_duration_seconds", "histogram", "Latency of provider calls", ("prompt", "model")
)
LLM_TOKENS = Family(
    "promptgit_llm_tokens",
    "counter",
    "Tokens of provider calls by direction: input, output, cached (input from the provider's cache)",
    ("prompt", "model", "direction"),
)
LLM_COST = Family("promptgit_llm_cost_usd", "counter", "Cost in USD of provider calls", ("prompt", "model"))
LLM_UNPRICED = Family(
    "promptgit_llm_unpriced_calls",
    "counter",
    "Provider calls whose model has no price, so their cost is not in promptgit_llm_cost_usd_total",
    ("prompt", "model"),
)

# --- the response cache -------------------------------------------------------------------------------
RESPONSE_CACHE_HITS = Family(
    "promptgit_response_cache_hits",
    "counter",
    "Response cache lookups answered from the cache",
    PROMPT_VERSION,
)
RESPONSE_CACHE_MISSES = Family(
    "promptgit_response_cache_misses",
    "counter",
    "Response cache lookups that called upstream",
    PROMPT_VERSION,
)
RESPONSE_CACHE_TOKENS_SAVED = Family(
    "promptgit_response_cache_tokens_saved",
    "counter",
    "Input plus output tokens not spent thanks to cache hits",
    PROMPT_VERSION,
)
RESPONSE_CACHE_COST_SAVED = Family(
    "promptgit_response_cache_cost_saved_usd", "counter", "USD not spent thanks to cache hits", PROMPT_VERSION
)
RESPONSE_CACHE_ERRORS = Family(
    "promptgit_response_cache_errors",
    "counter",
    "Response cache backend faults absorbed by failing open",
    ("backend", "operation"),
)
RESPONSE_CACHE_BYPASSED = Family(
    "promptgit_response_cache_bypassed",
    "counter",
    "Response cache lookups that skipped the backend while backing off from a fault",
    ("backend",),
)
RESPONSE_CACHE_ENTRIES = Family(
    "promptgit_response_cache_entries", "gauge", "Entries held by the response cache backends", ("backend",)
)

# --- outcomes -----------------------------------------------------------------------------------------
OUTCOME_LABELS = ("prompt", "version", "outcome")
OUTCOME_RECORDED = Family(
    "promptgit_outcome_recorded", "counter", "Outcomes recorded by the application", OUTCOME_LABELS
)
OUTCOME_VALUE = Family(
    "promptgit_outcome_value", "summary", "Numeric outcomes (ratings, scores)", OUTCOME_LABELS
)
OUTCOME_VALUE_SQUARES = Family(
    "promptgit_outcome_value_squares", "counter", "Sum of the squares of numeric outcomes", OUTCOME_LABELS
)
OUTCOME_DROPPED = Family(
    "promptgit_outcome_dropped",
    "counter",
    "Outcomes not counted: for a prompt version the loader never served, past the cap of such versions",
    ("reason",),
)

FAMILIES: tuple[Family, ...] = (
    BUILD_INFO,
    LOADER_LOADS,
    LOADER_CACHE_HITS,
    LOADER_CACHE_MISSES,
    LOADER_CACHE_ENTRIES,
    LOADER_CACHE_EVICTIONS,
    LOADER_RESOLVE_DURATION,
    LOADER_RENDER_DURATION,
    LOADER_RENDERS,
    LOADER_RENDERED_TOKENS,
    LOADER_RENDER_ERRORS,
    LOADER_REFRESH_FAILURES,
    LOADER_FALLBACKS,
    LOADER_SPLIT_UNAVAILABLE,
    LOADER_SPLIT_ASSIGNMENTS,
    LOADER_LABEL_TAG_MISSING,
    LOADER_DISK_CACHE_REJECTS,
    LOADER_COMMIT_INFO,
    LOADER_LABEL_INFO,
    LLM_CALLS,
    LLM_CALL_DURATION,
    LLM_TOKENS,
    LLM_COST,
    LLM_UNPRICED,
    RESPONSE_CACHE_HITS,
    RESPONSE_CACHE_MISSES,
    RESPONSE_CACHE_TOKENS_SAVED,
    RESPONSE_CACHE_COST_SAVED,
    RESPONSE_CACHE_ERRORS,
    RESPONSE_CACHE_BYPASSED,
    RESPONSE_CACHE_ENTRIES,
    OUTCOME_RECORDED,
    OUTCOME_VALUE,
    OUTCOME_VALUE_SQUARES,
    OUTCOME_DROPPED,
)

# every sample name promptgit exports; metrics/ (dashboards, alert rules) may use only these
METRIC_NAMES: frozenset[str] = frozenset(name for family in FAMILIES for name in family.samples())

# the bounded values of the labels that are not prompts, versions or models (docs/observability.md)
LOAD_SOURCES = ("cache", "git", "fallback")
CACHE_LAYERS = ("resolution", "template")
RENDER_ERROR_REASONS = ("invalid_inputs", "undefined", "unsafe", "template", "chat", "too_large")
FALLBACK_KINDS = ("last_known_good", "template")
DISK_CACHE_REJECT_REASONS = ("untrusted_directory", "untrusted_entry", "signature", "format")
LLM_OUTCOMES = ("ok", "error", "invalid_output", "cached")
LLM_DIRECTIONS = ("input", "output", "cached")
RESPONSE_CACHE_OPERATIONS = (
    "get",
    "set",
    "delete",
    "lock",
    "unlock",
    "count",
    "prune",
    "clear",
    "decode",
    "encode",
    "open",
)
OUTCOME_DROP_REASONS = ("unserved_over_cap",)

# the values a label can take, for the table in docs/observability.md: (family, label) -> values
LABEL_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    (LOADER_LOADS.name, "source"): LOAD_SOURCES,
    (LOADER_CACHE_HITS.name, "layer"): CACHE_LAYERS,
    (LOADER_CACHE_MISSES.name, "layer"): CACHE_LAYERS,
    (LOADER_CACHE_ENTRIES.name, "layer"): CACHE_LAYERS,
    (LOADER_CACHE_EVICTIONS.name, "layer"): CACHE_LAYERS,
    (LOADER_RENDER_ERRORS.name, "reason"): RENDER_ERROR_REASONS,
    (LOADER_FALLBACKS.name, "kind"): FALLBACK_KINDS,
    (LOADER_DISK_CACHE_REJECTS.name, "reason"): DISK_CACHE_REJECT_REASONS,
    (LLM_CALLS.name, "outcome"): LLM_OUTCOMES,
    (LLM_TOKENS.name, "direction"): LLM_DIRECTIONS,
    (RESPONSE_CACHE_ERRORS.name, "backend"): ("memory", "sqlite", "redis"),
    (RESPONSE_CACHE_ENTRIES.name, "backend"): ("memory", "sqlite", "redis"),
    (OUTCOME_DROPPED.name, "reason"): OUTCOME_DROP_REASONS,
}


def markdown_table() -> str:
    """The table of every series in docs/observability.md (tests/observability keeps the two equal)."""
    lines = ["| series | type | labels | meaning |", "|---|---|---|---|"]
    for family in FAMILIES:
        name = family.samples()[0] if family.kind == "counter" else family.name
        labels = ", ".join(
            f"{label} = {', '.join(values)}" if (values := LABEL_VALUES.get((family.name, label))) else label
            for label in family.labels
        )
        lines.append(f"| `{name}` | {family.kind} | {labels} | {family.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m promptgit.observability.catalogue: the table for the docs
    print(markdown_table(), end="")
