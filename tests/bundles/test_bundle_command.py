"""`promptgit bundle build|verify|keygen` as a user runs them: exit codes and exact one-line messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import PromptRepo


def promptgit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_build_sign_and_verify(history: PromptRepo, tmp_path: Path) -> None:
    keys = promptgit("bundle", "keygen", str(tmp_path / "release"), cwd=history.root)
    assert keys.returncode == 0, keys.stderr
    assert (tmp_path / "release.key").stat().st_mode & 0o077 == 0
    out = tmp_path / "prompts.bundle.json"
    built = promptgit(
        "bundle",
        "build",
        "--labels",
        "production,staging",
        "--sign",
        str(tmp_path / "release.key"),
        "-o",
        str(out),
        cwd=history.root,
    )
    assert built.returncode == 0, built.stderr
    assert "2 release(s) of 1 prompt(s)" in built.stderr and "signed" in built.stderr
    verified = promptgit(
        "bundle", "verify", str(out), "--public-key", str(tmp_path / "release.pub"), cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"{out}: OK: 2 release(s) of 1 prompt(s) at commit ")
    assert "signature good (key " in verified.stdout

    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))
    refused = promptgit(
        "bundle", "verify", str(out), "--public-key", str(tmp_path / "release.pub"), cwd=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and str(out) in refused.stderr
    assert "Traceback" not in refused.stderr


def test_build_of_an_unknown_label_is_a_usage_error(history: PromptRepo, tmp_path: Path) -> None:
    done = promptgit(
        "bundle", "build", "--labels", "canary", "-o", str(tmp_path / "b.json"), cwd=history.root
    )
    assert done.returncode == 2
    assert "no label 'canary' in prompts/labels.yaml at HEAD" in done.stderr
