"""Errors and soft problems as data.

Every error convcalc raises on purpose is a `ConvcalcError`: it formats itself from structured
fields (message, span, hint) and carries the exit code it ends the program with. The CLI's one
error boundary (`convcalc.cli.app.guarded`) alone turns it into stderr text and that exit code.

    ConvcalcError              exit 2 unless a subclass says otherwise
    ├── SpecError              an unreadable or impossible spec (with a span when one is known)
    │   └── SpecErrors         several independent errors of one spec, each rendered, in file order
    ├── UsageError             flags or arguments a person typed that do not make sense
    └── TorchMissing           `verify` without PyTorch installed

Soft problems (a division that is not whole) are `Diagnostic`s carried on the report, never
`warnings.warn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from enum import IntEnum
from typing import ClassVar

from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span


class ExitCode(IntEnum):
    """What the process exits with; `check` and `verify` document these in their help."""

    OK = 0
    FAILED = 1  # the input was fine and the answer is "no": verify disagrees, check finds violations
    BAD_INPUT = 2  # unreadable or impossible spec, bad usage, a missing optional dependency
    INTERNAL = 70  # a bug in convcalc (sysexits' EX_SOFTWARE): never 1 or 2, which mean something else


LEVELS = ("error", "warning", "info")  # severities, most severe first


def fails(level: str, fail_on: str) -> bool:
    """Whether a finding of `level` fails under `--fail-on fail_on` (summary and check alike)."""
    return LEVELS.index(level) <= LEVELS.index(fail_on)


@lazy_dataclass(frozen=True, slots=True)
class Diagnostic:
    """A soft problem found while analysing a layer; `code` is stable, `message` is for people."""

    code: str
    severity: str  # "warning" | "info"
    message: str
    layer: str | None = None
    span: Span | None = field(default=None, compare=False)


class ConvcalcError(Exception):
    """Bad input anywhere in convcalc: where it is, what is wrong, how to fix it, how to exit."""

    exit_code: ClassVar[ExitCode] = ExitCode.BAD_INPUT

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def render(self) -> str:
        """Compiler-style text: `file:line:col: error: ...`, the line, a caret, then the hint."""
        if self.span is None:
            head = f"error: {self.message}"
            return head if self.hint is None else f"{head}\n  hint: {self.hint}"
        lines = [f"{self.span}: error: {self.message}"]
        quoted = self.span.source.line(self.span.line)
        if quoted:
            lines.append(f"    {quoted}")
            lines.append("    " + " " * (self.span.column - 1) + "^" * max(1, self.span.width))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class SpecError(ConvcalcError):
    """An unreadable or impossible spec: where it is, what is wrong, and how to fix it."""


class SpecErrors(SpecError):
    """Several independent errors found in one spec (unknown kinds, bad arguments), so that one run
    reports them all. It reads as its first error (`message`, `span`, `hint`) to code that wants
    one, and `render` shows every error, in file order, then how many there were."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        flat = [inner for error in errors for inner in (error.errors if isinstance(error, SpecErrors) else (error,))]
        unique: dict[tuple[str, str, str | None], SpecError] = {}
        for error in flat:  # a block used twice repeats its body's errors: each is reported once
            unique.setdefault((str(error.span), error.message, error.hint), error)
        self.errors: tuple[SpecError, ...] = tuple(sorted(unique.values(), key=_position))
        first = self.errors[0]
        super().__init__(first.message, first.span, first.hint)

    def render(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].render()
        body = "\n".join(error.render() for error in self.errors)
        return f"{body}\n{len(self.errors)} errors"


def collected(errors: Sequence[SpecError]) -> SpecError:
    """One error as itself, several as a `SpecErrors`."""
    return errors[0] if len(errors) == 1 else SpecErrors(errors)


def _position(error: SpecError) -> tuple[int, str, int, int]:
    span = error.span
    if span is None:
        return (1, "", 0, 0)  # errors without a place after those with one
    return (0, span.source.name, span.line, span.column)


class UsageError(ConvcalcError):
    """Flags or arguments that do not make sense together (typer itself rejects malformed ones)."""


class TorchMissing(ConvcalcError):
    """verify was asked for but PyTorch is not installed."""

    def __init__(self, message: str = "verify needs PyTorch: pip install 'convcalc[torch]'") -> None:
        super().__init__(message)

    def render(self) -> str:
        return self.message
