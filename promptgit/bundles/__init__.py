"""Bundles: one deterministic file of releases and the labels file of one commit, read with no git.

- bundle_file.py: the format (canonical JSON: manifest, members, signature), reading and checking it;
- building.py: `build_bundle` from a git repository (`promptgit bundle build`);
- signing.py: Ed25519 signatures with `cryptography` (the `bundle` extra);
- bundle_source.py: `BundleSource`, one commit of a bundle as a sources.PromptSource;
- bundle_store.py: `BundleStore`, the loader's store over a bundle (`Repository.from_bundle`), reloaded
  when the file changes, the last good bundle kept when a new one is refused.

May import config, format, sources, store and the shared modules; the loader builds on it.
"""

from __future__ import annotations

from promptgit.bundles.bundle_file import Bundle, BundledRelease, parse_bundle, read_bundle

__all__ = ["Bundle", "BundledRelease", "parse_bundle", "read_bundle"]
