"""Which renderer a format name picks, and the one-line diagnostics every format sends to stderr.

Renderers return text or a Rich renderable; only the CLI prints. A renderer's module is imported
when its format is asked for, so `--format json` never loads Rich.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from convcalc.engine.collector import collector_paused
from convcalc.engine.report import Report
from convcalc.errors import Diagnostic, UsageError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from convcalc.checks.result import CheckRun
    from convcalc.verify.run import Verification


def _table(report: Report, columns: tuple[str, ...]) -> RenderableType:
    from convcalc.render.table import to_table

    return to_table(report, columns)


def _json(report: Report, columns: tuple[str, ...]) -> str:  # every field, whatever --columns says
    from convcalc.render.to_json import to_json

    return to_json(report)


def _csv(report: Report, columns: tuple[str, ...]) -> str:  # every field, whatever --columns says
    from convcalc.render.to_csv import to_csv

    return to_csv(report)


def _markdown(report: Report, columns: tuple[str, ...]) -> str:
    from convcalc.render.to_markdown import to_markdown

    return to_markdown(report, columns)


def _verify_table(result: Verification, title: str) -> RenderableType:
    from convcalc.render.verify_table import verify_table

    return verify_table(result, title)


def _verify_json(result: Verification, title: str) -> str:
    from convcalc.render.verify_table import verify_json

    return verify_json(result, title)


def _check_text(run: CheckRun) -> str:
    from convcalc.render.check_text import to_text

    return to_text(run)


def _check_json(run: CheckRun) -> str:
    from convcalc.render.check_json import to_json

    return to_json(run)


def _check_github(run: CheckRun) -> str:
    from convcalc.render.check_github import to_github

    return to_github(run)


def _check_junit(run: CheckRun) -> str:
    from convcalc.render.check_junit import to_junit

    return to_junit(run)


def _check_sarif(run: CheckRun) -> str:
    from convcalc.render.check_sarif import to_sarif

    return to_sarif(run)


REPORT_RENDERERS: dict[str, Callable[[Report, tuple[str, ...]], str | RenderableType]] = {
    "table": _table,
    "json": _json,
    "csv": _csv,
    "markdown": _markdown,
}
VERIFY_RENDERERS: dict[str, Callable[[Verification, str], str | RenderableType]] = {
    "table": _verify_table,
    "json": _verify_json,
}

CHECK_RENDERERS: dict[str, Callable[[CheckRun], str]] = {
    "text": _check_text,
    "json": _check_json,
    "github": _check_github,
    "junit": _check_junit,
    "sarif": _check_sarif,
}


def _pick(table: dict[str, Callable[..., str | RenderableType]], fmt: str) -> Callable[..., str | RenderableType]:
    if fmt not in table:
        raise UsageError(f"--format must be one of {', '.join(table)} (got {fmt!r})")
    return table[fmt]


def render_report(report: Report, fmt: str, columns: tuple[str, ...] | None = None) -> str | RenderableType:
    """The summary in one format: a string (json, csv, markdown) or a Rich renderable (table).
    `columns` (keys of `render.summary.COLUMNS`) picks the table's and Markdown's columns."""
    from convcalc.render.summary import DEFAULT_COLUMNS

    renderer: Callable[[Report, tuple[str, ...]], str | RenderableType] = _pick(REPORT_RENDERERS, fmt)
    with collector_paused():  # a row's dicts, lists and cells: one long-lived object after another, no cycles
        return renderer(report, columns or DEFAULT_COLUMNS)


def render_reports(
    reports: list[Report], fmt: str, columns: tuple[str, ...] | None = None, *, plain: bool = False
) -> str | RenderableType:
    """Several specs' summaries in one output: one table (or Markdown section) each with its own
    totals; JSON as an array of reports; CSV as one table whose first column, `network`, says
    which spec a row is from. One report renders exactly as `render_report` does.

    `plain`: the output goes where Rich would print no styles at its piped width (`cli.app.show`);
    tables then come back as the text Rich would print there, when `render.plain_table` can write
    it without Rich (most tables: ~100 ms less than importing and running Rich)."""
    if plain and fmt == "table":
        from convcalc.render.plain_table import plain_tables
        from convcalc.render.summary import DEFAULT_COLUMNS

        with collector_paused():
            text = plain_tables(reports, columns or DEFAULT_COLUMNS)
        if text is not None:
            return text
    if len(reports) == 1:
        return render_report(reports[0], fmt, columns)
    if fmt == "json":
        import json

        from convcalc.engine.as_dict import report_dict

        with collector_paused():
            return json.dumps([report_dict(report) for report in reports], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        from convcalc.render.to_csv import to_csv_many

        with collector_paused():
            return to_csv_many(reports)
    parts = [render_report(report, fmt, columns) for report in reports]
    if fmt == "table":
        from rich.console import Group
        from rich.text import Text

        spaced: list[RenderableType] = []
        for part in parts:
            spaced += [part, Text("")]
        return Group(*spaced[:-1])
    return "\n".join(str(part) for part in parts)


def render_verification(result: Verification, title: str, fmt: str) -> str | RenderableType:
    """verify's result in one format: a Rich renderable (table) or a string (json)."""
    renderer: Callable[[Verification, str], str | RenderableType] = _pick(VERIFY_RENDERERS, fmt)
    return renderer(result, title)


def render_check(run: CheckRun, fmt: str) -> str:
    """check's result in one format; every check format is text."""
    if fmt not in CHECK_RENDERERS:
        raise UsageError(f"--format must be one of {', '.join(CHECK_RENDERERS)} (got {fmt!r})")
    return CHECK_RENDERERS[fmt](run)


def diagnostic_line(diagnostic: Diagnostic) -> str:
    """Compiler style, as editors link it: `file:line:col: warning: message` (no place when none is known)."""
    where = f"{diagnostic.span}: " if diagnostic.span else ""
    return f"{where}{diagnostic.severity}: {diagnostic.message}"


def diagnostic_lines(report: Report) -> list[str]:
    """The report's diagnostics for stderr, the same in every format."""
    return [diagnostic_line(d) for d in report.diagnostics]
