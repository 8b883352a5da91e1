"""One Repository shared by 16 threads while releases and label moves are committed underneath them."""

from __future__ import annotations

import threading
import time

from promptgit.loader import Repository

HOOK = """---
version: {version}
kind: hook
inputs:
  topic: {{type: string}}
---
{{% message "system" %}}{{% include "partials/voice.j2" %}}{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}}{{% endmessage %}}
"""


def release(library, version: str) -> None:
    library.write("prompts/partials/voice.j2", f"Voice {version}.\n")
    library.write("prompts/content/hook.j2", HOOK.format(version=version))
    library.commit(f"hook {version}")
    library.tag_release("content/hook", version)


def label(library, version: str) -> None:
    library.write("prompts/labels.yaml", f"production:\n  content/hook: {version}\n")
    library.commit(f"production -> {version}")


def test_sixteen_threads_render_while_releases_and_labels_change(prompt_repo, registry) -> None:
    release(prompt_repo, "1.0.0")
    label(prompt_repo, "1.0.0")
    # every version each selector has ever named; a render must always be one of these
    ever_production = {"1.0.0"}
    ever_latest = {"1.0.0"}
    repository = Repository(prompt_repo.root, cache_ttl=0.005, registry=registry)
    repository.prefetch(["content/hook@production", "content/hook"])

    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[tuple[str, str, str]] = []  # (selector, version, system message)
    lock = threading.Lock()

    def worker(index: int) -> None:
        selector = "content/hook@production" if index % 2 else "content/hook"
        local: list[tuple[str, str, str]] = []
        try:
            while not stop.is_set():
                prompt = repository.get(selector)
                messages = prompt.render(topic=f"t{index}")
                local.append((selector, prompt.version, messages[0]["content"]))
                if messages[1]["content"] != f"Topic: t{index}":
                    raise AssertionError(messages)
        except BaseException as exc:  # collected: the assertion below reports it
            errors.append(exc)
        with lock:
            seen.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    try:
        for minor in range(1, 7):
            version = f"1.{minor}.0"
            release(prompt_repo, version)
            ever_latest.add(version)
            time.sleep(0.02)  # let the readers run against this state (not a timing assertion)
            label(prompt_repo, version)
            ever_production.add(version)
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert repository.wait_for_refreshes(30)

    assert errors == []
    assert len(seen) > 16
    for selector, version, system in seen:
        allowed = ever_production if selector.endswith("@production") else ever_latest
        assert version in allowed, (selector, version)
        assert system == f"Voice {version}.", (version, system)  # partials of the release's own commit
    # the readers followed the changes
    assert {version for _, version, _ in seen} - {"1.0.0"}
    time.sleep(0.01)  # past the 5 ms TTL, so the next get refreshes
    repository.get("content/hook@production")
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production").version == "1.6.0"
    repository.close()
