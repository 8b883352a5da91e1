"""Ed25519 signatures of bundles, with `cryptography` (the `bundle` extra; imported only when signing or
checking a signature).

The signature covers SIGNATURE_CONTEXT + the canonical manifest. A reader given a public key refuses a
bundle without a signature: a stripped signature is a refusal, never "unsigned, so unchecked" (OPA's
GHSA-g2pf-6v5v-qcc8 was exactly that bypass).
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import TYPE_CHECKING, Any

from promptgit.bundles.bundle_file import SIGNATURE_CONTEXT
from promptgit.errors import BundleError, ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "ed25519"


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise ConfigError(
            "bundle signatures need the cryptography package: pip install 'cryptography>=42'"
        ) from None
    return serialization


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name of a public key (SHA-256 of its raw bytes, 16 hex digits), shown by `bundle verify`."""
    serialization = _crypto()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file (unencrypted PKCS#8, as `bundle keygen` or openssl writes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    serialization = _crypto()
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 key (bundles are signed with Ed25519)")
    return key


def load_public_key(path_or_key: str | os.PathLike[str] | Ed25519PublicKey) -> Ed25519PublicKey:
    """An Ed25519 public key: one already loaded, or a PEM file (SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(path_or_key, Ed25519PublicKey):
        return path_or_key
    serialization = _crypto()
    try:
        key = serialization.load_pem_public_key(_read(path_or_key))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path_or_key}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path_or_key}: not an Ed25519 public key")
    return key


def generate_key_pair() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) of a new Ed25519 key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    serialization = _crypto()
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def sign_manifest(private_key: Ed25519PrivateKey, manifest: bytes) -> dict[str, str]:
    value = private_key.sign(SIGNATURE_CONTEXT + manifest)
    return {
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "value": base64.b64encode(value).decode("ascii"),
    }


def verify_signature(public_key: Ed25519PublicKey, manifest: bytes, signature: Any, where: str) -> str:
    """The key id when `signature` is a valid Ed25519 signature of `manifest` by `public_key`; BundleError
    when it is missing (stripped), of another algorithm, or does not verify."""
    from cryptography.exceptions import InvalidSignature

    if signature is None:
        raise BundleError(f"{where}: unsigned bundle refused (a public key is configured)")
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        raise BundleError(f"{where}: signature: not an {ALGORITHM} signature")
    expected = key_id(public_key)
    if set(signature) != {"algorithm", "key_id", "value"} or signature["key_id"] != expected:
        raise BundleError(f"{where}: signature is not by key {expected} (key_id {signature.get('key_id')!r})")
    try:
        text = str(signature["value"])
        value = base64.b64decode(text, validate=True)
        if base64.b64encode(value).decode("ascii") != text:  # one encoding only: no ignored bits
            raise ValueError("not canonical base64")
        public_key.verify(value, SIGNATURE_CONTEXT + manifest)
    except (InvalidSignature, ValueError):
        raise BundleError(f"{where}: signature does not verify with key {expected}") from None
    return expected


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(64 * 1024)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read key: {exc.strerror or exc}") from None
