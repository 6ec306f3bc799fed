"""`check --format text`: compiler-style findings, skipped files, and the summary line.

A finding that fails its file is shown in full (the line quoted, a caret under the place, the
hint); one that does not (a warning under the default `--fail-on error`) is one line.
"""

from __future__ import annotations

from convcalc.checks.result import CheckRun, Finding


def finding_text(finding: Finding) -> str:
    """`file:line:col: error: message`, the line and a caret when the place is known, then the hint."""
    lines = [f"{finding.location}: {finding.level}: {finding.message}"]
    if not finding.failing:
        return lines[0]
    span = finding.span
    if span is not None:
        quoted = span.source.line(span.line)
        if quoted:
            lines.append(f"    {quoted}")
            lines.append("    " + " " * (span.column - 1) + "^" * max(1, span.width))
    if finding.hint:
        lines.append(f"  hint: {finding.hint}")
    return "\n".join(lines)


def to_text(run: CheckRun) -> str:
    out: list[str] = []
    for result in run.files:
        out.extend(finding_text(finding) for finding in result.findings)
        if result.status == "skipped":
            out.append(f"{result.path}: skipped: {result.reason}")
    out.append(run.summary)
    return "\n".join(out) + "\n"
