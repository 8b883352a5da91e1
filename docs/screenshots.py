"""Screenshots of every page of `promptgit ui` for docs/ui.md, taken from the example library.

    python docs/screenshots.py            # writes docs/ui/*.png

Builds a repository from this repository's `prompts/` and `promptgit.yaml` with a short, fixed history (the
1.0.0 releases, a promotion, a 1.0.1 release of content/hook, its canary and an unreleased edit in the
working tree), serves it with the real UI server, and photographs each page in Debian's Chromium through
Playwright (`pip install playwright`; no browser download). Run it again whenever a page changes, so the
pictures stay true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
OUT = HERE / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAYA = ("Maya Lindqvist", "maya@example.com")
OPS = ("Ravi Ops", "ravi@example.com")
HOOK = "prompts/content/hook.j2"
# the rule content/hook 1.0.1 added, and the input the working tree adds on top
RULE = "- Each hook uses a different pattern or a clearly different structure.\n"
LANGUAGE_INPUT = (
    "  language: {type: string, enum: [en, de, fr], default: en, description: Language of the hooks}\n"
)


class History:
    """A git repository in `root`, with commits and tags at fixed dates by named people."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.day = 0
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, who: tuple[str, str] = MAYA) -> None:
        date = f"2026-11-{1 + self.day:02d}T10:00:00+00:00"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
        subprocess.run(["git", *args], cwd=self.root, env=env, check=True, capture_output=True)

    def commit(self, message: str, who: tuple[str, str] = MAYA) -> None:
        self.day += 2
        self.git("add", "-A", who=who)
        self.git("commit", "-q", "--no-verify", "-m", message, who=who)

    def release(self, name: str, version: str, message: str) -> None:
        self.git("tag", "-a", f"prompts/{name}/v{version}", "-m", message)

    def labels(self, text: str, message: str, who: tuple[str, str]) -> None:
        (self.root / "prompts/labels.yaml").write_text(text, encoding="utf-8")
        self.commit(message, who)


def build_example(root: Path) -> None:
    """The example library with a history worth looking at."""
    root.mkdir(parents=True)
    shutil.copytree(REPOSITORY / "prompts", root / "prompts")
    shutil.copy(REPOSITORY / "promptgit.yaml", root / "promptgit.yaml")
    history = History(root)
    hook = (root / HOOK).read_text(encoding="utf-8")
    names = sorted(
        path.relative_to(root / "prompts").with_suffix("").as_posix()
        for path in (root / "prompts").rglob("*.j2")
        if not path.relative_to(root / "prompts").as_posix().startswith("partials/")
    )
    for name in names:  # everything starts at 1.0.0
        path = root / "prompts" / f"{name}.j2"
        path.write_text(path.read_text(encoding="utf-8").replace("version: 1.0.1", "version: 1.0.0", 1))
    (root / HOOK).write_text(hook.replace("version: 1.0.1", "version: 1.0.0", 1).replace(RULE, ""))
    history.labels("production: {}\nstaging: {}\n", "The content engine's prompts", MAYA)
    for name in names:
        history.release(name, "1.0.0", f"{name} 1.0.0: first release of the content engine")
    history.labels(
        "production:\n  content/hook: 1.0.0\n  content/script: 1.0.0\nstaging:\n  content/hook: 1.0.0\n",
        "Promote hook and script 1.0.0",
        OPS,
    )
    (root / HOOK).write_text(hook, encoding="utf-8")
    history.commit("hook: one pattern per hook, so the five hooks differ")
    history.release("content/hook", "1.0.1", "One pattern per hook\n\nFive hooks used to share two patterns.")
    history.labels(
        "production:\n  content/hook: 1.0.0\n  content/script: 1.0.0\nstaging:\n  content/hook: 1.0.1\n",
        "Stage content/hook 1.0.1",
        MAYA,
    )
    history.labels(
        "production:\n  content/hook: {1.0.0: 90, 1.0.1: 10}\n  content/script: 1.0.0\n"
        "staging:\n  content/hook: 1.0.1\n",
        "Canary content/hook 1.0.1 at 10%",
        OPS,
    )
    edited = hook.replace("version: 1.0.1", "version: 1.1.0", 1)
    edited = edited.replace("inputs:\n", "inputs:\n" + LANGUAGE_INPUT, 1)
    edited = edited.replace("- Tone: {{ tone }}.\n", "- Tone: {{ tone }}.\n- Write in {{ language }}.\n", 1)
    (root / HOOK).write_text(edited, encoding="utf-8")  # work in progress, not committed


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from promptgit.ui.server import start

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "content-engine"
        build_example(root)
        server = start(root, 0)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                url = server.url

                def shot(name: str) -> None:
                    page.evaluate("document.activeElement && document.activeElement.blur()")  # no caret
                    path = out / f"{name}.png"
                    page.screenshot(path=str(path))
                    shots.append(path)

                page.goto(url)
                shot("index")
                page.get_by_label("Label").select_option("production")
                page.get_by_role("button", name="Filter").click()
                shot("index-filtered")
                page.goto(url + "prompt/content/hook")
                shot("prompt")
                page.evaluate("document.querySelector('ol.timeline').previousElementSibling.scrollIntoView()")
                shot("prompt-history")
                page.goto(url + "diff/content/hook?old=1.0.0&new=worktree")
                page.evaluate("document.querySelector('#heading').scrollIntoView()")
                shot("diff")
                page.evaluate(
                    "document.querySelector('table.tokens').previousElementSibling.scrollIntoView()"
                )
                shot("diff-rendered")
                page.goto(url + "render/content/hook")
                page.get_by_label("topic").fill("why cold brew tastes sweeter")
                page.get_by_label("count").fill("3")
                page.get_by_role("button", name="Render").click()
                page.evaluate("document.querySelector('section.result').scrollIntoView()")
                shot("render")
                page.goto(url + "render/content/hook")
                page.get_by_label("count").fill("0")
                page.get_by_label("examples").fill('[{"topic": "tea"')
                page.get_by_role("button", name="Render").click()
                page.evaluate("document.querySelector('.has-error').scrollIntoView()")
                shot("render-error")
                page.goto(url + "blame/content/hook")
                shot("blame")
                browser.close()
        finally:
            server.stop()
    return shots


if __name__ == "__main__":
    sys.path.insert(0, str(REPOSITORY))
    for path in take(OUT):
        print(path.relative_to(REPOSITORY))
