"""A local bare mirror of a remote prompt repository, so many service replicas can follow one git server."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from promptgit.errors import GitError

if TYPE_CHECKING:
    import git

# git's remote helpers that run commands (`ext::sh -c ...`) or use inherited file descriptors (`fd::3`):
# a URL from configuration must never run a program; GitPython refuses them too, with its own exception
_UNSAFE_PROTOCOL = re.compile(r"^\s*(ext|fd)::", re.IGNORECASE)
MAX_URL_LENGTH = 2048


def check_url(url: object) -> str:
    """`url` if it is one we clone; GitError for an unsafe protocol, a control character or a huge URL."""
    if not isinstance(url, str) or not url.strip():
        raise GitError("cannot clone: the URL is empty or not a string")
    shown = url if len(url) <= 100 else f"{url[:80]}... ({len(url)} characters)"
    if len(url) > MAX_URL_LENGTH:
        raise GitError(f"cannot clone {shown!r}: URL longer than {MAX_URL_LENGTH} characters")
    if any(ord(character) < 32 for character in url):
        raise GitError(f"cannot clone {shown!r}: control character in the URL")
    if _UNSAFE_PROTOCOL.match(url) or url.lstrip().startswith("-"):
        raise GitError(f"cannot clone {shown!r}: unsafe protocol (ext:: and fd:: run commands)")
    return url


def mirror_path(url: str, cache_dir: str | Path) -> Path:
    """Where the mirror of `url` lives under `cache_dir`: a readable name plus a hash of the full URL."""
    tail = re.sub(r"[^A-Za-z0-9_.-]+", "-", url.rstrip("/").rsplit("/", 1)[-1]).strip("-")[:64] or "repo"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return Path(cache_dir) / f"{tail.removesuffix('.git')}-{digest}.git"


class Mirror:
    """`git clone --mirror` of `url` under `cache_dir`, brought up to date by `fetch()`."""

    def __init__(self, url: str, cache_dir: str | Path) -> None:
        self.url = check_url(url)
        self.path = mirror_path(url, cache_dir)
        self._lock = threading.Lock()

    def exists(self) -> bool:
        return (self.path / "HEAD").is_file()

    def clone(self) -> None:
        """Make the mirror; GitError when the remote cannot be cloned."""
        import git  # GitPython (40 ms to import) only when a clone or fetch runs

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # clone beside the target and rename: a crash or a concurrent replica never sees half a mirror
        staging = Path(tempfile.mkdtemp(prefix=".clone-", dir=self.path.parent))
        try:
            git.Repo.clone_from(self.url, staging / "mirror.git", mirror=True).close()  # checks protocols too
            try:
                os.rename(staging / "mirror.git", self.path)
            except OSError:
                if not (self.path / "HEAD").is_file():  # lost a race with another replica: theirs is fine
                    raise
        except git.GitCommandError as exc:
            raise GitError(f"cannot clone {self.url}: {_git_message(exc)}") from None
        except git.GitError as exc:  # GitPython's UnsafeProtocolError, UnsafeOptionError, ...
            raise GitError(f"cannot clone {self.url}: {exc}") from None
        except OSError as exc:
            raise GitError(f"cannot clone {self.url} into {self.path}: {exc.strerror}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def fetch(self) -> None:
        """Fetch every ref (branches, tags; deleted ones pruned) from the remote; GitError on failure."""
        import git

        with self._lock:
            try:
                repo = git.Repo(self.path)
            except (git.GitError, OSError) as exc:
                raise GitError(f"{self.path}: mirror is missing or corrupt: {exc}") from None
            try:
                repo.git.fetch("--prune", "--quiet", "origin")
            except git.GitCommandError as exc:
                raise GitError(f"cannot fetch {self.url}: {_git_message(exc)}") from None
            finally:
                repo.close()


def _git_message(exc: git.GitCommandError) -> str:
    """What git said, in one line: its fatal/error lines (the cause), else every line it printed."""
    text = exc.stderr if isinstance(exc.stderr, str) else ""
    text = text.strip().removeprefix("stderr:").strip().strip("'")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return "; ".join(causes or lines) or f"git exited with {exc.status}"


def default_cache_dir() -> Path:
    """Where Repository.clone keeps mirrors by default: $XDG_CACHE_HOME/promptgit/mirrors (~/.cache/...)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "promptgit" / "mirrors"


def open_mirror(url: str, cache_dir: str | os.PathLike[str] | None) -> tuple[Mirror, GitError | None]:
    """The mirror of `url`, cloned if there is none yet (GitError when that fails), else fetched; a failed
    fetch is returned beside the mirror, which is used as it is (the caller counts and logs it)."""
    mirror = Mirror(url, Path(cache_dir) if cache_dir is not None else default_cache_dir())
    if not mirror.exists():
        mirror.clone()
        return mirror, None
    try:
        mirror.fetch()
    except GitError as exc:
        return mirror, exc
    return mirror, None
