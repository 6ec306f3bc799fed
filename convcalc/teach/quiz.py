"""`convcalc quiz`: exercises from a seed (the same seed, the same quiz), with the answer key.

Every answer is computed by the same code that `explain`, `solve` and `conv` use, and `grade`
computes it again from the question's `given` values, so a key cannot drift from the math.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from convcalc.layers.rf import AxisRF
from convcalc.teach import explain, solve
from convcalc.teach.grid import convolve, grid_lines, text
from convcalc.teach.text import say

LEVELS = ("easy", "medium", "hard")
TYPES = {
    "easy": ("output_size", "params", "receptive_field", "conv_by_hand"),
    "medium": ("output_size", "params", "receptive_field", "padding", "conv_by_hand"),
    "hard": ("output_size", "params", "receptive_field", "padding", "conv_by_hand"),
}


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: str
    given: dict[str, Any]


def make(seed: int, count: int, level: str) -> list[Question]:
    """`count` questions, cycling through the level's types, with values drawn from `seed`."""
    rng = random.Random(f"convcalc-quiz:{seed}:{level}")
    kinds = TYPES[level]
    return [Question(f"q{i + 1}", kinds[i % len(kinds)], _draw(rng, kinds[i % len(kinds)], level)) for i in range(count)]


def _draw(rng: random.Random, kind: str, level: str) -> dict[str, Any]:
    hard = level == "hard"
    if kind == "output_size":
        f = rng.choice([1, 3, 5, 7] if not hard else [2, 3, 4, 5, 7, 11])
        s = rng.choice([1, 2] if level == "easy" else [1, 2, 3, 4])
        p = rng.randint(0, f // 2 + (1 if hard else 0))
        o = rng.randint(2, 16 if hard else 8)
        n = (o - 1) * s + f - 2 * p + (rng.randint(0, s - 1) if level != "easy" else 0)
        return {"n": max(n, f), "f": f, "s": s, "p": p}
    if kind == "params":
        return {"f": rng.choice([1, 3, 5, 7]), "c": rng.choice([1, 3, 16, 32, 64] if hard else [1, 3, 6, 16]),
                "k": rng.choice([6, 10, 16, 32, 64, 128] if hard else [6, 10, 16])}
    if kind == "receptive_field":
        layers = rng.randint(2, 5 if hard else 4)
        strides = [1] * layers if level == "easy" else [rng.choice([1, 2]) for _ in range(layers)]
        return {"layers": layers, "f": rng.choice([3, 5] if not hard else [3, 5, 7]), "strides": strides}
    if kind == "padding":
        f = rng.choice([3, 5, 7])
        s = rng.choice([1, 2])
        n = rng.randint(8, 32)
        return {"n": n, "f": f, "s": s, "o": -(-n // s)}
    size = 4 if hard else 3
    values = range(-2, 4) if hard else range(4)
    return {
        "input": [[rng.choice(values) for _ in range(size)] for _ in range(size)],
        "kernel": [[rng.choice(values) for _ in range(2)] for _ in range(2)],
        "s": 1,
    }


def answer(question: Question) -> Any:
    """The correct answer, computed from the question's values."""
    g = question.given
    if question.type == "output_size":
        return explain.Window(g["n"], g["f"], g["s"], g["p"]).floor
    if question.type == "params":
        return (g["f"] * g["f"] * g["c"] + 1) * g["k"]
    if question.type == "receptive_field":
        field = AxisRF()
        for s in g["strides"]:
            field = field.then(g["f"], s, 0)
        return field.size
    if question.type == "padding":
        _, solutions, _ = solve.solve({"input": g["n"], "output": g["o"], "kernel": g["f"], "stride": g["s"], "padding": None,
                                       "dilation": 1})
        return min((sol.window.p for sol in solutions), default=None)
    out, _ = convolve([g["input"]], [g["kernel"]], g["s"], 0, 1, 0, False)
    return out


def prompt(lang: str, question: Question) -> str:
    g = question.given
    if question.type == "conv_by_hand":
        return say(lang, "quiz.conv_by_hand", s=g["s"], input=_matrix(g["input"]), kernel=_matrix(g["kernel"]))
    if question.type == "receptive_field":
        return say(lang, "quiz.receptive_field", layers=g["layers"], f=g["f"], strides=", ".join(map(str, g["strides"])))
    return say(lang, f"quiz.{question.type}", **g)


def worked(lang: str, question: Question) -> list[str]:
    """The explanation a student gets for this question: the same text `explain`/`solve`/`conv` print."""
    g = question.given
    if question.type == "output_size":
        return explain.output_size(lang, explain.Window(g["n"], g["f"], g["s"], g["p"]))
    if question.type == "params":
        return explain.conv_params(lang, g["f"], g["c"], g["k"])
    if question.type == "receptive_field":
        return explain.receptive_field_stack(lang, [g["f"]] * g["layers"], g["strides"])
    if question.type == "padding":
        lines, _ = solve.render(lang, {"input": g["n"], "output": g["o"], "kernel": g["f"], "stride": g["s"],
                                       "padding": None, "dilation": 1})
        return lines
    out, windows = convolve([g["input"]], [g["kernel"]], g["s"], 0, 1, 0, False)
    steps = [
        "  " + say(lang, "grid.step_conv", i=i, j=j, terms=" + ".join(f"{text(k)}·{text(v)}" for k, v in terms),
                   value=text(out[i][j]))
        for i, j, terms in windows
    ]
    return steps + grid_lines(out)


def _matrix(rows: list[list[int]]) -> str:
    return "[" + "; ".join(" ".join(str(v) for v in row) for row in rows) + "]"


def shown(value: Any) -> str:
    """An answer as a student would write it."""
    if isinstance(value, list):
        return "[" + ", ".join("[" + ", ".join(text(v) for v in row) + "]" for row in value) + "]"
    return "—" if value is None else text(value)


def questions_markdown(lang: str, seed: int, level: str, questions: list[Question]) -> str:
    lines = [f"# {say(lang, 'quiz.title', seed=seed, level=level)}", "", say(lang, "quiz.answer_format"), ""]
    for q in questions:
        lines += [f"**{q.id}.** {prompt(lang, q)}", ""]
    return "\n".join(lines)


def key_markdown(lang: str, seed: int, level: str, questions: list[Question]) -> str:
    lines = [f"# {say(lang, 'quiz.key_title', seed=seed, level=level)}", ""]
    for q in questions:
        lines += [f"**{q.id}.** {prompt(lang, q)}", "", f"**{shown(answer(q))}**", "", "```", *worked(lang, q), "```", ""]
    return "\n".join(lines)


def key_data(seed: int, level: str, lang: str, questions: list[Question]) -> dict[str, Any]:
    """The machine-readable key that `grade` reads: the questions' values (answers are recomputed)."""
    return {
        "quiz": {"seed": seed, "level": level, "lang": lang, "count": len(questions)},
        "questions": [{"id": q.id, "type": q.type, "given": q.given, "answer": _plain(answer(q))} for q in questions],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
