"""Every path that produces a promptgit metric, round after round: loader, call path, response cache.

`Workload(live, doomed, registry, stub).run_round()` does, each round: a get and render, a render with
missing inputs (a render error), a get of a prompt that does not exist (the fallback template), a stale
get on a repository whose .git is gone (a failed refresh, then last-known-good), a cached complete() (a
miss, then a hit on the next round), a complete() on a response cache whose Redis is down (backend
errors, fail-open) and one the provider fails (an LLM error). And the experiments: the same USERS each
round get content/hook@experiment (a 50/50 split of 1.2.0 and 1.3.0) by key, render it and record
outcomes, `accepted` and a numeric `rating`; and content/hook@canary, a 90/10 split whose 10% names a
version never tagged (promptgit_loader_split_unavailable_total); and content/hook@unpushed, a label naming
that untagged version (promptgit_loader_label_tag_missing_total). `live` is made by release_with_splits(),
`doomed` by release() (two repositories at ref HEAD: two commits served, as by replicas out of step).

Run as a process, it serves the registry on a free port, prints {"port": N} and loops until killed:
    python -m tests.metrics.workload LIVE_REPO DOOMED_REPO
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import time
from pathlib import Path

import openai
from prometheus_client import CollectorRegistry

from promptgit.errors import InputValidationError, LLMCallError, PromptNotFoundError
from promptgit.llm import complete
from promptgit.llm.cache import ResponseCache
from promptgit.loader import Repository
from promptgit.observability.exposition import start_http_server
from tests.llm.stub_server import StubLLM
from tests.prometheus_server import free_port

SELECTOR = "content/hook@production"
EXPERIMENT = "content/hook@experiment"
CANARY = "content/hook@canary"
CANDIDATE = "1.3.0"
UNTAGGED = "1.4.0"  # the canary's version whose tag is missing (deleted, or never pushed)
# returning users, assigned by key: 40 keys put some on each side of the 50/50 split and some in the
# canary's 10% (sticky assignment: the same keys land in the same versions every round and every run)
USERS = [f"user-{number}" for number in range(40)]
CHAT = """\
---
version: {version}
kind: hook
model: gpt-4o-mini
inputs:
  topic: {{type: string}}
sample: {{topic: bread}}
params: {{temperature: 0, max_tokens: 50}}
---
{{% message "system" %}}You write hooks.{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}}{{% endmessage %}}
"""


def release(prompt_repo, version: str = "1.2.0") -> Path:  # type: ignore[no-untyped-def]
    """Write, commit and tag the chat prompt content/hook at `version`, labelled production."""
    prompt_repo.write("prompts/content/hook.j2", CHAT.format(version=version))
    prompt_repo.write("prompts/labels.yaml", f"production:\n  content/hook: {version}\n")
    prompt_repo.commit(f"hook {version}")
    prompt_repo.tag_release("content/hook", version)
    return Path(prompt_repo.root)


def release_with_splits(prompt_repo) -> Path:  # type: ignore[no-untyped-def]
    """release(), then CANDIDATE tagged too and two split labels: an A/B test and a canary on UNTAGGED."""
    release(prompt_repo)
    prompt_repo.write("prompts/content/hook.j2", CHAT.format(version=CANDIDATE))
    prompt_repo.commit(f"hook {CANDIDATE}")
    prompt_repo.tag_release("content/hook", CANDIDATE)
    prompt_repo.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.2.0\n"
        f"experiment:\n  content/hook: {{1.2.0: 50, {CANDIDATE}: 50}}\n"
        f"canary:\n  content/hook: {{{CANDIDATE}: 90, {UNTAGGED}: 10}}\n"
        f"unpushed:\n  content/hook: {UNTAGGED}\n",  # labels pushed without the tag (issue 19.1)
    )
    prompt_repo.commit("split experiment 50/50, canary 90/10")
    return Path(prompt_repo.root)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


class Workload:
    def __init__(self, live: Path, doomed: Path, registry: CollectorRegistry, stub: StubLLM) -> None:
        self.registry = registry
        self.stub = stub
        stub.cached_tokens = 1  # the provider reports a prompt-cache hit: tokens{direction="cached"}
        self.repository = Repository(live, registry=registry, fallback={"gone": "Fallback for {{ topic }}"})
        self.clock = Clock()
        self.doomed = Repository(doomed, registry=registry, clock=self.clock, cache_ttl=10)
        self.doomed.get(SELECTOR)
        shutil.rmtree(doomed / ".git")  # from now on every refresh of it fails
        self.client = openai.OpenAI(base_url=stub.base_url, api_key="test-key", max_retries=0)
        self.cache = ResponseCache("memory://", registry=registry)
        self.unreachable = ResponseCache(
            f"redis://127.0.0.1:{free_port()}", registry=registry, retry_after=0.05, socket_timeout=1
        )
        self.rounds = 0

    def run_round(self) -> None:
        number, self.rounds = self.rounds, self.rounds + 1
        prompt = self.repository.get(SELECTOR)
        prompt.render(topic=f"topic {number}")
        with contextlib.suppress(InputValidationError):
            prompt.render()
        self.repository.get("gone")
        with contextlib.suppress(PromptNotFoundError):  # promptgit_loader_label_tag_missing_total
            self.repository.get("content/hook@unpushed")
        self.run_experiments(number)
        self.clock.now += 11
        self.doomed.get(SELECTOR)
        self.doomed.wait_for_refreshes(10)
        ask = {"client": self.client, "registry": self.registry}
        complete(
            prompt, cache=self.cache, inputs={"topic": f"cached {number // 2}"}, **ask
        )  # a miss, then a hit
        complete(prompt, cache=self.unreachable, inputs={"topic": f"fail-open {number}"}, **ask)
        self.stub.fail(500)
        with contextlib.suppress(LLMCallError):
            complete(prompt, inputs={"topic": "provider down"}, **ask)

    def run_experiments(self, number: int) -> None:
        for index, user in enumerate(USERS):
            variant = self.repository.get(EXPERIMENT, key=user)
            variant.render(topic=f"experiment {number}")
            if (index + number) % 3:  # two renders in three are accepted
                self.repository.record_outcome(variant, "accepted")
            self.repository.record_outcome(variant, "rating", value=float((index + number) % 5 + 1))
            self.repository.get(CANARY, key=user).render(topic=f"canary {number}")

    def close(self) -> None:
        self.client.close()
        self.cache.close()
        self.unreachable.close()
        self.repository.close()
        self.doomed.close()


def main(argv: list[str]) -> int:
    live, doomed = Path(argv[0]), Path(argv[1])
    logging.getLogger("promptgit").setLevel(logging.ERROR)  # the failures are on purpose, every round
    registry = CollectorRegistry()
    with StubLLM() as stub:
        workload = Workload(live, doomed, registry, stub)
        server = start_http_server(0, registry=registry)
        print(json.dumps({"port": server.port}), flush=True)
        while True:  # until the test stops the process
            workload.run_round()
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
