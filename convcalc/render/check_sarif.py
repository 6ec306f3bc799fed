"""`check --format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning
uploads it with `github/codeql-action/upload-sarif`).

One run of the `convcalc` tool; a rule per finding code (constraint keys, engine diagnostic
codes, `spec-error`, ...), each result with its level (`error`, `warning`, `note`) and a
physical location with a 1-based line and column when the place is known.
"""

from __future__ import annotations

import json
from typing import Any

from convcalc import __version__
from convcalc.checks.constraints import KEYS
from convcalc.checks.result import CheckRun, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
RULES = {
    "spec-error": "The spec is impossible or malformed",
    "yaml-error": "The file is not valid YAML",
    "not-a-spec": "A file named explicitly is not a spec",
    "unreadable": "The file cannot be read",
    "non-whole": "(N + 2P − F)/S + 1 is not whole",
    "rf-misaligned": "Joined paths have receptive fields that do not line up",
    **{key.name: f"Constraint {key.name}: {key.doc}" for key in KEYS.values()},
}


def _result(finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": finding.path.replace("\\", "/")}}
    if finding.span is not None:
        location["region"] = {"startLine": finding.span.line, "startColumn": finding.span.column}
    text = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return {
        "ruleId": finding.code,
        "level": LEVELS[finding.level],
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
    }


def sarif_dict(run: CheckRun) -> dict[str, Any]:
    findings = [finding for result in run.files for finding in result.findings]
    codes = list(dict.fromkeys(finding.code for finding in findings))
    rules = [
{"id": code, "shortDescription": {"text": RULES.get(code, code)}} for code in codes
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "convcalc", "version": __version__, "rules": rules}},
                "results": [_result(finding) for finding in findings],
            }
        ],
    }


def to_sarif(run: CheckRun) -> str:
    return json.dumps(sarif_dict(run), indent=2, ensure_ascii=False) + "\n"
