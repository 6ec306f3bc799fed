"""`convcalc quiz`: exercises from a seed (the same seed, the same quiz), with the answer key.

Every answer is computed by the same code that `explain`, `solve` and `conv` use, and `grade`
computes it again from the question's `given` values, so a key cannot drift from the math.

A question type is one `QuestionType` entry in `QUESTION_TYPES`: how it draws its values for a
level, how its answer is computed, the values its prompt `quiz.<id>` is filled with (one message
per language in lang_en / lang_zh), its worked solution, and how a student's answer to it is
compared with the key. `LEVELS` lists the types each level cycles through. Adding a type is one
entry here, its `quiz.<id>` message in each catalogue, and its place in `LEVELS`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from convcalc.errors import SpecError
from convcalc.layers.rf import AxisRF
from convcalc.teach import explain, solve
from convcalc.teach.grid import Grid, Number, convolve, grid_lines, parse_number, text
from convcalc.teach.text import say

Given = dict[str, Any]  # a question's values, as key.yaml stores them
Answer = Number | Grid | None  # None: the question has no answer (no padding gives that output)
TOLERANCE = Fraction(1, 100)  # 2.33 for 7/3 is right; answers are compared to two decimals


def same(expected: Any, got: Any) -> bool:
    """Numbers to two decimals; shapes as lists or '6x28x28'; matrices element by element."""
    if isinstance(got, str) and "x" in got and isinstance(expected, list):
        try:
            got = [int(part) for part in got.lower().split("x")]
        except ValueError:
            return False
    if isinstance(expected, list):
        if isinstance(got, (int, float)) and not isinstance(got, bool) and len(set(map(str, expected))) == 1:
            return same(expected[0], got)  # one number for equal axes
        return isinstance(got, list) and len(got) == len(expected) and all(same(e, g) for e, g in zip(expected, got))
    if expected is None or got is None or isinstance(got, bool):
        return expected is got
    try:
        number = Fraction(parse_number(str(got)))
    except SpecError:  # not a number, or one too large to be the answer (1e999999999 would hang)
        return False
    return abs(number - Fraction(expected)) <= TOLERANCE


def _as_given(given: Given) -> dict[str, Any]:
    return given


@dataclass(frozen=True, slots=True)
class QuestionType:
    """One kind of exercise; its prompt is the message `quiz.<id>` in every catalogue."""

    id: str
    draw: Callable[[random.Random, str], Given]  # the values for a level, drawn in a fixed order
    answer: Callable[[Given], Answer]  # computed with the engine's and the teaching commands' own functions
    worked: Callable[[str, Given], list[str]]  # the explanation, as explain/solve/conv print it
    prompt_values: Callable[[Given], dict[str, Any]] = _as_given  # what `quiz.<id>` is filled with
    matches: Callable[[Any, Any], bool] = same  # whether a student's answer (read from YAML) is the key's

    def prompt(self, lang: str, given: Given) -> str:
        return say(lang, f"quiz.{self.id}", **self.prompt_values(given))


# output_size: one side of a conv output, as PyTorch floors it

def _draw_output_size(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    f = rng.choice([1, 3, 5, 7] if not hard else [2, 3, 4, 5, 7, 11])
    s = rng.choice([1, 2] if level == "easy" else [1, 2, 3, 4])
    p = rng.randint(0, f // 2 + (1 if hard else 0))
    o = rng.randint(2, 16 if hard else 8)
    n = (o - 1) * s + f - 2 * p + (rng.randint(0, s - 1) if level != "easy" else 0)
    return {"n": max(n, f), "f": f, "s": s, "p": p}


def _window(g: Given) -> explain.Window:
    return explain.Window(g["n"], g["f"], g["s"], g["p"])


OUTPUT_SIZE = QuestionType(
    "output_size",
    draw=_draw_output_size,
    answer=lambda g: _window(g).floor,
    worked=lambda lang, g: explain.output_size(lang, _window(g)),
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
    worked=lambda lang, g: explain.conv_params(lang, g["f"], g["c"], g["k"]),
)


# receptive_field: a stack of equal filters with the given strides

def _draw_receptive_field(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    layers = rng.randint(2, 5 if hard else 4)
    strides = [1] * layers if level == "easy" else [rng.choice([1, 2]) for _ in range(layers)]
    return {"layers": layers, "f": rng.choice([3, 5] if not hard else [3, 5, 7]), "strides": strides}


def _receptive_field(g: Given) -> Number:
    field = AxisRF()
    for s in g["strides"]:
        field = field.then(g["f"], s, 0)
    return field.size


RECEPTIVE_FIELD = QuestionType(
    "receptive_field",
    draw=_draw_receptive_field,
    answer=_receptive_field,
    worked=lambda lang, g: explain.receptive_field_stack(lang, [g["f"]] * g["layers"], g["strides"]),
    prompt_values=lambda g: {"layers": g["layers"], "f": g["f"], "strides": ", ".join(map(str, g["strides"]))},
)


# padding: the smallest padding that gives a wanted output size, as `solve` finds it

def _draw_padding(rng: random.Random, level: str) -> Given:
    f = rng.choice([3, 5, 7])
    s = rng.choice([1, 2])
    n = rng.randint(8, 32)
    return {"n": n, "f": f, "s": s, "o": -(-n // s)}


def _padding_problem(g: Given) -> dict[str, int | str | None]:
    return {"input": g["n"], "output": g["o"], "kernel": g["f"], "stride": g["s"], "padding": None, "dilation": 1}


def _padding(g: Given) -> int | None:
    _, solutions, _ = solve.solve(_padding_problem(g))
    return min((sol.window.p for sol in solutions), default=None)


PADDING = QuestionType(
    "padding",
    draw=_draw_padding,
    answer=_padding,
    worked=lambda lang, g: solve.render(lang, _padding_problem(g))[0],
)


# conv_by_hand: a small cross-correlation, window by window

def _draw_conv_by_hand(rng: random.Random, level: str) -> Given:
    hard = level == "hard"
    size = 4 if hard else 3
    values = range(-2, 4) if hard else range(4)
    return {
        "input": [[rng.choice(values) for _ in range(size)] for _ in range(size)],
        "kernel": [[rng.choice(values) for _ in range(2)] for _ in range(2)],
        "s": 1,
    }


def _conv_by_hand(g: Given) -> Grid:
    out, _ = convolve([g["input"]], [g["kernel"]], g["s"], 0, 1, 0, False)
    return out


def _conv_by_hand_worked(lang: str, g: Given) -> list[str]:
    out, windows = convolve([g["input"]], [g["kernel"]], g["s"], 0, 1, 0, False)
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
    answer=_conv_by_hand,
    worked=_conv_by_hand_worked,
    prompt_values=lambda g: {"s": g["s"], "input": _matrix(g["input"]), "kernel": _matrix(g["kernel"])},
)


QUESTION_TYPES: dict[str, QuestionType] = {t.id: t for t in (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND)}
LEVELS: dict[str, tuple[QuestionType, ...]] = {
    "easy": (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, CONV_BY_HAND),
    "medium": (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND),
    "hard": (OUTPUT_SIZE, PARAMS, RECEPTIVE_FIELD, PADDING, CONV_BY_HAND),
}


def question_type(name: str) -> QuestionType:
    """The entry for a type named in a key; an unknown name is an error, never a guess."""
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        raise SpecError(f"'{name}' is not a question type", hint="types are " + ", ".join(QUESTION_TYPES)) from None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    given: Given


def make(seed: int, count: int, level: str) -> list[Question]:
    """`count` questions, cycling through the level's types, with values drawn from `seed`."""
    rng = random.Random(f"convcalc-quiz:{seed}:{level}")
    kinds = LEVELS[level]
    questions = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        questions.append(Question(f"q{i + 1}", kind, kind.draw(rng, level)))
    return questions


def answer(question: Question) -> Answer:
    """The correct answer, computed from the question's values."""
    return question.type.answer(question.given)


def prompt(lang: str, question: Question) -> str:
    return question.type.prompt(lang, question.given)


def worked(lang: str, question: Question) -> list[str]:
    """The explanation a student gets for this question: the same text `explain`/`solve`/`conv` print."""
    return question.type.worked(lang, question.given)


def shown(value: Any, depth: int = 0) -> str:
    """An answer as a student would write it (lists nested past a matrix's depth elided)."""
    if isinstance(value, list):  # a matrix, a shape, or whatever list a student wrote
        return "[…]" if depth > 3 else "[" + ", ".join(shown(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{…}"
    if value is None:
        return "—"
    return text(value) if isinstance(value, (int, Fraction)) else str(value)


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
        "questions": [{"id": q.id, "type": q.type.id, "given": q.given, "answer": answer(q)} for q in questions],
    }
