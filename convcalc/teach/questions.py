"""The quiz's question table: one `QuestionType` per lecture topic, drawn per level.

Each type says how it draws its values for a level, which values a key must give it (`fields`,
checked before `grade` computes anything from a key written by hand), how its answer is computed
(with the layers' own `window()` and the teaching commands' functions, so a key cannot drift
from the engine), the values its prompt `quiz.<id>` is filled with (one message per language in
lang_en / lang_zh), its worked solution, and how a student's answer is compared with the key.

`LEVELS` lists the types each level cycles through: easy asks for one formula at a time on
whole divisions (output size, parameters, stride-1 receptive fields, pooling that tiles, a 1×1
conv, a 3×3 conv by hand); medium adds strides, solving for padding, dilation, groups and
transposed convolutions; hard drops the plain parameter count for depthwise-separable blocks and
draws divisions that do not come out whole, padding in pooling, output_padding, negative values
and strided convs by hand.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from convcalc.layers.conv import Conv, ConvTranspose
from convcalc.layers.pool import MaxPool
from convcalc.layers.rf import AxisRF
from convcalc.layers.window import AxisWindow, Window
from convcalc.limits import MATRIX_CELLS, RF_LAYERS
from convcalc.teach import explain, solve
from convcalc.teach.grid import Grid, Number, convolve, exact_number, grid_lines, text
from convcalc.teach.text import say

Given = dict[str, Any]  # a question's values, as key.yaml stores them
Answer = Number | Grid | list[int] | None  # None: the question has no answer (no padding gives that output)
TOLERANCE = Fraction(1, 100)  # 2.33 for 7/3 is right; answers are compared to two decimals


def same(expected: Any, got: Any) -> bool:
    """Numbers to two decimals; shapes as lists or '6x28x28'; matrices element by element (or as
    one flat list in row order); a list of equal numbers for a one-number answer (3x3 for 3)."""
    if isinstance(got, str) and "x" in got and isinstance(expected, list):
        parts = got.lower().split("x")
        if not all(part.strip().isdigit() and len(part.strip()) <= 18 for part in parts):
            return False
        got = [int(part) for part in parts]
    if isinstance(expected, list):
        if isinstance(got, (int, float)) and not isinstance(got, bool) and len(set(map(str, expected))) == 1:
            return same(expected[0], got)  # one number for equal axes
        if (isinstance(got, list) and expected and all(isinstance(row, list) for row in expected)
                and not any(isinstance(g, list) for g in got) and len(got) == sum(len(row) for row in expected)):
            flat = [v for row in expected for v in row]
            return all(same(e, g) for e, g in zip(flat, got))  # a matrix written as one flat list
        return isinstance(got, list) and len(got) == len(expected) and all(same(e, g) for e, g in zip(expected, got))
    if isinstance(got, list):
        return bool(got) and expected is not None and all(same(expected, g) for g in got)  # 3x3 for 3
    if expected is None or got is None or isinstance(got, bool):
        return expected is got
    number = exact_number(str(got))  # never 10**999999999 for '1e999999999'
    return number is not None and abs(number - Fraction(expected)) <= TOLERANCE


def _as_given(given: Given) -> dict[str, Any]:
    return given


# What a key must give each type: "size" a whole number ≥ 1, "count" ≥ 0, "sizes" a list of
# sizes (one per layer), "matrix" a list of rows of finite numbers. Sizes are bounded by the
# number of digits YAML allows (yaml_guard), lists and matrices by the teaching limits.
Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class QuestionType:
    """One kind of exercise; its prompt is the message `quiz.<id>` in every catalogue."""

    id: str
    draw: Callable[[random.Random, str], Given]  # the values for a level, drawn in a fixed order
    answer: Callable[[Given], Answer]  # computed with the engine's and the teaching commands' own functions
    worked: Callable[[str, Given], list[str]]  # the explanation, as explain/solve/conv print it
    fields: Fields = ()  # the given values and their kinds, checked in keys (`check_given`)
    prompt_values: Callable[[Given], dict[str, Any]] = _as_given  # what `quiz.<id>` is filled with
    matches: Callable[[Any, Any], bool] = same  # whether a student's answer (read from YAML) is the key's

    def prompt(self, lang: str, given: Given) -> str:
        return say(lang, f"quiz.{self.id}", **self.prompt_values(given))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field_problem(name: str, kind: str, value: Any) -> str | None:
    """Why `value` cannot be the field `name` of kind `kind`, or None."""
    if kind in ("size", "count"):
        low = 1 if kind == "size" else 0
        return None if _whole(value) and value >= low else f"'{name}' must be a whole number ≥ {low} (got {value!r})"
    if kind == "sizes":
        if not isinstance(value, list) or not value or not all(_whole(v) and v >= 1 for v in value):
            return f"'{name}' must be a list of whole numbers ≥ 1 (got {value!r})"
        if len(value) > RF_LAYERS.value():
            return f"'{name}' has {len(value):,} layers, more than the limit of {RF_LAYERS.value():,} ({RF_LAYERS.env})"
        return None
    rows = value if isinstance(value, list) and value and all(isinstance(r, list) and r for r in value) else None
    if rows is None or any(len(r) != len(rows[0]) for r in rows):
        return f"'{name}' must be a rectangular list of rows (got {value!r})"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for r in rows for v in r):
        return f"'{name}' must hold finite numbers only"
    if len(rows) * len(rows[0]) > MATRIX_CELLS.value():
        return f"'{name}' has more than {MATRIX_CELLS.value():,} cells ({MATRIX_CELLS.env})"
    return None


def check_given(kind: QuestionType, given: Any) -> tuple[str | None, str] | None:
    """Why a key's `given` cannot be this type's values, and the field to blame (None: `given`
    itself, or a missing field), or None when every field is there with the right kind."""
    if not isinstance(given, dict):
        return None, f"'given' must be a mapping of {', '.join(name for name, _ in kind.fields)}"
    for name, field_kind in kind.fields:
        if name not in given:
            return None, f"'given' has no '{name}' (a {kind.id} question needs {', '.join(n for n, _ in kind.fields)})"
        problem = _field_problem(name, field_kind, given[name])
        if problem:
            return name, problem
    return None


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


# output_size: one side of a conv output, as PyTorch floors it

def _draw_output_size(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    f = rng.choice([1, 3, 5, 7] if not hard else [2, 3, 4, 5, 7, 11])
    s = rng.choice([1, 2] if level == "easy" else [1, 2, 3, 4])
    p = rng.randint(0, f // 2 + (1 if hard else 0))
    o = rng.randint(2, 16 if hard else 8)
    n = (o - 1) * s + f - 2 * p + (rng.randint(0, s - 1) if level != "easy" else 0)
    return {"n": max(n, f), "f": f, "s": s, "p": p}


def _conv_window(g: Given, d: int = 1) -> Window:
    """The engine's conv window for the givens (a LayerError when PyTorch would refuse them)."""
    return Conv(out_channels=1, kernel_size=g["f"], stride=g["s"], padding=g["p"], dilation=d).window((g["n"],))


