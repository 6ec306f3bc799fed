"""`convcalc solve`: the missing hyperparameter(s) of one conv layer, every integer solution.

The relation is PyTorch's O = floor((N + 2P − D·(F − 1) − 1)/S) + 1, and each candidate is
checked by the layer's own rule (`Conv.window`, `ConvTranspose.window` with `--transposed`), so
solve can never offer a size the table would not compute. Solutions are listed best first: exact
divisions, then those PyTorch floors while still covering every input pixel, then those that
leave input rows uncovered; a padding at least the (effective) kernel is degenerate (edge
outputs see only zeros) and comes last, marked.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from convcalc.formats import decimal
from convcalc.layers.conv import Conv, ConvTranspose
from convcalc.layers.tensor import LayerError
from convcalc.layers.window import AxisWindow
from convcalc.teach.explain import INDENT, floor_of, substituted, verdict_of
from convcalc.teach.text import say

SEARCH = {"kernel": range(1, 12), "stride": range(1, 5), "padding": range(11), "dilation": range(1, 5)}
# A stride S gives S input sizes with the same output, and a transposed conv max(S, D) output
# paddings: of these, each combination of the searched values tries at most DERIVED (the smallest),
# as a given stride of 10^7 meant 10^8 candidates (a hang, and gigabytes of solutions).
DERIVED = 100
ORDER = ("input", "output", "kernel", "stride", "padding", "dilation")
SHOWN = 24
RANK = {"fits": 0, "padding-only": 1, "gaps": 1, "uncovered": 2}

Givens = dict[str, int | str | None]


@dataclass(frozen=True, slots=True)
class Solution:
    window: AxisWindow
    output: int
    transposed: bool = False

    @property
    def exact(self) -> bool:
        return self.transposed or self.window.whole

    @property
    def verdict(self) -> str:
        return "fits" if self.transposed else verdict_of(self.window, self.output)

    @property
    def degenerate(self) -> bool:
        """Padding at least the effective kernel: some outputs see only the padding's zeros."""
        return not self.transposed and self.window.before >= self.window.effective


def _conv(n: int, f: int, s: int, p: int, d: int) -> Solution | None:
    """The engine's conv window for these values, or None when the rule refuses them."""
    try:
        window = Conv(out_channels=1, kernel_size=f, stride=s, padding=p, dilation=d).window((n,))
    except LayerError:
        return None
    return Solution(window.axes[0], window.outputs[0])


def _transposed(n: int, f: int, s: int, p: int, d: int, op: int) -> Solution | None:
    try:
        window = ConvTranspose(out_channels=1, kernel_size=f, stride=s, padding=p, dilation=d,
                               output_padding=op).window((n,))
    except LayerError:
        return None
    return Solution(window.axes[0], window.outputs[0], transposed=True)


