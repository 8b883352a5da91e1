"""Issue 19.12: install hints must work. No index has py-promptgit, so `pip install 'py-promptgit[x]'`
fails for every reader; a hint names the dependency itself (`pip install redis`) or installs the extra
from git (`py-promptgit[redis] @ git+URL@REF`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# pip install ... py-promptgit[extra] not followed by " @ " (a direct reference, which works)
BROKEN = re.compile(r"pip install[^\n`]*?py-promptgit\[[a-z,]+\](?!\s*@)")


def test_no_hint_installs_an_extra_from_an_index() -> None:
    files = [*(ROOT / "promptgit").rglob("*.py"), ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in files
        for match in BROKEN.finditer(path.read_text("utf-8"))
    ]
    assert found == []
