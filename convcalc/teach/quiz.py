"""`convcalc quiz`: exercises from a seed (the same seed, the same quiz), with the answer key.

Every answer is computed by the same code that `explain`, `solve` and `conv` use, and `grade`
computes it again from the question's `given` values, so a key cannot drift from the math.

A question type is one `QuestionType` entry in `QUESTION_TYPES` (convcalc.teach.questions): how
it draws its values for a level, which values a key must give it, how its answer is computed,
the values its prompt `quiz.<id>` is filled with (one message per language in lang_en /
lang_zh), its worked solution, and how a student's answer to it is compared with the key.
`LEVELS` lists the types each level cycles through. Adding a type is one entry there, its
`quiz.<id>` message in each catalogue, and its place in `LEVELS`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from convcalc.errors import SpecError
from convcalc.formats import decimal
from convcalc.teach.grid import text
from convcalc.teach.questions import LEVELS, QUESTION_TYPES, TOLERANCE, Answer, Given, QuestionType, check_given, same
from convcalc.teach.text import say

__all__ = ["LEVELS", "QUESTION_TYPES", "TOLERANCE", "Answer", "Given", "Question", "QuestionType", "answer",
           "check_given", "key_data", "key_markdown", "make", "prompt", "question_type", "questions_markdown", "same",
           "shown", "worked"]

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


def shown(value: Any) -> str:
    """An answer as a student would write it; anything a student wrote, shown as it is."""
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        return str(value)
    if isinstance(value, float):
        return decimal(value, 4) if math.isfinite(value) else str(value)
    return text(value)


def questions_markdown(lang: str, seed: int, level: str, questions: list[Question]) -> str:
    lines = [f"# {say(lang, 'quiz.title', seed=seed, level=say(lang, f'level.{level}'))}", "", say(lang, "quiz.answer_format"), ""]
    for q in questions:
        lines += [f"**{q.id}.** {prompt(lang, q)}", ""]
    return "\n".join(lines)


def key_markdown(lang: str, seed: int, level: str, questions: list[Question]) -> str:
    lines = [f"# {say(lang, 'quiz.key_title', seed=seed, level=say(lang, f'level.{level}'))}", ""]
    for q in questions:
        lines += [f"**{q.id}.** {prompt(lang, q)}", "", f"**{shown(answer(q))}**", "", "```", *worked(lang, q), "```", ""]
    return "\n".join(lines)


def key_data(seed: int, level: str, lang: str, questions: list[Question]) -> dict[str, Any]:
    """The machine-readable key that `grade` reads: the questions' values (answers are recomputed)."""
    return {
        "quiz": {"seed": seed, "level": level, "lang": lang, "count": len(questions)},
        "questions": [{"id": q.id, "type": q.type.id, "given": q.given, "answer": answer(q)} for q in questions],
    }
