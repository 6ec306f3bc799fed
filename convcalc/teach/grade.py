"""`convcalc grade`: a student's answer file against the computed answers.

The key is a quiz key (`key.yaml` from `convcalc quiz`) or a network spec. For a spec, the
questions are `LAYER.QUANTITY` for every layer (output_shape, params, macs, rf, jump) and
`total.params` / `total.macs`; a student answers any of them. Answers are recomputed here, never
read from the key, so an edited key cannot change a grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convcalc.engine import analyze
from convcalc.engine.report import LayerResult
from convcalc.errors import SpecError
from convcalc.network import Network, leaves
from convcalc.teach import quiz
from convcalc.teach.explain import spec_layer
from convcalc.teach.quiz import same
from convcalc.teach.text import say

QUANTITIES = ("output_shape", "params", "macs", "rf", "jump")


@dataclass(frozen=True, slots=True)
class Verdict:
    id: str
    expected: Any
    got: Any
    correct: bool
    explanation: tuple[str, ...]


def grade_quiz(key: dict[str, Any], answers: dict[str, Any], lang: str) -> list[Verdict]:
    verdicts = []
    try:
        entries = [(str(q["id"]), str(q["type"]), dict(q["given"])) for q in key["questions"]]
    except (KeyError, TypeError, ValueError):
        raise SpecError("the key's questions need id, type and given", hint="use the key.yaml that convcalc quiz wrote") from None
    for question_id, _, given in entries:
        _check_given(question_id, given)
    questions = [quiz.Question(question_id, quiz.question_type(kind), given) for question_id, kind, given in entries]
    known = {q.id for q in questions}
    for question_id in answers:
        if str(question_id) not in known:
            raise SpecError(say(lang, "grade.unknown", id=question_id), hint="questions are " + ", ".join(sorted(known)))
    for question in questions:
        try:
            expected = quiz.answer(question)
            got = answers.get(question.id)
            correct = got is not None and question.type.matches(expected, got)
            worked = () if correct else tuple(quiz.worked(lang, question))
        except (ArithmeticError, KeyError, TypeError, ValueError, IndexError) as problem:
            raise SpecError(
                f"the key's question {question.id} ({question.type.id}) cannot be worked from its given values "
                f"({type(problem).__name__}: {problem})",
                hint="use the key.yaml that convcalc quiz wrote",
            ) from None
        verdicts.append(Verdict(question.id, expected, got, correct, worked))
    return verdicts


MAX_GIVEN = 10**6  # a quiz's numbers are small; an edited key must not ask for 10**100-wide work


def _check_given(question_id: str, given: dict[str, Any]) -> None:
    """Every value a key gives is a whole number of modest size (or a list of them: strides, matrices)."""
    stack: list[Any] = list(given.values())
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_GIVEN:
            raise SpecError(
                f"the key's question {question_id} gives {str(value)[:40]!r}: given values are whole numbers "
                f"up to {MAX_GIVEN:,}",
                hint="use the key.yaml that convcalc quiz wrote",
            )


def grade_spec(network: Network, answers: dict[str, Any], lang: str) -> list[Verdict]:
    """Every answered `LAYER.QUANTITY` (and `total.params`, `total.macs`) of a spec."""
    report = analyze(network)
    rows = {row.name: row for row in report.layers}
    verdicts = []
    for question, got in answers.items():
        layer, _, quantity = str(question).rpartition(".")
        if layer == "total" and quantity in ("params", "macs"):
            expected: Any = getattr(report.totals, quantity)
            explanation: tuple[str, ...] = ()
        elif layer in rows and quantity in QUANTITIES:
            expected = _quantity(rows[layer], quantity)
            explanation = tuple(spec_layer(lang, network, report, layer, None)) if layer_is_leaf(network, layer) else ()
        else:
            raise SpecError(
                say(lang, "grade.unknown", id=question),
                hint=f"answer LAYER.QUANTITY with a layer of the table and one of {', '.join(QUANTITIES)}, or total.params",
            )
        correct = same(expected, got) or (quantity == "output_shape" and same(expected[1:], got))
        verdicts.append(Verdict(str(question), expected, got, correct, () if correct else explanation))
    return verdicts


def layer_is_leaf(network: Network, name: str) -> bool:
    return any(layer.name == name for layer in leaves(network.layers))


def _quantity(row: LayerResult, quantity: str) -> Any:
    if quantity == "output_shape":
        return list(row.output_shape)
    if quantity in ("rf", "jump"):
        if row.receptive_field is None:
            return None
        values = [getattr(axis, "size" if quantity == "rf" else "jump") for axis in row.receptive_field]
        return values[0] if len(set(values)) == 1 else values
    return getattr(row, quantity)


def score_lines(lang: str, verdicts: list[Verdict]) -> list[str]:
    lines = []
    for v in verdicts:
        if v.correct:
            lines.append(f"{v.id}: ✓ {say(lang, 'grade.correct')}")
            continue
        expected = quiz.shown(v.expected)
        text = say(lang, "grade.missing", expected=expected) if v.got is None else say(
            lang, "grade.wrong", expected=expected, got=quiz.shown(v.got)
        )
        lines.append(f"{v.id}: ✗ {text}")
        lines += [("    " + line) if line else "" for line in v.explanation]
    lines.append(say(lang, "grade.score", score=sum(v.correct for v in verdicts), total=len(verdicts)))
    return lines


def gradescope(lang: str, verdicts: list[Verdict]) -> dict[str, Any]:
    """Gradescope's autograder results.json: one test per question, 1 point each."""
    tests = []
    for v, line in zip(verdicts, _per_question(lang, verdicts)):
        tests.append({"name": v.id, "score": 1 if v.correct else 0, "max_score": 1, "output": line})
    return {
        "score": sum(v.correct for v in verdicts),
        "output": say(lang, "grade.score", score=sum(v.correct for v in verdicts), total=len(verdicts)),
        "tests": tests,
    }


def _per_question(lang: str, verdicts: list[Verdict]) -> list[str]:
    texts = []
    for v in verdicts:
        single = score_lines(lang, [v])[:-1]  # without the score line
        texts.append("\n".join(line.strip() if i == 0 else line for i, line in enumerate(single)))
    return texts
