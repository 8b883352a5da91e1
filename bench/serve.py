"""`promptgit serve` and bundles, measured (run by hand: `python bench/serve.py [--seconds S] [--rounds N]`).

Prints three tables:
- latency (p50/p95/p99, ms) and requests/s of describe (`GET /v1/prompts/{selector}`) and render
  (`POST /v1/render`) at 1 and 16 concurrent keep-alive clients, against the floor: the same server stack
  (http_server.py, ThreadingHTTPServer) answering a constant. The server runs in its own process; the
  clients are threads of this one (http.client), so the client's own cost is in every row, floor included.
  Targets: render p99 under 5 ms at 16 clients, at most 2x the floor, 0 errors.
- cold load of a 1,000-prompt bundle: Repository.from_bundle (read, check every member's hashes, index);
  target under 100 ms.
- a new process that opens a bundle, gets one prompt and renders it, against the plain-Jinja floor
  (import jinja2, compile, render); target at most 1.2x.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
IDENTITY = ("-c", "user.name=bench", "-c", "user.email=bench@example.com")
HOOK = """\
---
version: 1.0.0
kind: hook
description: Opening line for a short video
model: gpt-4o-mini
inputs:
  topic: {{type: string, description: What the video is about}}
  tone: {{type: string, enum: [playful, serious], default: playful}}
sample: {{topic: sourdough}}
---
{{% message "system" %}}You write hooks for short videos ({number}). Keep it under 12 words.{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}} ({{{{ tone }}}}){{% endmessage %}}
"""

SERVER = """\
import sys
from prometheus_client import CollectorRegistry
from promptgit.loader import Repository
from promptgit.server.api_keys import ApiKeys
from promptgit.server.app import Response, ServeApp
from promptgit.server.http_server import start

class Constant:
    def __call__(self, request):
        return Response(200, b'{"ok":true}')

mode, source = sys.argv[1], sys.argv[2]
if mode == "floor":
    app = Constant()
else:
    registry = CollectorRegistry()
    repository = Repository.from_bundle(source, registry=registry)
    repository.prefetch()
    app = ServeApp(repository, ApiKeys((), "127.0.0.1"), registry=registry)
server = start(app)  # the access log has no handler here: its line is made, then dropped by logging
print(server.port, flush=True)
sys.stdin.read()
server.stop()
"""

OPEN_GET_RENDER = """\
import promptgit
repo = promptgit.Repository.from_bundle({bundle!r})
repo.get("content/hook0@production").render(topic="sourdough")
"""
JINJA_FLOOR = """\
import jinja2
source = open({path!r}, encoding="utf-8").read().split("\\n---\\n", 1)[1]
jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source).render(topic="sourdough", tone="x")
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


