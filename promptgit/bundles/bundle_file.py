"""The bundle file: one canonical JSON document, its manifest, members and optional signature.

    {"manifest": {...}, "members": {blob sha: {"text": ...} | {"base64": ...}}, "signature": {...}}

- The manifest says what the bundle holds: the commit it was built from (and the ref given), the prompts
  directory and size bound, the prompt names at that commit, per release its name, semver, the commit its
  tag points at, the blob sha of the prompt file and of each partial it includes, and per member (a file's
  bytes, keyed by git's blob sha) its SHA-256 and size. The labels file and promptgit.yaml of the built
  commit are members too.
- Canonical JSON (sorted keys, no spaces, UTF-8, one trailing newline) and sorted lists: two builds of
  one commit are byte-identical, and a reader refuses a file that is not exactly the canonical encoding
  of what it parsed, so no byte can change without the reader seeing it.
- The signature (Ed25519, signing.py) covers the canonical manifest; the manifest covers every member by
  SHA-256 (and git's blob sha), so a signed manifest vouches for every byte served.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptgit.errors import BundleError
from promptgit.sources.source import git_blob_sha

FORMAT = 1
SIGNATURE_CONTEXT = b"promptgit-bundle-v1\0"  # signed with the manifest: a signature means this format


def canonical(value: Any) -> bytes:
    """The one encoding of a JSON value that builds and checks agree on."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_member(data: bytes) -> dict[str, str]:
    """A member as JSON: its text when it is UTF-8 (readable in a diff), else base64."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def encode_bundle(manifest: Mapping[str, Any], members: Mapping[str, bytes], signature: Any = None) -> bytes:
    document: dict[str, Any] = {
        "manifest": manifest,
        "members": {sha: encode_member(data) for sha, data in members.items()},
    }
    if signature is not None:
        document["signature"] = signature
    return canonical(document) + b"\n"


@dataclass(frozen=True)
class BundledRelease:
    """One release held by a bundle: the prompt file at its tagged commit and the partials it includes."""

    name: str
    version: str
    commit: str
    blob_sha: str
    partials: Mapping[str, str]  # path relative to the prompts directory -> blob sha


@dataclass(frozen=True)
class Bundle:
    """A bundle read and checked: what the loader serves (bundle_store.py) and `bundle verify` reports."""

    where: str  # the file it was read from, as messages name it
    digest: str  # SHA-256 of the whole file: which bundle is served
    commit: str
    ref: str
    prompts_dir: str
    max_file_bytes: int
    names: tuple[str, ...]
    releases: Mapping[str, Mapping[str, BundledRelease]]  # name -> version -> release
    files: Mapping[str, Mapping[str, str]]  # commit -> path relative to the prompts directory -> blob sha
    blobs: Mapping[str, bytes] = field(repr=False)
    config_sha: str | None
    signed: bool
    key_id: str | None = None  # which key signed it, when it was checked against one

    def blob(self, sha: str) -> bytes:
        return self.blobs[sha]


def parse_bundle(data: bytes, where: str, public_key: Any = None) -> Bundle:
    """Check and read a bundle file's bytes. BundleError naming `where` and the failing part when it is not
    a canonical promptgit bundle, a member does not match the manifest's hashes, or (with `public_key`, an
    Ed25519 public key from signing.load_public_key) the signature is missing or does not verify."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"{where}: not a promptgit bundle (not JSON: {exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("manifest"), dict):
        raise BundleError(f"{where}: not a promptgit bundle (no manifest)")
    if canonical(document) + b"\n" != data:
        raise BundleError(f"{where}: not the canonical encoding of its content (the file was changed)")
    manifest: dict[str, Any] = document["manifest"]
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{where}: bundle format {manifest.get('format')!r}, this promptgit reads {FORMAT}")
    signature = document.get("signature")
    key_id = None
    if public_key is not None:
        from promptgit.bundles.signing import verify_signature

        key_id = verify_signature(public_key, canonical(manifest), signature, where)
    elif signature is not None and not isinstance(signature, dict):
        raise BundleError(f"{where}: signature: not an object")
    blobs = _checked_members(manifest, document.get("members"), where)
    try:
        return _bundle(manifest, blobs, where, sha256(data), signature is not None, key_id)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleError(f"{where}: manifest: malformed ({type(exc).__name__}: {exc})") from None


def _checked_members(manifest: Mapping[str, Any], members: Any, where: str) -> dict[str, bytes]:
    """Every member decoded and checked against the manifest (SHA-256, size and git's blob sha); a member
    the manifest does not list, or one it lists that is missing, is refused."""
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not isinstance(members, dict):
        raise BundleError(f"{where}: members: missing")
    if set(listed) != set(members):
        extra = sorted(set(members) - set(listed)) or sorted(set(listed) - set(members))
        raise BundleError(f"{where}: members: {extra[0]} is not both listed in the manifest and present")
    blobs: dict[str, bytes] = {}
    for sha, encoded in members.items():
        try:
            if "text" in encoded:
                member = encoded["text"].encode("utf-8")
            else:
                member = base64.b64decode(encoded["base64"], validate=True)
            expected = listed[sha]
            good = sha256(member) == expected["sha256"] and len(member) == expected["size"]
        except (TypeError, KeyError, ValueError, AttributeError):
            good = False
        if not good or git_blob_sha(member) != sha:
            raise BundleError(f"{where}: member {sha}: content does not match the manifest's hashes")
        blobs[sha] = member
    return blobs


def _bundle(
    manifest: Mapping[str, Any],
    blobs: dict[str, bytes],
    where: str,
    digest: str,
    signed: bool,
    key_id: str | None,
) -> Bundle:
    releases: dict[str, dict[str, BundledRelease]] = {}
    files: dict[str, dict[str, str]] = {}
    commit = str(manifest["commit"])
    files[commit] = {}
    labels_sha = manifest.get("labels")
    if labels_sha is not None:
        files[commit]["labels.yaml"] = _present(labels_sha, blobs, where)
    for item in manifest["releases"]:
        release = BundledRelease(
            name=str(item["name"]),
            version=str(item["version"]),
            commit=str(item["commit"]),
            blob_sha=_present(item["blob_sha"], blobs, where),
            partials={str(path): _present(sha, blobs, where) for path, sha in item["partials"].items()},
        )
        releases.setdefault(release.name, {})[release.version] = release
        commit_files = files.setdefault(release.commit, {})
        commit_files[f"{release.name}.j2"] = release.blob_sha
        commit_files.update(release.partials)
    config_sha = manifest.get("config")
    return Bundle(
        where=where,
        digest=digest,
        commit=commit,
        ref=str(manifest["ref"]),
        prompts_dir=str(manifest["prompts_dir"]),
        max_file_bytes=int(manifest["max_file_bytes"]),
        names=tuple(str(name) for name in manifest["names"]),
        releases=releases,
        files=files,
        blobs=blobs,
        config_sha=None if config_sha is None else _present(config_sha, blobs, where),
        signed=signed,
        key_id=key_id,
    )


def _present(sha: Any, blobs: Mapping[str, bytes], where: str) -> str:
    if not isinstance(sha, str) or sha not in blobs:
        raise BundleError(f"{where}: manifest names member {sha!r}, which the bundle does not hold")
    return sha


def read_bundle(path: str, public_key: Any = None) -> Bundle:
    """`parse_bundle` of the file at `path`; BundleError when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as exc:
        raise BundleError(f"{path}: cannot read bundle: {exc.strerror or exc}") from None
    return parse_bundle(data, path, public_key)
