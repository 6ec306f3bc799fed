"""`check --format junit`: a JUnit XML file (`-o results.xml`) that CI systems display.

One `<testsuite>` per file; in it one `<testcase>` named `spec` (the spec reads and analyses
without a failing finding) and one per constraint (`max_params`, `layers.conv5.output`), with a
`<failure>` carrying the message and `file:line:col`. An unreadable file is an `<error>`, a
skipped one a `<skipped>` test case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from convcalc.checks.constraints import KEYS
from convcalc.checks.result import CheckRun, FileResult


def _suite(result: FileResult) -> ET.Element:
    suite = ET.Element("testsuite", name=result.path)
    spec = ET.SubElement(suite, "testcase", classname=result.path, name="spec", file=result.path)
    if result.status == "skipped":
        ET.SubElement(spec, "skipped", message=result.reason or "skipped")
    failing = [f for f in result.findings if f.failing and f.code not in KEYS]  # constraints have their own cases
    if failing:
        tag = "error" if result.status == "broken" else "failure"
        element = ET.SubElement(spec, tag, message=failing[0].message, type=failing[0].code)
        element.text = "\n".join(f"{f.location}: {f.level}: {f.message}" for f in failing)
    for verdict in result.verdicts:
        case = ET.SubElement(suite, "testcase", classname=result.path, name=verdict.limit.label, file=result.path)
        if verdict.span is not None:
            case.set("line", str(verdict.span.line))
        if not verdict.ok:
            failure = ET.SubElement(case, "failure", message=verdict.message, type=verdict.limit.key)
            failure.text = f"{verdict.span or result.path}: {verdict.message}"
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", str(sum(1 for case in cases if case.find("error") is not None)))
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    return suite


def to_junit(run: CheckRun) -> str:
    root = ET.Element("testsuites", name="convcalc check")
    suites = [_suite(result) for result in run.files]
    root.extend(suites)
    for total in ("tests", "failures", "errors", "skipped"):
        root.set(total, str(sum(int(suite.get(total, "0")) for suite in suites)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