def _conv_axis(g: Given, d: int = 1) -> AxisWindow:
    return _conv_window(g, d).axes[0]


OUTPUT_SIZE = QuestionType(
    "output_size",
    draw=_draw_output_size,
    answer=lambda g: _conv_window(g).outputs[0],
    worked=lambda lang, g: explain.output_size(lang, _conv_axis(g)),
    fields=(("n", "size"), ("f", "size"), ("s", "size"), ("p", "count")),
)


# params: weights and biases of one conv layer

def _draw_params(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    return {"f": rng.choice([1, 3, 5, 7]), "c": rng.choice([1, 3, 16, 32, 64] if hard else [1, 3, 6, 16]),
            "k": rng.choice([6, 10, 16, 32, 64, 128] if hard else [6, 10, 16])}


PARAMS = QuestionType(
    "params",
    draw=_draw_params,
    answer=lambda g: (g["f"] * g["f"] * g["c"] + 1) * g["k"],
    worked=lambda lang, g: explain.conv_params(lang, (g["f"], g["f"]), g["c"], g["k"]),
    fields=(("f", "size"), ("c", "size"), ("k", "size")),
)


# receptive_field: a stack of equal filters with the given strides

def _draw_receptive_field(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    layers = rng.randint(2, 5 if hard else 4)
    strides = [1] * layers if level == "easy" else [rng.choice([1, 2]) for _ in range(layers)]
    return {"layers": layers, "f": rng.choice([3, 5] if not hard else [3, 5, 7]), "strides": strides}


def _receptive_field(g: Given) -> Number:
    _check(len(g["strides"]) == g["layers"], f"'strides' needs one stride per layer ({g['layers']})")
    field = AxisRF()
    for s in g["strides"]:
        field = field.then(g["f"], s, 0)
    return field.size


def _receptive_field_worked(lang: str, g: Given) -> list[str]:
    _check(len(g["strides"]) == g["layers"], f"'strides' needs one stride per layer ({g['layers']})")
    return explain.receptive_field_stack(lang, [g["f"]] * g["layers"], g["strides"])


RECEPTIVE_FIELD = QuestionType(
    "receptive_field",
    draw=_draw_receptive_field,
    answer=_receptive_field,
    worked=_receptive_field_worked,
    fields=(("layers", "size"), ("f", "size"), ("strides", "sizes")),
    prompt_values=lambda g: {"layers": g["layers"], "f": g["f"], "strides": ", ".join(map(str, g["strides"]))},
)


# padding: the smallest padding that gives a wanted output size, as `solve` finds it

def _draw_padding(rng: random.Random, level: str) -> Given:
    if level != "hard":  # keep the size ('same'), as most networks do
        f, s, n = rng.choice([3, 5, 7]), rng.choice([1, 2]), rng.randint(8, 32)
        return {"n": n, "f": f, "s": s, "o": -(-n // s)}
    f, s = rng.choice([3, 4, 5, 7]), rng.choice([2, 3])
    p, n = rng.randint(0, f // 2), rng.randint(2 * f, 48)
    return {"n": n, "f": f, "s": s, "o": (n + 2 * p - f) // s + 1}  # a padding exists; the smallest is asked


def _padding_problem(g: Given) -> dict[str, int | str | None]:
    return {"input": g["n"], "output": g["o"], "kernel": g["f"], "stride": g["s"], "padding": None, "dilation": 1}


def _padding(g: Given) -> int | None:
    _, solutions, _ = solve.solve(_padding_problem(g))
    return min((sol.window.before for sol in solutions), default=None)


PADDING = QuestionType(
    "padding",
    draw=_draw_padding,
    answer=_padding,
    worked=lambda lang, g: solve.render(lang, _padding_problem(g))[0],
    fields=(("n", "size"), ("f", "size"), ("s", "size"), ("o", "size")),
)


# conv_by_hand: a small cross-correlation, window by window

def _draw_conv_by_hand(rng: random.Random, level: str) -> Given:
    size, k, values, strides = {"easy": (3, 2, range(4), [1]), "medium": (4, 2, range(4), [1, 2]),
                                "hard": (5, 3, range(-2, 4), [1, 2])}[level]
    return {
        "input": [[rng.choice(values) for _ in range(size)] for _ in range(size)],
        "kernel": [[rng.choice(values) for _ in range(k)] for _ in range(k)],
        "s": rng.choice(strides),
    }


def _convolved(g: Given) -> tuple[Grid, list[tuple[int, int, list[tuple[Number, Number]]]]]:
    taps = len(g["kernel"]) * len(g["kernel"][0])
    MATRIX_CELLS.check(len(g["input"]) * len(g["input"][0]) * taps, None, "this conv by hand")
    return convolve([g["input"]], [g["kernel"]], g["s"], 0, 1, 0, False)


def _conv_by_hand_worked(lang: str, g: Given) -> list[str]:
    out, windows = _convolved(g)
    steps = [
        "  " + say(lang, "grid.step_conv", i=i, j=j, terms=" + ".join(f"{text(k)}·{text(v)}" for k, v in terms),
                   value=text(out[i][j]))
        for i, j, terms in windows
    ]
    return steps + grid_lines(out)


def _matrix(rows: list[list[int]]) -> str:
    return "[" + "; ".join(" ".join(str(v) for v in row) for row in rows) + "]"


CONV_BY_HAND = QuestionType(
    "conv_by_hand",
    draw=_draw_conv_by_hand,
    answer=lambda g: _convolved(g)[0],
    worked=_conv_by_hand_worked,
    fields=(("input", "matrix"), ("kernel", "matrix"), ("s", "size")),
    prompt_values=lambda g: {"s": g["s"], "input": _matrix(g["input"]), "kernel": _matrix(g["kernel"])},
)


# pool_output: one side of a max-pooling output

def _draw_pool_output(rng: random.Random, level: str) -> Given:
    if level == "easy":  # windows that tile the input: stride = window
        f = rng.choice([2, 3])
        return {"n": f * rng.randint(2, 12), "f": f, "s": f, "p": 0}
    hard = level == "hard"
    f = rng.choice([2, 3, 4, 5] if hard else [2, 3])
    s = rng.choice([1, 2, 3] if hard else [1, 2])
    p = rng.randint(0, f // 2) if hard else 0
    return {"n": rng.randint(max(f, 5), 40), "f": f, "s": s, "p": p}


def _pool_window(g: Given) -> Window:
    return MaxPool(kernel_size=g["f"], stride=g["s"], padding=g["p"]).window((g["n"],))


POOL_OUTPUT = QuestionType(
    "pool_output",
    draw=_draw_pool_output,
    answer=lambda g: _pool_window(g).outputs[0],
    worked=lambda lang, g: explain.window_lines(lang, _pool_window(g)),
    fields=(("n", "size"), ("f", "size"), ("s", "size"), ("p", "count")),
)


# conv1x1: a pointwise conv changes the channels, not the size (a stride still subsamples)

def _draw_conv1x1(rng: random.Random, level: str) -> Given:
    return {"c": rng.choice([16, 32, 64, 256]), "k": rng.choice([8, 16, 64, 128]),
            "n": rng.choice([7, 8, 14, 28, 56]), "s": rng.choice([1, 2]) if level == "hard" else 1}


def _conv1x1_window(g: Given) -> Window:
    return Conv(out_channels=g["k"], kernel_size=1, stride=g["s"]).window((g["n"],))


def _conv1x1(g: Given) -> list[int]:
    o = _conv1x1_window(g).outputs[0]
    return [g["k"], o, o]


def _conv1x1_worked(lang: str, g: Given) -> list[str]:
    window = _conv1x1_window(g)
    o = window.outputs[0]
    return (explain.output_size(lang, window.axes[0]) + explain.conv_params(lang, (1, 1), g["c"], g["k"])
            + explain.activation_map(lang, g["k"], (o, o)))


CONV1X1 = QuestionType(
    "conv1x1",
    draw=_draw_conv1x1,
    answer=_conv1x1,
    worked=_conv1x1_worked,
    fields=(("c", "size"), ("k", "size"), ("n", "size"), ("s", "size")),
)


# dilated: the output size of a dilated conv, through its effective kernel D·(F − 1) + 1

def _draw_dilated(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    f = rng.choice([3, 5]) if hard else 3
    d = rng.choice([2, 3, 4]) if hard else rng.choice([2, 3])
    s = rng.choice([1, 2]) if hard else 1
    p = rng.randint(0, d * (f - 1) // 2) if hard else rng.choice([0, d])
    n = rng.randint(max(d * (f - 1) + 1 - 2 * p, 6), 40)
    return {"n": n, "f": f, "d": d, "s": s, "p": p}


DILATED = QuestionType(
    "dilated",
    draw=_draw_dilated,
    answer=lambda g: _conv_window(g, g["d"]).outputs[0],
    worked=lambda lang, g: explain.output_size(lang, _conv_axis(g, g["d"])),
    fields=(("n", "size"), ("f", "size"), ("d", "size"), ("s", "size"), ("p", "count")),
)


# grouped: each of the K filters sees C/G channels

def _draw_grouped(rng: random.Random, level: str) -> Given:
    g = rng.choice([2, 4, 8, 32] if level == "hard" else [2, 4])
    return {"f": rng.choice([1, 3]), "c": g * rng.choice([1, 2, 4, 8]), "k": g * rng.choice([2, 4, 8]), "g": g}


def _grouped(g: Given) -> int:
    _check(g["c"] % g["g"] == 0 and g["k"] % g["g"] == 0, "'c' and 'k' must be multiples of 'g'")
    return int((g["f"] * g["f"] * (g["c"] // g["g"]) + 1) * g["k"])


def _grouped_worked(lang: str, g: Given) -> list[str]:
    _grouped(g)
    return explain.conv_params(lang, (g["f"], g["f"]), g["c"], g["k"], g["g"])


GROUPED = QuestionType(
    "grouped",
    draw=_draw_grouped,
    answer=_grouped,
    worked=_grouped_worked,
    fields=(("f", "size"), ("c", "size"), ("k", "size"), ("g", "size")),
)


# depthwise: a depthwise-separable block, F×F depthwise (G = C) then 1×1 pointwise

def _draw_depthwise(rng: random.Random, level: str) -> Given:
    return {"f": rng.choice([3, 5]), "c": rng.choice([16, 32, 64, 128]), "k": rng.choice([32, 64, 128, 256])}


def _depthwise(g: Given) -> int:
    return int((g["f"] * g["f"] + 1) * g["c"] + (g["c"] + 1) * g["k"])


def _depthwise_worked(lang: str, g: Given) -> list[str]:
    depthwise = (g["f"] * g["f"] + 1) * g["c"]
    pointwise = (g["c"] + 1) * g["k"]
    return (explain.conv_params(lang, (g["f"], g["f"]), g["c"], g["c"], g["c"])
            + explain.conv_params(lang, (1, 1), g["c"], g["k"])
            + [explain.INDENT + say(lang, "params.sum", parts=f"{depthwise:,} + {pointwise:,}", total=f"{depthwise + pointwise:,}")])


DEPTHWISE = QuestionType(
    "depthwise",
    draw=_draw_depthwise,
    answer=_depthwise,
    worked=_depthwise_worked,
    fields=(("f", "size"), ("c", "size"), ("k", "size")),
)


# transposed: the output size of a transposed conv (upsampling)

def _draw_transposed(rng: random.Random, level: str) -> Given:
    if level != "hard":
        f, s = rng.choice([2, 4]), 2
        return {"n": rng.randint(4, 32), "f": f, "s": s, "p": (f - s) // 2, "op": 0}
    f, s = rng.choice([3, 4, 5]), rng.choice([2, 3])
    return {"n": rng.randint(3, 32), "f": f, "s": s, "p": rng.randint(0, f // 2), "op": rng.randint(0, s - 1)}


def _transposed_window(g: Given) -> Window:
    return ConvTranspose(out_channels=1, kernel_size=g["f"], stride=g["s"], padding=g["p"],
                         output_padding=g["op"]).window((g["n"],))


TRANSPOSED = QuestionType(
    "transposed",
    draw=_draw_transposed,
    answer=lambda g: _transposed_window(g).outputs[0],
    worked=lambda lang, g: explain.window_lines(lang, _transposed_window(g)),
    fields=(("n", "size"), ("f", "size"), ("s", "size"), ("p", "count"), ("op", "count")),
)


QUESTION_TYPES: dict[str, QuestionType] = {t.id: t for t in (
    OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND, POOL_OUTPUT, CONV1X1, DILATED, GROUPED, DEPTHWISE,
    TRANSPOSED)}
LEVELS: dict[str, tuple[QuestionType, ...]] = {
    "easy": (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, CONV_BY_HAND, POOL_OUTPUT, CONV1X1),
    "medium": (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND, POOL_OUTPUT, DILATED, GROUPED, TRANSPOSED),
    "hard": (OUTPUT_SIZE, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND, POOL_OUTPUT, CONV1X1, DILATED, GROUPED, DEPTHWISE,
             TRANSPOSED),
}
