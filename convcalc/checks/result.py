"""What `check` found, as data: findings per file, each file's status, and the run's exit code.

Levels are `error`, `warning` and `info`. Errors always fail a file; `--fail-on warning` also
fails it for warnings, `--fail-on info` for infos too. A file that cannot be read or parsed is
`broken` (exit 2); one that fails is `failed` (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.checks.evaluate import Verdict
from convcalc.engine.report import Report
from convcalc.errors import ExitCode
from convcalc.source import Span


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file. `code` is a stable rule id: a constraint key (`max_params`), an
    engine diagnostic's code (`non-whole`), `spec-error`, `not-a-spec` or `unreadable`."""

    level: str
    code: str
    message: str
    path: str
    span: Span | None = field(default=None, compare=False)
    hint: str | None = None
    failing: bool = False

    @property
    def location(self) -> str:
        """`file:line:col` when the place is known, else the file."""
        return str(self.span) if self.span else self.path


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file: `passed`, `failed`, `skipped` (not a spec, found in a directory) or `broken`."""

    path: str
    status: str
    findings: tuple[Finding, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    report: Report | None = None
    reason: str | None = None  # why it was skipped

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")

    @property
    def violations(self) -> tuple[Verdict, ...]:
        return tuple(verdict for verdict in self.verdicts if not verdict.ok)

    @property
    def messages(self) -> list[str]:
        """Each failing finding as `file:line:col: level: message` (for assertion messages)."""
        return [f"{f.location}: {f.level}: {f.message}" for f in self.findings if f.failing]


@dataclass(frozen=True, slots=True)
class CheckRun:
    files: tuple[FileResult, ...]
    fail_on: str = "error"

    def count(self, status: str) -> int:
        return sum(1 for result in self.files if result.status == status)

    @property
    def exit_code(self) -> ExitCode:
        if self.count("broken"):
            return ExitCode.BAD_INPUT
        return ExitCode.FAILED if self.count("failed") else ExitCode.OK

    @property
    def summary(self) -> str:
        """`24 files: 22 checked, 21 passed, 1 failed, 2 skipped` (unreadable files count as failed)."""
        checked = len(self.files) - self.count("skipped")
        failed = self.count("failed") + self.count("broken")
        broken = f" ({self.count('broken')} could not be read or parsed)" if self.count("broken") else ""
        return (
            f"{checked} checked, {self.count('passed')} passed, {failed} failed{broken}, {self.count('skipped')} skipped"
        )
