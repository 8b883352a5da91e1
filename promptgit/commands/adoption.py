"""What `promptgit init --ci github` writes into a consumer repository, pinned to this promptgit.

The pin is the requirement pip would reinstall exactly this promptgit from: `py-promptgit==X.Y.Z` when it
came from an index, `py-promptgit @ git+URL@COMMIT` when it came from git (pip records where a distribution
came from in its `direct_url.json`, PEP 610). A promptgit installed from a local directory has no pin CI
could reach, so `--requirement` must say one.
"""

from __future__ import annotations

import json
from importlib import metadata

from promptgit.errors import ConfigError
from promptgit.resources import data_text

DISTRIBUTION = "py-promptgit"  # `promptgit` on PyPI is an unrelated project; import name and command stay
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
PR_WORKFLOW = ".github/workflows/prompts.yml"
RELEASE_WORKFLOW = ".github/workflows/release-prompts.yml"
# the templates in promptgit/data: (file written, template)
CI_TEMPLATES = (
    (PRE_COMMIT_CONFIG, "ci_pre-commit-config.yaml"),
    (PR_WORKFLOW, "ci_prompts.yml"),
    (RELEASE_WORKFLOW, "ci_release.yml"),
)


def installed_requirement() -> str:
    """The pip requirement that installs this very promptgit again; ConfigError when there is none."""
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ConfigError(
            f"promptgit is not installed as the {DISTRIBUTION} distribution (run from a source tree?); "
            f"pass --requirement, e.g. --requirement '{DISTRIBUTION} @ git+https://github.com/OWNER/REPO@REF'"
        ) from None
    recorded = distribution.read_text("direct_url.json")
    if recorded is None:  # from an index
        return f"{DISTRIBUTION}=={distribution.version}"
    direct = json.loads(recorded)
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and vcs.get("commit_id"):
        subdirectory = f"#subdirectory={direct['subdirectory']}" if direct.get("subdirectory") else ""
        return f"{DISTRIBUTION} @ git+{url}@{vcs['commit_id']}{subdirectory}"
    if "archive_info" in direct and not url.startswith("file:"):
        return f"{DISTRIBUTION} @ {url}"
    raise ConfigError(
        f"promptgit was installed from {url}, which CI cannot install from; pass --requirement, e.g. "
        f"--requirement '{DISTRIBUTION} @ git+https://github.com/OWNER/REPO@COMMIT' (or install promptgit "
        "from git or an index first)"
    )


def ci_files(requirement: str, prompts_dir: str) -> list[tuple[str, str]]:
    """(path, text) of the pre-commit config and the two workflows, each pinned to `requirement`."""
    if not requirement.strip() or "\n" in requirement:
        raise ConfigError(f"--requirement {requirement!r}: expected one pip requirement")
    quoted = json.dumps(requirement)  # a YAML double-quoted scalar: '@', ':' and '#' stay literal
    return [
        (
            path,
            data_text(template)
            .replace('"@PROMPTGIT_REQUIREMENT@"', quoted)
            .replace("@PROMPTS_DIR@", prompts_dir.strip("/")),
        )
        for path, template in CI_TEMPLATES
    ]


def merge_pre_commit_config(existing: str, ours: str) -> str:
    """`existing` (a repository's .pre-commit-config.yaml) with promptgit's `repo: local` entry appended to
    its `repos:` list and `default_install_hook_types` added when absent; the existing text is kept byte
    for byte (comments included), so the change is an append a reviewer reads at a glance. ConfigError
    when the file already has promptgit's hooks, or when `repos:` is not its last key (no append can
    extend it then)."""
    import yaml

    try:
        root = yaml.compose(existing, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{PRE_COMMIT_CONFIG} is not valid YAML: {exc}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{PRE_COMMIT_CONFIG} is not a mapping; add promptgit's hooks by hand")
    keys = {str(key.value): value for key, value in root.value}
    repos = keys.get("repos")
    ids = {
        str(hook.get("id"))
        for repo in (yaml.safe_load(existing).get("repos") or [])
        for hook in repo.get("hooks") or []
    }
    if {"promptgit", "promptgit-push", "promptgit-validate"} & ids:
        raise ConfigError(f"{PRE_COMMIT_CONFIG} already has promptgit's hooks; refusing to add them twice")
    entry = ours[ours.index("  - repo: local") :]
    if not isinstance(repos, yaml.SequenceNode) or not repos.value or root.value[-1][1] is not repos:
        raise ConfigError(
            f"{PRE_COMMIT_CONFIG}: `repos:` is not a block list at the end of the file; add this entry to it "
            f"by hand:\n{entry}"
        )
    indent = max(repos.value[0].start_mark.column - 2, 0)
    lines = [(" " * indent + line[2:]) if line.strip() else line for line in entry.splitlines()]
    merged = existing if existing.endswith("\n") else existing + "\n"
    merged += "  # promptgit's hooks, added by `promptgit init --ci github`\n".replace("  ", " " * indent, 1)
    merged += "\n".join(lines) + "\n"
    if "default_install_hook_types" not in keys:
        merged += "default_install_hook_types: [pre-commit, pre-push]\n"
    return merged