def solve(given: Givens, transposed: bool = False) -> tuple[list[str], list[Solution], list[Solution]]:
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
        extras = [int(given.get("output_padding") or 0)] if not transposed else _extras(given, s, d)
        for op in extras:
            for n in _inputs(known, f, s, p, d, op, transposed):
                found = _transposed(n, f, s, p, d, op) if transposed else _conv(n, f, s, p, d)
                if found is None:
                    continue
                target = known["output"]
                want = -(-n // s) if target == "same" else target
                if want is None or found.output == want:
                    solutions.append(found)
                elif isinstance(want, int):
                    near.append((abs(found.output - want), found))
    solutions.sort(key=lambda sol: (sol.degenerate, RANK[sol.verdict], *(value(sol, k) for k in unknowns)))
    nearest = [sol for gap, sol in sorted(near, key=lambda item: item[0]) if gap == min(g for g, _ in near)][:3] if near else []
    return unknowns, solutions, ([] if solutions else nearest)


def _extras(given: Givens, s: int, d: int) -> list[int]:
    """A transposed conv's output_padding: the given one, or every one PyTorch allows (below max(S, D))."""
    if given.get("output_padding") is not None:
        return [int(given["output_padding"])]  # type: ignore[arg-type]
    return list(range(min(max(s, d), DERIVED)))


def _inputs(known: Givens, f: int, s: int, p: int, d: int, op: int, transposed: bool) -> range:
    """The input sizes to try: the given one, or every N whose output is the wanted one."""
    if known.get("input") is not None:
        n = int(known["input"])  # type: ignore[arg-type]
        return range(n, n + 1)
    target = known.get("output")
    if not isinstance(target, int):
        return range(0)
    if transposed:
        top = target - 1 + 2 * p - d * (f - 1) - op
        return range(top // s + 1, top // s + 2) if top >= 0 and top % s == 0 else range(0)
    low = (target - 1) * s + (d * (f - 1) + 1) - 2 * p
    return range(max(1, low), max(1, low + min(s, DERIVED)))


def value(sol: Solution, key: str) -> int:
    w = sol.window
    return {"input": w.size, "output": sol.output, "kernel": w.kernel, "stride": w.stride, "padding": w.before,
            "dilation": w.dilation, "output_padding": w.output_padding}[key]


def calculation(sol: Solution) -> str:
    """The formula with the numbers in, and its value."""
    w = sol.window
    if sol.transposed:
        return (f"({w.size} − 1)·{w.stride} − {2 * w.before} + {w.dilation}·({w.kernel} − 1) + {w.output_padding} + 1"
                f" = {sol.output}")
    return f"{substituted(w)} = {decimal(w.exact)}"


def render(lang: str, given: Givens, transposed: bool = False) -> tuple[list[str], bool]:
    """The solve command's text, and whether any solution exists."""
    comma = say(lang, "comma")
    unknowns, solutions, nearest = solve(given, transposed)
    if transposed:
        unknowns = unknowns + (["output_padding"] if given.get("output_padding") is None else [])
    names = comma.join(say(lang, f"name.{key}") for key in unknowns)
    known = comma.join(f"{say(lang, 'name.' + key)} {value_text(lang, v)}" for key, v in given.items() if v is not None)
    if not unknowns:  # a check: the given values, worked out
        n, f, s, p, d = (int(given[k]) for k in ("input", "kernel", "stride", "padding", "dilation"))  # type: ignore[arg-type]
        if transposed:
            checked = _transposed(n, f, s, p, d, int(given.get("output_padding") or 0))
        else:
            checked = _conv(n, f, s, p, d)
        if checked is None:
            return [INDENT + say(lang, "solve.check_refused")], False
        lines = [INDENT + say(lang, "solve.check", calc=calculation(checked), o=checked.output)]
        same = checked.output == -(-checked.window.size // checked.window.stride)
        return lines, given["output"] in (checked.output, "same" if same else None)
    ranges = comma.join([
        *(f"{say(lang, 'name.' + key)} {SEARCH[key].start}..{SEARCH[key].stop - 1}" for key in unknowns if key in SEARCH),
        *_capped(lang, given, transposed),
    ])
    title = "solve.title_transposed" if transposed else "solve.title"
    lines = [say(lang, title, unknowns=names), INDENT + say(lang, "solve.given", given=known)]
    target, size = given.get("output"), given.get("input")
    if not transposed and isinstance(target, int) and isinstance(size, int) and target > size:
        lines.append(INDENT + say(lang, "solve.upsample", n=size, o=target))
    if transposed and isinstance(target, int) and isinstance(size, int) and target < size:
        lines.append(INDENT + say(lang, "solve.downsample", n=size, o=target))
    for sol in solutions[:SHOWN]:
        values = comma.join(f"{say(lang, 'name.' + key)} {value(sol, key)}" for key in unknowns)
        lines.append(INDENT + say(lang, "solve.solution", values=values, calc=calculation(sol), how=_how(lang, sol)))
    if solutions:
        key = "solve.count" if ranges else "solve.count_unsearched"
        lines.append(INDENT + say(lang, key, count=len(solutions), ranges=ranges))
        return lines, True
    key = "solve.none" if ranges else "solve.none_unsearched"
    lines.append(INDENT + say(lang, key, unknowns=names, o=value_text(lang, target), ranges=ranges))
    for sol in nearest:
        values = comma.join(f"{say(lang, 'name.' + key)} {value(sol, key)}" for key in unknowns)
        lines.append(INDENT + say(lang, "solve.nearest", values=values, o=f"{calculation(sol)} → {sol.output}"))
    return lines, False


def _capped(lang: str, given: Givens, transposed: bool) -> list[str]:
    """The derived values the search did not try all of (a given stride or dilation past DERIVED)."""
    s, d = (given.get(key) for key in ("stride", "dilation"))
    if transposed and given.get("output_padding") is None and max(s or 0, d or 0) > DERIVED:  # type: ignore[operator]
        return [f"{say(lang, 'name.output_padding')} 0..{DERIVED - 1}"]
    if not transposed and given.get("input") is None and isinstance(s, int) and s > DERIVED:
        return [say(lang, "solve.inputs_capped", count=DERIVED)]
    return []


def value_text(lang: str, v: int | str | None) -> str:
    return say(lang, "solve.same") if v == "same" else str(v)


def _how(lang: str, sol: Solution) -> str:
    """Why this solution gives the size: exact, floored (padding only or rows lost), degenerate."""
    if sol.transposed or sol.exact:
        how = say(lang, "solve.exact")
    elif sol.verdict == "padding-only":
        how = say(lang, "solve.floors_padding", exact=decimal(sol.window.exact), o=sol.output)
    elif sol.verdict == "gaps":  # a kernel smaller than its stride skips rows between windows by design
        how = say(lang, "solve.floors_gaps", exact=decimal(sol.window.exact), o=sol.output)
    else:
        how = say(lang, "solve.floors", exact=decimal(sol.window.exact), o=sol.output, count=sol.window.unseen(sol.output))
    if sol.degenerate:
        how += say(lang, "sep") + say(lang, "solve.degenerate")
    return how


__all__ = ["SEARCH", "Solution", "floor_of", "render", "solve", "value"]
