"""Reports: JUnit read back by a JUnit parser, the markdown summary under GitHub's 1 MiB, annotations."""

from __future__ import annotations

from xml.etree import ElementTree

import junitparser

from promptgit.testrunner.basehead import BaseHeadReport, Comparison
from promptgit.testrunner.cases import Case, Check
from promptgit.testrunner.checking import CheckResult
from promptgit.testrunner.reports import SUMMARY_LIMIT, RunReport, markdown_report
from promptgit.testrunner.runner import CaseResult

from .conftest import run_test


def _break_short_topic(library) -> None:  # type: ignore[no-untyped-def]
    tests = library.root / "prompts" / "content" / "hook.tests.yaml"
    tests.write_text(tests.read_text("utf-8").replace("value: sourdough}", "value: focaccia}"), "utf-8")


def test_junit_is_read_by_a_junit_parser(library, provider_env, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")
    _break_short_topic(library)
    report = tmp_path / "report.xml"

    code, out, err = run_test(capsys, "--format", "junit", "--output", str(report))

    assert (code, out, err) == (1, "", "")
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert [suite.name for suite in suites] == ["content/hook"]
    cases = {case.name: case for case in suites[0]}
    assert set(cases) == {"short topic", "another topic", "render only"}
    assert cases["another topic"].is_passed
    (failure,) = cases["short topic"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "contains 'focaccia': expected the rendered prompt to contain 'focaccia'"
    assert "prompts/content/hook.tests.yaml:7: contains 'focaccia'" in failure.text
    # the schema's shape too (Jenkins' junit-10.xsd): testsuites > testsuite > testcase, with counts
    root = ElementTree.parse(report).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "1")


def test_github_annotations_point_at_the_case(library, provider_env, capsys) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")
    _break_short_topic(library)

    _, out, _ = run_test(capsys, "--format", "github")

    assert out.splitlines()[0] == (
        "::error file=prompts/content/hook.tests.yaml,line=4,title=promptgit test::"
        "content/hook / short topic: "
        "contains 'focaccia': expected the rendered prompt to contain 'focaccia'"
    )


def test_markdown_stays_under_the_step_summary_limit() -> None:
    check = Check("contains", False, "x" * 200, 7)
    results, comparisons = [], []
    for number in range(20_000):
        case = Case(
            "content/hook",
            f"case {number} " + "y" * 100,
            "prompts/content/hook.tests.yaml",
            4,
            None,
            (check,),
            (),
        )
        head = CaseResult(case, "failed", [CheckResult(check, False, 0.0, "expected " + "z" * 300)])
        base = CaseResult(case, "passed")
        results.append(head)
        comparisons.append(Comparison(base, head))
    basehead = BaseHeadReport("origin/main", "HEAD", comparisons)
    text = markdown_report(RunReport(results, basehead=basehead))

    assert len(text.encode("utf-8")) < SUMMARY_LIMIT
    assert "| content/hook / case 0 " in text  # regressions come first
    assert text.rstrip().endswith("holds 1 MiB; `promptgit test --format json` has everything._")


def test_markdown_of_a_small_run_is_whole(library, provider_env, capsys) -> None:  # type: ignore[no-untyped-def]
    run_test(capsys, "--record", "--cache", "none")

    code, out, _ = run_test(capsys, "--format", "markdown")

    assert code == 0
    assert out.startswith("## promptgit test\n\n3 passed in ")
    assert "left out" not in out
