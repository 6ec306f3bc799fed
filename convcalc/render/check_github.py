"""`check --format github`: GitHub Actions workflow commands, so findings appear on the pull
request's lines, and the job summary (Markdown) written to `$GITHUB_STEP_SUMMARY`.

`::error file=F,line=L,col=C,title=T::message` for errors, `::warning` for warnings, `::notice`
for infos when `--fail-on info` makes them fail (otherwise infos stay off the pull request: every
ResNet has a few, and GitHub shows only so many annotations per step). Values are escaped as the runner expects (`%`, CR and LF everywhere; `:` and `,` in
properties too).
"""

from __future__ import annotations

from convcalc.checks.result import CheckRun, Finding
from convcalc.formats import grouped, si, size_bytes

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
STATUS_MARKS = {"passed": "✅ passed", "failed": "❌ failed", "broken": "❌ unreadable", "skipped": "⏭ skipped"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = [f"file={escape_property(finding.path)}"]
    if finding.span is not None:
        properties += [f"line={finding.span.line}", f"col={finding.span.column}"]
    properties.append(f"title={escape_property(f'convcalc {finding.code}')}")
    message = finding.message + (f"\n\nhint: {finding.hint}" if finding.hint else "")
    return f"::{COMMANDS[finding.level]} {','.join(properties)}::{escape_data(message)}"


def to_github(run: CheckRun) -> str:
    """Annotations for every finding, plain lines for skipped files, and the summary line."""
    lines: list[str] = []
    for result in run.files:
        lines.extend(annotation(f) for f in result.findings if f.level != "info" or f.failing)
        if result.status == "skipped":
            lines.append(f"{result.path}: skipped: {result.reason}")
    lines.append(run.summary)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(run: CheckRun) -> str:
    """The job summary: one row per file with its totals, then every failing finding."""
    lines = [
        "### convcalc check",
        "",
        "| spec | status | params | MACs | param memory | activation memory | training memory |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for result in run.files:
        cells = [f"`{result.path}`", STATUS_MARKS[result.status]]
        if result.report is not None:
            t = result.report.totals
            cells += [grouped(t.params), si(t.macs), size_bytes(t.param_bytes + t.buffer_bytes),
                      size_bytes(t.activation_bytes), size_bytes(t.training_bytes)]
        else:
            cells += ["—"] * 5
        lines.append("| " + " | ".join(cells) + " |")
    failing = [finding for result in run.files for finding in result.findings if finding.failing]
    if failing:
        lines += ["", "**Failing:**", ""]
        lines += [f"- `{f.location}` {f.level}: {_cell(f.message)}" for f in failing]
    lines += ["", run.summary, ""]
    return "\n".join(lines)
