"""`check --format json`: a versioned structure, one entry per file with its findings, every
constraint's verdict and the full report (the summary's JSON, `Report.to_dict()`).

    schema_version  1; raised only when a key changes meaning or goes (keys may be added)
    fail_on, exit_code, summary {files, checked, passed, failed, broken, skipped}
    files[]         path, status (passed|failed|broken|skipped), reason (skipped only),
                    findings[] {level, code, message, location, line, column, hint, failing},
                    constraints[] {key, layer, limit, actual, ok, message, location, origin},
                    report (null unless the spec was analysed)
"""

from __future__ import annotations

import json
from typing import Any

from convcalc.checks.evaluate import Verdict
from convcalc.checks.result import CheckRun, FileResult, Finding

SCHEMA_VERSION = 1


def _value(value: int | tuple[int, ...] | None) -> int | list[int] | None:
    return list(value) if isinstance(value, tuple) else value


def _finding(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "level": finding.level,
        "code": finding.code,
        "message": finding.message,
        "location": finding.location,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "hint": finding.hint,
        "failing": finding.failing,
    }


def _verdict(verdict: Verdict) -> dict[str, Any]:
    limit = verdict.limit
    return {
        "key": limit.key,
        "layer": limit.layer,
        "limit": _value(limit.value),
        "actual": _value(verdict.actual),
        "ok": verdict.ok,
        "message": verdict.message,
        "location": str(verdict.span) if verdict.span else None,
        "origin": limit.origin,
    }


def _file(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "status": result.status,
        "reason": result.reason,
        "findings": [_finding(f) for f in result.findings],
        "constraints": [_verdict(v) for v in result.verdicts],
        "report": result.report.to_dict() if result.report else None,
    }


def check_dict(run: CheckRun) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "fail_on": run.fail_on,
        "exit_code": int(run.exit_code),
        "summary": {
            "files": len(run.files),
            "checked": len(run.files) - run.count("skipped"),
            **{status: run.count(status) for status in ("passed", "failed", "broken", "skipped")},
        },
        "files": [_file(result) for result in run.files],
    }


def to_json(run: CheckRun) -> str:
    return json.dumps(check_dict(run), indent=2, ensure_ascii=False) + "\n"
