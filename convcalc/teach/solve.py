"""`convcalc solve`: the missing hyperparameter(s) of one conv layer, every integer solution.

The relation is PyTorch's O = floor((N + 2P − D·(F − 1) − 1)/S) + 1. A solution that divides
exactly is marked exact; one that PyTorch floors to the wanted size is listed too, with the
arithmetic, because homework usually wants the exact one and PyTorch accepts both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from convcalc.teach.explain import INDENT, Window
from convcalc.teach.text import number, say

SEARCH = {"kernel": range(1, 12), "stride": range(1, 5), "padding": range(11), "dilation": range(1, 5)}
ORDER = ("input", "output", "kernel", "stride", "padding", "dilation")
SHOWN = 24


@dataclass(frozen=True, slots=True)
class Solution:
    window: Window
    output: int

    @property
    def exact(self) -> bool:
        return self.window.exact.denominator == 1


def solve(given: dict[str, int | str | None]) -> tuple[list[str], list[Solution], list[Solution]]:
    """Unknowns (the keys given as None), solutions, and when there are none the nearest misses.

    `given["output"]` may be "same": the size TensorFlow's SAME keeps, ceil(N/S) (N at stride 1).
    """
    unknowns = [key for key in ORDER if given.get(key) is None]
    searched = [key for key in unknowns if key in SEARCH]
    solutions: list[Solution] = []
    near: list[tuple[int, Solution]] = []
    for values in itertools.product(*(SEARCH[key] for key in searched)):
        known = {**given, **dict(zip(searched, values))}
        f, s, p, d = (int(known[k]) for k in ("kernel", "stride", "padding", "dilation"))  # type: ignore[arg-type]
        for n in _inputs(known, f, s, p, d):
            window = Window(n, f, s, p, d)
            if window.span < 0:
                continue
            target = known["output"]
            want = -(-n // s) if target == "same" else target
            if want is None or window.floor == want:
                solutions.append(Solution(window, window.floor))
            elif isinstance(want, int):
                near.append((abs(window.floor - want), Solution(window, window.floor)))
    solutions.sort(key=lambda sol: (not sol.exact, *(_value(sol.window, k) for k in unknowns)))
    nearest = [sol for gap, sol in sorted(near, key=lambda item: item[0]) if gap == min(g for g, _ in near)][:3] if near else []
    return unknowns, solutions, ([] if solutions else nearest)


def _inputs(known: dict[str, int | str | None], f: int, s: int, p: int, d: int) -> range:
    """The input sizes to try: the given one, or every N whose floored output is the wanted one."""
    if known.get("input") is not None:
        n = int(known["input"])  # type: ignore[arg-type]
        return range(n, n + 1)
    target = known.get("output")
    if not isinstance(target, int):
        return range(0)
    low = (target - 1) * s + (d * (f - 1) + 1) - 2 * p
    return range(max(1, low), max(1, low + s))


def _value(window: Window, key: str) -> int:
    return {"input": window.n, "output": window.floor, "kernel": window.f, "stride": window.s, "padding": window.p,
            "dilation": window.d}[key]


def render(lang: str, given: dict[str, int | str | None]) -> tuple[list[str], bool]:
    """The solve command's text, and whether any solution exists."""
    unknowns, solutions, nearest = solve(given)
    names = ", ".join(say(lang, f"name.{key}") for key in unknowns)
    known = ", ".join(f"{say(lang, 'name.' + key)} {value}" for key, value in given.items() if value is not None)
    if not unknowns:  # a check: the given values, worked out
        window = Window(*(int(given[k]) for k in ("input", "kernel", "stride", "padding", "dilation")))  # type: ignore[arg-type]
        calc = f"{window.substituted()} = {number(window.exact)}"
        lines = [INDENT + say(lang, "solve.check", calc=calc, o=window.floor)]
        return lines, given["output"] in (window.floor, "same" if window.floor == -(-window.n // window.s) else None)
    ranges = ", ".join(
        f"{say(lang, 'name.' + key)} {SEARCH[key].start}..{SEARCH[key].stop - 1}" for key in unknowns if key in SEARCH
    )
    lines = [say(lang, "solve.title", unknowns=names), INDENT + say(lang, "solve.given", given=known)]
    for sol in solutions[:SHOWN]:
        values = ", ".join(f"{say(lang, 'name.' + key)} {_value(sol.window, key)}" for key in unknowns)
        calc = f"{sol.window.substituted()} = {number(sol.window.exact)}"
        how = say(lang, "solve.exact") if sol.exact else say(lang, "solve.floors", exact=number(sol.window.exact), o=sol.output)
        lines.append(INDENT + say(lang, "solve.solution", values=values, calc=f"{calc} ({how})"))
    if solutions:
        lines.append(INDENT + say(lang, "solve.count", count=len(solutions), ranges=ranges or "—"))
        return lines, True
    target = given.get("output")
    lines.append(INDENT + say(lang, "solve.none", unknowns=names, o=target, ranges=ranges or "—"))
    for sol in nearest:
        values = ", ".join(f"{say(lang, 'name.' + key)} {_value(sol.window, key)}" for key in unknowns)
        lines.append(INDENT + say(lang, "solve.nearest", values=values, o=f"{sol.window.substituted()} = {number(sol.window.exact)} → {sol.output}"))
    return lines, False