def library(root: Path, prompts: int) -> Path:
    """A repository of `prompts` released chat prompts, all on production; returns its bundle."""
    folder = root / "prompts" / "content"
    folder.mkdir(parents=True)
    for number in range(prompts):
        (folder / f"hook{number}.j2").write_text(HOOK.format(number=number), "utf-8")
    labels = "production:\n" + "".join(f"  content/hook{number}: 1.0.0\n" for number in range(prompts))
    (root / "prompts" / "labels.yaml").write_text(labels, "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "library")
    head = git(root, "rev-parse", "HEAD").strip()
    refs = "".join(
        f"create refs/tags/prompts/content/hook{number}/v1.0.0 {head}\n" for number in range(prompts)
    )
    subprocess.run(["git", "update-ref", "--stdin"], cwd=root, input=refs, text=True, check=True)
    bundle = root.parent / f"bundle-{prompts}.json"
    sys.path.insert(0, str(REPO_ROOT))
    from promptgit.bundles.building import build_bundle

    bundle.write_bytes(build_bundle(root))
    plain = HOOK.format(number=0)
    for tag in ('{% message "system" %}', '{% message "user" %}', "{% endmessage %}"):
        plain = plain.replace(tag, "")
    (root.parent / "plain.j2").write_text(plain, "utf-8")
    return bundle


class Server:
    def __init__(self, mode: str, bundle: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, mode, str(bundle)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def load(port: int, clients: int, seconds: float, request: tuple[str, str, bytes | None]) -> dict[str, float]:
    """`clients` keep-alive connections sending `request` for `seconds`; latency percentiles and rate."""
    method, path, body = request
    headers = {"Content-Type": "application/json"} if body else {}
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    deadline = time.perf_counter() + seconds
    start = threading.Barrier(clients)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = latencies[index]
        start.wait()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                errors[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(value for values in latencies for value in values)
    quantiles = statistics.quantiles(every, n=100, method="inclusive")
    return {
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "rps": len(every) / elapsed,
        "errors": float(sum(errors)),
        "count": float(len(every)),
    }


def serving_table(bundle: Path, seconds: float) -> None:
    render_body = json.dumps(
        {"prompt": "content/hook0@production", "inputs": {"topic": "sourdough"}}
    ).encode()
    requests = {
        "describe": ("GET", "/v1/prompts/content%2Fhook0%40production", None),
        "render": ("POST", "/v1/render", render_body),
    }
    print(f"serve, loopback, {seconds:.0f} s per row (ms; the floor answers a constant on the same stack)")
    columns = ("clients", "p50", "p95", "p99")
    print(
        f"{'what':<26} "
        + " ".join(f"{column:>7}" for column in columns)
        + f" {'req/s':>8} {'errors':>6} {'p99/floor':>10}"
    )
    floor = Server("floor", bundle)
    try:
        floors = {clients: load(floor.port, clients, seconds, ("GET", "/", None)) for clients in (1, 16)}
    finally:
        floor.stop()
    served = Server("serve", bundle)
    try:
        results = {
            (name, clients): load(served.port, clients, seconds, request)
            for name, request in requests.items()
            for clients in (1, 16)
        }
    finally:
        served.stop()
    for clients, row in floors.items():
        print(
            f"{'floor (constant)':<26} {clients:>7} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f}"
            f" {row['rps']:>8.0f} {int(row['errors']):>6} {'':>10}"
        )
    for (name, clients), row in results.items():
        ratio = row["p99"] / floors[clients]["p99"]
        print(
            f"{name:<26} {clients:>7} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f}"
            f" {row['rps']:>8.0f} {int(row['errors']):>6} {ratio:>9.2f}x"
        )


def cold_load_table(bundle: Path, rounds: int) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from prometheus_client import CollectorRegistry

    from promptgit.bundles.bundle_file import read_bundle
    from promptgit.loader import Repository

    Repository.from_bundle(bundle, registry=CollectorRegistry()).close()  # imports and page cache warm
    reads, opens = [], []
    for _ in range(rounds):
        began = time.perf_counter()
        read_bundle(str(bundle))
        reads.append(time.perf_counter() - began)
        began = time.perf_counter()
        Repository.from_bundle(bundle, registry=CollectorRegistry()).close()
        opens.append(time.perf_counter() - began)
    size = bundle.stat().st_size
    print(f"\ncold load of a 1,000-prompt bundle ({size / 1024:.0f} KiB), {rounds} rounds (ms; median, best)")
    read_ms = (statistics.median(reads) * 1000, min(reads) * 1000)
    print(f"{'read and check every member':<40} {read_ms[0]:>7.1f} {read_ms[1]:>7.1f}")
    print(f"{'Repository.from_bundle':<40} {statistics.median(opens) * 1000:>7.1f} {min(opens) * 1000:>7.1f}")


def timed(command: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_start_table(bundle: Path, plain: Path, rounds: int) -> None:
    rows = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "jinja floor: import, compile, render": [sys.executable, "-c", JINJA_FLOOR.format(path=str(plain))],
        "bundle: import, open, get, render": [
            sys.executable,
            "-c",
            OPEN_GET_RENDER.format(bundle=str(bundle)),
        ],
    }
    for command in rows.values():
        timed(command)
    walls: dict[str, list[float]] = {name: [] for name in rows}
    cpus: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, command in rows.items():
            wall, cpu = timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_ms = {name: statistics.median(values) * 1000 for name, values in walls.items()}
    cpu_ms = {name: statistics.median(values) * 1000 for name, values in cpus.items()}
    floor = "jinja floor: import, compile, render"
    print(f"\ncold start of a new process, {rounds} interleaved rounds (ms; medians)")
    print(f"{'what':<40} {'wall':>7} {'cpu':>7} {'wall/floor':>11} {'cpu/floor':>10}")
    for name in rows:
        ratios = (
            ("", "")
            if name != "bundle: import, open, get, render"
            else (f"{wall_ms[name] / wall_ms[floor]:.2f}x", f"{cpu_ms[name] / cpu_ms[floor]:.2f}x")
        )
        print(f"{name:<40} {wall_ms[name]:>7.1f} {cpu_ms[name]:>7.1f} {ratios[0]:>11} {ratios[1]:>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per load row (default 5)")
    parser.add_argument("--rounds", type=int, default=11, help="rounds of the cold rows (default 11)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        bundle = library(root, 1000)
        serving_table(bundle, args.seconds)
        cold_load_table(bundle, args.rounds)
        cold_start_table(bundle, Path(tmp) / "plain.j2", args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
