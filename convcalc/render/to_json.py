"""The JSON report: the stable contract in DESIGN.md (keys are only ever added).

The data itself is `convcalc.engine.as_dict.report_dict`, shared with `Report.to_dict()`.
"""

from __future__ import annotations

import json

from convcalc.engine.as_dict import report_dict
from convcalc.engine.report import Report
from convcalc.errors import ConvcalcError

__all__ = ["error_json", "report_dict", "to_json"]


def to_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def error_json(error: ConvcalcError) -> str:
    """An error as `--format json` prints it on stdout: `{"error": {...}}`, the same fields as the
    text on stderr (`location` is null when there is no place to point at)."""
    span = error.span
    location = None if span is None else {"file": span.source.name, "line": span.line, "column": span.column}
    payload = {
        "error": {
            "message": error.message, "location": location, "hint": error.hint,
            "exit_code": int(error.exit_code), "text": error.render(),
        }
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
