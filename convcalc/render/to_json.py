"""The JSON report: the stable contract in DESIGN.md (keys are only ever added).

The data itself is `convcalc.engine.as_dict.report_dict`, shared with `Report.to_dict()`.
"""

from __future__ import annotations

import json

from convcalc.engine.as_dict import report_dict
from convcalc.engine.report import Report

__all__ = ["report_dict", "to_json"]


def to_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
