"""The adoption commands of the README and docs, run literally in a fresh consumer repository.

Every fenced `sh` block right after an `<!-- adoption-test -->` line, in README.md then docs/*.md, is run in
one bash (`-e -o pipefail`: a failing command fails the test), in order, from an empty directory, with a
virtualenv first on PATH as a user would have activated it. `PROMPTGIT_REPO` / `PROMPTGIT_REF` (which the
README asks the reader to set) point at a git repository holding this working tree, so `pip install`
installs this promptgit from git and `init --ci github` pins what pip recorded; pre-commit then builds the
hook environment from that pin. Installs from the package index, like a user's: about a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import git
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- adoption-test -->"
BLOCK = re.compile(re.escape(MARKER) + r"\n```sh\n(.*?)\n```", re.S)
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def adoption_blocks() -> list[tuple[str, str]]:
    """(file, block) for each designated block; a marker not followed by an sh block is an error."""
    found = []
    for path in DOCS:
        text = path.read_text("utf-8")
        blocks = BLOCK.findall(text)
        assert len(blocks) == text.count(MARKER), (
            f"{path.name}: a {MARKER} line without a ```sh block after it"
        )
        found += [(path.relative_to(REPO_ROOT).as_posix(), block) for block in blocks]
    return found


def source_repository(target: Path) -> str:
    """A git repository holding this working tree as one commit (uncommitted edits included); its sha."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    repo = git.Repo.init(target)
    repo.git.add(A=True)
    repo.git.commit("-m", "promptgit under test", "--no-verify", "-q")
    return repo.head.commit.hexsha


def test_blocks_are_designated_in_the_readme_and_docs() -> None:
    files = [name for name, _ in adoption_blocks()]
    assert files == ["README.md", "docs/github-actions.md", "docs/testing.md"]


def test_the_adoption_commands_work_literally(tmp_path: Path) -> None:
    source = tmp_path / "promptgit-source"
    commit = source_repository(source)
    # with a host: the pip of Python 3.10 and 3.11 (packaging < 22) refuses `git+file:///` as a URL
    url = source.as_uri().replace("file://", "file://localhost", 1)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    work = tmp_path / "work"
    work.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    script = "\n".join(f"# --- {name}\n{block}" for name, block in adoption_blocks())
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "VIRTUAL_ENV": str(venv),
        "HOME": str(home),
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "Adopter",
        "GIT_AUTHOR_EMAIL": "adopter@example.com",
        "GIT_COMMITTER_NAME": "Adopter",
        "GIT_COMMITTER_EMAIL": "adopter@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "PROMPTGIT_REPO": url,
        "PROMPTGIT_REF": commit,
    }

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    consumer = work / "my-prompts"
    pin = f"py-promptgit @ git+{url}@{commit}"
    hooks = yaml.safe_load((consumer / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert hooks[0]["additional_dependencies"] == [pin]
    for workflow in ("prompts.yml", "release-prompts.yml"):
        assert yaml.safe_load((consumer / ".github/workflows" / workflow).read_text())["env"] == {
            "PROMPTGIT_REQUIREMENT": pin
        }
    # pre-commit ran promptgit's hook on `git commit`, in the environment it built from the pin
    assert re.search(r"^promptgit\.+Passed$", done.stdout + done.stderr, re.M), done.stdout + done.stderr
    repo = git.Repo(consumer)
    assert [tag.name for tag in repo.tags] == ["prompts/examples/summarize/v0.1.0"]
    assert repo.head.commit.message.strip() == "Promote examples/summarize 0.1.0"
    rendered = json.loads(done.stdout[done.stdout.index('{\n  "name"') :].split("\n}\n", 1)[0] + "\n}")
    assert rendered["name"] == "examples/summarize"
    assert (rendered["version"], rendered["commit"]) == ("0.1.0", repo.tags[0].commit.hexsha)
    assert [message["role"] for message in rendered["messages"]] == ["system", "user"]
