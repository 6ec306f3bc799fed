"""The JSON report: the stable contract in DESIGN.md (keys are only ever added).

The data itself is `convcalc.engine.as_dict.report_dict`, shared with `Report.to_dict()`.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from convcalc.engine.as_dict import report_dict
from convcalc.engine.report import Report
from convcalc.errors import ConvcalcError

__all__ = ["error_json", "report_dict", "to_json"]


def to_json(report: Report) -> str:
    return dumps(report_dict(report)) + "\n"


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, byte for byte, about three times faster.

    The standard library gives up its C encoder as soon as `indent` is set, and its Python
    encoder (generators, one chunk per token) was the largest single cost of `--format json`
    on a large report. Only what a report holds is handled here (dicts with string keys, lists,
    strings, ints, finite floats, bools, None); anything else takes the standard path.
    """
    try:
        return _encode(value, "\n")
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=False)


class _Unusual(Exception):
    """A value the fast path does not write the way `json.dumps` would (non-str keys, nan, ...)."""


_FLOAT_LIMIT = float("inf")


def _encode(value: Any, newline: str) -> str:
    """`value` as indented JSON; `newline` is a newline followed by the current indentation."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            parts.append(f"{encode_basestring(key)}: {_encode(item, inner)}")
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([_encode(item, inner) for item in value]) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is float and -_FLOAT_LIMIT < value < _FLOAT_LIMIT:
        return float.__repr__(value)
    raise _Unusual


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
