"""`promptgit bundle build|verify|keygen`: the release artifact read with no git (docs/bundles.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from promptgit.errors import ConfigError

HELP = "Build, verify or sign a bundle: one file of releases and labels that services read with no git."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write the bundle of a commit (deterministic)")
    build.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write, '-': stdout")
    build.add_argument("--ref", default="HEAD", help="the commit whose labels file is bundled (default HEAD)")
    chosen = build.add_mutually_exclusive_group()
    chosen.add_argument(
        "--labels", metavar="LABELS", help="only the releases these labels name: production,staging"
    )
    chosen.add_argument("--all-releases", action="store_true", help="every release (the default)")
    build.add_argument("--sign", metavar="KEY", help="sign with this Ed25519 private key (PEM)")
    build.add_argument("--repo", default=".", metavar="PATH", help="the repository (default: .)")
    verify = actions.add_parser("verify", help="check a bundle's hashes (and signature, with --public-key)")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--public-key", metavar="PEM", help="require a valid signature by this key")
    keygen = actions.add_parser("keygen", help="write a new Ed25519 key pair: PREFIX.key and PREFIX.pub")
    keygen.add_argument("prefix", metavar="PREFIX")


def run(args: argparse.Namespace) -> int:
    return {"build": _build, "verify": _verify, "keygen": _keygen}[args.action](args)


def _build(args: argparse.Namespace) -> int:
    from promptgit.bundles.building import build_bundle

    private_key = None
    if args.sign:
        from promptgit.bundles.signing import load_private_key

        private_key = load_private_key(args.sign)
    labels = [label.strip() for label in args.labels.split(",") if label.strip()] if args.labels else None
    data = build_bundle(Path(args.repo), args.ref, labels=labels, private_key=private_key)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return 0
    temporary = f"{args.output}.tmp-{os.getpid()}"
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
        os.replace(temporary, args.output)  # a server watching the path never reads half a bundle
    except OSError as exc:
        raise ConfigError(f"bundle build: cannot write {args.output}: {exc.strerror}") from None
    print(_summary(data, args.output), file=sys.stderr)
    return 0


def _summary(data: bytes, where: str) -> str:
    from promptgit.bundles.bundle_file import parse_bundle

    bundle = parse_bundle(data, where)
    releases = sum(len(versions) for versions in bundle.releases.values())
    signed = "signed" if bundle.signed else "unsigned"
    return (
        f"{where}: {releases} release(s) of {len(bundle.releases)} prompt(s) at commit {bundle.commit[:12]}, "
        f"{len(data)} bytes, {signed}, sha256 {bundle.digest}"
    )


def _verify(args: argparse.Namespace) -> int:
    from promptgit.bundles.bundle_file import read_bundle

    public_key = None
    if args.public_key:
        from promptgit.bundles.signing import load_public_key

        public_key = load_public_key(args.public_key)
    bundle = read_bundle(args.file, public_key)
    releases = sum(len(versions) for versions in bundle.releases.values())
    signature = (
        f"signature good (key {bundle.key_id})"
        if bundle.key_id
        else ("signed (signature not checked: no --public-key)" if bundle.signed else "unsigned")
    )
    print(
        f"{args.file}: OK: {releases} release(s) of {len(bundle.releases)} prompt(s) at commit "
        f"{bundle.commit[:12]}, every member matches the manifest, {signature}"
    )
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from promptgit.bundles.signing import generate_key_pair

    private_pem, public_pem = generate_key_pair()
    private_path, public_path = Path(f"{args.prefix}.key"), Path(f"{args.prefix}.pub")
    for path in (private_path, public_path):
        if path.exists():
            raise ConfigError(f"bundle keygen: {path} exists; not overwritten")
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(private_pem)
    public_path.write_bytes(public_pem)
    print(f"wrote {private_path} (keep it secret: it signs bundles) and {public_path} (give it to servers)")
    return 0
