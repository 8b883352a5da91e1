"""Runs the `run:` steps of a composite action or workflow job the way the GitHub runner does, locally.

Only what our files use is emulated: `${{ inputs.X }}`, `${{ github.action_path }}`, `${{ runner.temp }}`
and `${{ steps.ID.outputs.NAME }}` in `env:` values (scripts themselves never hold expressions), `shell: bash`
(`bash --noprofile --norc -eo pipefail FILE`, as the runner invokes it), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
and RUNNER_TEMP files, and "stop at the first failing step". Steps with `uses:` run third-party code on
GitHub and are recorded, not run.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTION_FILE = REPO_ROOT / ".github" / "actions" / "promptgit" / "action.yml"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


@dataclass
class StepResult:
    name: str
    step_id: str | None
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class Run:
    steps: list[StepResult] = field(default_factory=list)
    skipped_uses: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def returncode(self) -> int:
        return next((step.returncode for step in self.steps if step.returncode != 0), 0)

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(step.stderr for step in self.steps)

    def step(self, name: str) -> StepResult:
        return next(step for step in self.steps if step.name == name)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def run_scripts(steps: list[dict[str, Any]]) -> list[str]:
    return [step["run"] for step in steps if "run" in step]


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT syntax: `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


class Contexts:
    def __init__(
        self, inputs: Mapping[str, str], github: Mapping[str, str], runner: Mapping[str, str]
    ) -> None:
        self.values: dict[str, Mapping[str, str]] = {"inputs": inputs, "github": github, "runner": runner}
        self.step_outputs: dict[str, dict[str, str]] = {}

    def lookup(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.step_outputs.get(parts[1], {}).get(parts[3], "")
        if len(parts) == 2 and parts[0] in self.values:
            return self.values[parts[0]][parts[1]]
        raise AssertionError(f"expression not emulated by the test runner: {expression}")

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda match: self.lookup(match.group(1)), text)


def run_steps(
    steps: list[dict[str, Any]],
    contexts: Contexts,
    *,
    workdir: Path,
    runner_dir: Path,
    env: Mapping[str, str],
    preset_outputs: Mapping[str, Mapping[str, str]] | None = None,
) -> Run:
    """Run each `run:` step in order until one fails; steps whose id is in preset_outputs are not run."""
    runner_dir.mkdir(parents=True, exist_ok=True)
    temp = runner_dir / "temp"
    temp.mkdir(exist_ok=True)
    summary = runner_dir / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    result = Run()
    for index, step in enumerate(steps):
        step_id: str | None = step.get("id")
        name = step.get("name", step.get("uses", f"step {index}"))
        if "uses" in step:
            result.skipped_uses.append(step)
            continue
        if preset_outputs and step_id is not None and step_id in preset_outputs:
            contexts.step_outputs[step_id] = dict(preset_outputs[step_id])
            continue
        assert step.get("shell", "bash") == "bash", f"{name}: only bash steps are emulated"
        assert "if" not in step, f"{name}: conditions on run steps are not emulated"
        output_file = runner_dir / f"output_{index}"
        output_file.write_text("", encoding="utf-8")
        script = runner_dir / f"step_{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {
            **os.environ,
            **env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
            **{key: contexts.substitute(str(value)) for key, value in (step.get("env") or {}).items()},
        }
        completed = subprocess.run(
            [*BASH, str(script)], cwd=workdir, env=step_env, capture_output=True, text=True, check=False
        )
        outputs = parse_output_file(output_file.read_text(encoding="utf-8"))
        if step_id:
            contexts.step_outputs[step_id] = outputs
        result.steps.append(
            StepResult(name, step_id, completed.returncode, completed.stdout, completed.stderr, outputs)
        )
        if completed.returncode != 0:
            break
    result.summary = summary.read_text(encoding="utf-8")
    return result


def run_composite_action(
    action_file: Path,
    inputs: Mapping[str, str],
    *,
    workdir: Path,
    runner_dir: Path,
    env: Mapping[str, str],
    preset_outputs: Mapping[str, Mapping[str, str]] | None = None,
) -> Run:
    action = load(action_file)
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()} | dict(inputs)
    github = {"action_path": str(action_file.parent)}
    contexts = Contexts(values, github, {"temp": str(runner_dir / "temp")})
    result = run_steps(
        action["runs"]["steps"],
        contexts,
        workdir=workdir,
        runner_dir=runner_dir,
        env=env,
        preset_outputs=preset_outputs,
    )
    result.outputs = {name: contexts.substitute(spec["value"]) for name, spec in action["outputs"].items()}
    return result
