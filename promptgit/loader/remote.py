"""A local bare mirror of a remote prompt repository, so many service replicas can follow one git server.

A clone URL may carry a password or token (`https://bot:TOKEN@host/prompts.git`): it is shown only as
`redacted_url` in every message and log, the mirror's directory is named from the host and path (never
the credentials), and the mirror is private to its owner (git keeps the URL in its config to fetch).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

from promptgit.errors import GitError

if TYPE_CHECKING:
    import git

# git's remote helpers that run commands (`ext::sh -c ...`) or use inherited file descriptors (`fd::3`):
# a URL from configuration must never run a program; GitPython refuses them too, with its own exception
_UNSAFE_PROTOCOL = re.compile(r"^\s*(ext|fd)::", re.IGNORECASE)
MAX_URL_LENGTH = 2048


def redacted_url(url: str) -> str:
    """`url` with the secret of its user part as `***`: `http://bot:***@host/p.git`; a lone user name
    of an http(s) URL is a token too (`https://***@github.com/o/r.git`). Other URLs are returned as they are.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url  # a path, or scp-like `git@host:path` (its user is a login, never a secret)
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    user_part, at, host = authority.rpartition("@")  # the last @: a password may hold an unescaped one
    if not at:
        return url
    user, colon, _password = user_part.partition(":")
    if colon:
        shown_user = f"{user}:***"
    elif scheme.lower() in ("http", "https"):
        shown_user = "***"
    else:
        return url
    return f"{scheme}://{shown_user}@{host}{rest[end:]}"


def _secrets_of(url: str) -> list[str]:
    """The password (or token user) of `url` in the forms git may print it: as written and unescaped."""
    _scheme, separator, rest = url.partition("://")
    user_part, at, _host = rest.split("/", 1)[0].rpartition("@")
    if not separator or not at:
        return []
    user, colon, password = user_part.partition(":")
    secret = password if colon else user
    if not secret or redacted_url(url) == url:
        return []
    return sorted({secret, urllib.parse.unquote(secret)}, key=len, reverse=True)


def scrubbed(text: str, url: str) -> str:
    """`text` (git's own message, an exception) with `url`'s secret replaced, wherever it appears."""
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return text


def check_url(url: object) -> str:
    """`url` if it is one we clone; GitError for an unsafe protocol, a control character or a huge URL."""
    if not isinstance(url, str) or not url.strip():
        raise GitError("cannot clone: the URL is empty or not a string")
    safe = scrubbed(redacted_url(url), url)
    shown = safe if len(safe) <= 100 else f"{safe[:80]}... ({len(url)} characters)"
    if len(url) > MAX_URL_LENGTH:
        raise GitError(f"cannot clone {shown!r}: URL longer than {MAX_URL_LENGTH} characters")
    if any(ord(character) < 32 for character in url):
        raise GitError(f"cannot clone {shown!r}: control character in the URL")
    if _UNSAFE_PROTOCOL.match(url) or url.lstrip().startswith("-"):
        raise GitError(f"cannot clone {shown!r}: unsafe protocol (ext:: and fd:: run commands)")
    return url


def mirror_path(url: str, cache_dir: str | Path) -> Path:
    """Where the mirror of `url` lives under `cache_dir`: named from its host and path (a readable tail,
    the host, a hash of scheme, host and path), never from its credentials, so rotating a password keeps
    the mirror and no part of a secret is written in a directory name."""
    location = _without_credentials(url)
    tail = re.sub(r"[^A-Za-z0-9_.-]+", "-", location.rstrip("/").rsplit("/", 1)[-1]).strip("-")[:64]
    host = urllib.parse.urlsplit(location).hostname if "://" in location else None
    readable = "-".join(part for part in ((tail or "repo").removesuffix(".git"), host) if part)
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:12]
    return Path(cache_dir) / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', readable)[:100]}-{digest}.git"


def _without_credentials(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return f"{scheme}://{rest[:end].rpartition('@')[2]}{rest[end:]}"


class Mirror:
    """`git clone --mirror` of `url` under `cache_dir`, brought up to date by `fetch()`."""

    def __init__(self, url: str, cache_dir: str | Path) -> None:
        self.url = check_url(url)
        self.shown_url = redacted_url(url)  # for every message and log: never the password
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
            os.chmod(staging / "mirror.git", 0o700)  # its config holds the URL, password and all
            try:
                os.rename(staging / "mirror.git", self.path)
            except OSError:
                if not (self.path / "HEAD").is_file():  # lost a race with another replica: theirs is fine
                    raise
        except git.GitCommandError as exc:
            raise GitError(f"cannot clone {self.shown_url}: {self._said(_git_message(exc))}") from None
        except git.GitError as exc:  # GitPython's UnsafeProtocolError, UnsafeOptionError, ...
            raise GitError(f"cannot clone {self.shown_url}: {self._said(str(exc))}") from None
        except OSError as exc:
            raise GitError(f"cannot clone {self.shown_url} into {self.path}: {exc.strerror}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def fetch(self) -> None:
        """Fetch every ref (branches, tags; deleted ones pruned) from the remote; GitError on failure."""
        import git

        with self._lock:
            try:
                repo = git.Repo(self.path)
            except (git.GitError, OSError) as exc:
                raise GitError(f"{self.path}: mirror is missing or corrupt: {self._said(str(exc))}") from None
            try:
                repo.git.fetch("--prune", "--quiet", "origin")
            except git.GitCommandError as exc:
                raise GitError(f"cannot fetch {self.shown_url}: {self._said(_git_message(exc))}") from None
            finally:
                repo.close()

    def _said(self, text: str) -> str:
        """What git or GitPython said, without the URL's secret (git prints the URL in some errors)."""
        return scrubbed(text, self.url)


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
