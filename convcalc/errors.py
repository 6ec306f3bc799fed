"""Errors and soft problems as data.

`SpecError` is the one exception that bad input raises anywhere in convcalc; it formats itself
from structured fields and the CLI alone turns it into stderr text and exit code 2. Soft problems
(a division that is not whole) are `Diagnostic`s carried on the report, never `warnings.warn`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.source import Span


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A soft problem found while analysing a layer; `code` is stable, `message` is for people."""

    code: str
    severity: str  # "warning" | "info"
    message: str
    layer: str | None = None
    span: Span | None = field(default=None, compare=False)


class SpecError(Exception):
    """An unreadable or impossible spec: where it is, what is wrong, and how to fix it."""

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
