"""API keys of `promptgit serve`: Bearer for the native API, Basic for Langfuse's shape.

Off by default on a loopback address (a developer's machine, a sidecar reached over localhost) and
required when the server binds anything else: starting on 0.0.0.0 without a key is refused, not warned
about. Langfuse's SDKs send Basic `public_key:secret_key`; the secret key is the API key (the public key is
not checked: it names a Langfuse project, which serve does not have). Keys are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Iterable

from promptgit.errors import ConfigError

KEYS_ENV = "PROMPTGIT_SERVE_API_KEYS"  # comma-separated: keys stay out of argv (`ps` shows argv)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ApiKeys:
    """The keys a request may present; with none, every request is allowed (loopback only)."""

    def __init__(self, keys: Iterable[str], host: str) -> None:
        self.keys = [key.encode("utf-8") for key in keys if key]
        if not self.keys and not is_loopback(host):
            raise ConfigError(
                f"serve: binding {host} needs an API key (--api-key-env, or {KEYS_ENV}); "
                "keys are optional only on a loopback address"
            )

    @property
    def required(self) -> bool:
        return bool(self.keys)

    def allows(self, authorization: str | None, scheme: str) -> bool:
        """Whether `authorization` (the header) carries a key in `scheme` ("Bearer" or "Basic")."""
        if not self.keys:
            return True
        if authorization is None:
            return False
        given_scheme, _, value = authorization.strip().partition(" ")
        if given_scheme.lower() != scheme.lower():
            return False
        secret = value.strip().encode("utf-8")
        if scheme.lower() == "basic":
            try:
                secret = base64.b64decode(secret, validate=True).partition(b":")[2]
            except (binascii.Error, ValueError):
                return False
        found = False
        for key in self.keys:  # every key compared: the time says nothing about which one matched
            found |= hmac.compare_digest(secret, key)
        return found
