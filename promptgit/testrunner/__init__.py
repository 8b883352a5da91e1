"""`promptgit test`: test cases beside each prompt, recorded answers, base against head.

- cases.py: a tests file (parsed by promptgit.validation.testfiles) as Cases and Checks
- sources.py: where prompts, tests files and cassettes come from (the working tree or a commit)
- renderchecks.py / assertions.py: checks of the rendered prompt, and of the answer
- cassettes.py: recorded answers, keyed like the response cache; the key and the file format
- provider.py: the one function that calls a model (the openai SDK from its standard environment)
- runner.py: runs cases (replay or record, --jobs, --repeat/--min-pass)
- basehead.py: the same cases at a base ref and at head; regressions, rendered diffs, token changes
- reports.py: text, json, junit, markdown, github

May import any library area, promptgit.testing and the reporters; never the CLI. See docs/testing.md.
"""

from __future__ import annotations

from promptgit.testrunner.cassettes import cassette_key
from promptgit.testrunner.runner import CaseResult, RunOptions, run_cases

__all__ = ["CaseResult", "RunOptions", "cassette_key", "run_cases"]
