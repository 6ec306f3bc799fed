"""Block parameters: `$name` substitution and integer arithmetic, by a tiny parser (never `eval`).

A value that is exactly `$name` becomes the parameter's value, whatever it is (a list such as
[1, 7], a padding mode, a bool). Anything else with a `$` is an integer expression:
`$mid * 4`, `($blocks - 1) // 2`. Integers only, + − * // % and exact /, parentheses; no names
without `$`, no attribute access, no calls, and results bounded so a spec cannot ask for a
number with a million digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from convcalc.errors import SpecError
from convcalc.source import Span

LIMIT = 10**15
MAX_LENGTH = 1000  # characters in one expression: a block parameter is a short formula
MAX_DEPTH = 50  # nested parentheses and signs; far above any real spec, far below Python's recursion limit
_TOKEN = re.compile(r"\s*(?:(\d+)|\$([A-Za-z_]\w*)|(//|[-+*/%()])|(\S))")
_WHOLE = re.compile(r"\s*\$([A-Za-z_]\w*)\s*")


def substitute(text: str, env: Mapping[str, Any], span: Span | None) -> Any:
    """The value of a `$`-string under `env` (parameter name -> value)."""
    whole = _WHOLE.fullmatch(text)
    if whole:
        return _lookup(whole.group(1), env, span)
    return _Parser(text, env, span).parse()


def _lookup(name: str, env: Mapping[str, Any], span: Span | None) -> Any:
    if name not in env:
        known = ", ".join(f"${p}" for p in env) or "none (parameters belong to a define; a default sees only those listed before it)"
        raise SpecError(f"unknown parameter '${name}'", span, f"parameters in scope: {known}")
    return env[name]


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/'|'//'|'%') unary)*;
    unary := '-' unary | atom; atom := INT | $NAME | '(' expr ')'."""

    def __init__(self, text: str, env: Mapping[str, Any], span: Span | None) -> None:
        self.text, self.env, self.span = text, env, span
        self.tokens: list[tuple[str, str]] = []
        self.depth = 0
        if len(text) > MAX_LENGTH:
            raise SpecError(
                f"a parameter expression is limited to {MAX_LENGTH} characters (this one has {len(text):,})",
                span,
                "split the computation over several parameters",
            )
        for match in _TOKEN.finditer(text):
            number, name, op, junk = match.groups()
            if junk is not None:
                self.fail(f"'{junk}' is not allowed in a parameter expression")
            if number is not None:
                if len(number.lstrip("0")) > len(str(LIMIT)):
                    self.fail(f"{number[:20]}… is out of range (more than {LIMIT:.0e})")
                self.tokens.append(("int", number))
            elif name is not None:
                self.tokens.append(("name", name))
            elif op is not None:
                self.tokens.append(("op", op))
        self.at = 0

    def fail(self, problem: str) -> NoReturn:
        shown = self.text.strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise SpecError(
            f"{problem} (in {shown!r})",
            self.span,
            "write integers and $parameters with + - * // % / and parentheses, e.g. $mid * 4",
        )

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) and self.tokens[self.at][0] == "op" else None

    def parse(self) -> int:
        if not self.tokens:
            self.fail("empty expression")
        value = self.expr()
        if self.at != len(self.tokens):
            self.fail(f"unexpected '{self.tokens[self.at][1]}'")
        return value

    def expr(self) -> int:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.tokens[self.at][1]
            self.at += 1
            value = self.bounded(value + self.term() if op == "+" else value - self.term())
        return value

    def term(self) -> int:
        value = self.unary()
        while self.peek() in ("*", "/", "//", "%"):
            op = self.tokens[self.at][1]
            self.at += 1
            right = self.unary()
            if op != "*" and right == 0:
                self.fail("division by zero")
            if op == "*":
                value = self.bounded(value * right)
            elif op == "/":
                if value % right:
                    self.fail(f"{value} / {right} is not whole; use // to round down")
                value //= right
            elif op == "//":
                value //= right
            else:
                value %= right
        return value

    def unary(self) -> int:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"the expression nests more than {MAX_DEPTH} signs or parentheses deep")
        if self.peek() == "-":
            self.at += 1
            value = -self.unary()
        elif self.peek() == "+":
            self.at += 1
            value = self.unary()
        else:
            value = self.atom()
        self.depth -= 1
        return value

    def atom(self) -> int:
        if self.at >= len(self.tokens):
            self.fail("the expression ends too early")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "int":
            return self.bounded(int(text))
        if kind == "name":
            value = _lookup(text, self.env, self.span)
            if type(value) is not int:
                self.fail(f"${text} is {value!r}, and arithmetic needs integers")
            return int(value)
        if text == "(":
            value = self.expr()
            if self.peek() != ")":
                self.fail("a '(' is not closed")
            self.at += 1
            return value
        self.fail(f"unexpected '{text}'")

    def bounded(self, value: int) -> int:
        if abs(value) > LIMIT:
            self.fail(f"the result is out of range (more than {LIMIT:.0e})")
        return value
