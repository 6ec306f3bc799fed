"""`convcalc grade`: a student's answer file against the computed answers.

The key is a quiz key (`key.yaml` from `convcalc quiz`) or a network spec. For a spec, the
questions are `LAYER.QUANTITY` for every layer (output_shape, params, macs, rf, jump) and
`total.params` / `total.macs`; a student answers any of them. Answers are recomputed here, never
read from the key, so an edited key cannot change a grade.

Grading never stops at one bad answer: every question gets a verdict (correct, wrong, missing,
malformed) and every answer that names no question gets a message of its own, worth no points.
Answers are normalised the way a TA reads them (`normalise`): keys in any case (`Q1`), numbers
with thousands separators (`1,770`), shapes as `3x3`, `3×3`, `[3, 3]` or one number for equal
sides, a matrix as rows or as one flat list in row order.

A quiz key may set, per question, `points:` (default 1), and at the top `grading: {points: N,
show_worked: always|wrong|never}` (the default points and when a worked answer is shown).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convcalc.engine import analyze
from convcalc.engine.report import LayerResult
from convcalc.errors import ConvcalcError, SpecError
from convcalc.layers.tensor import LayerError
from convcalc.network import Network
from convcalc.source import Span
from convcalc.teach import quiz
from convcalc.teach.explain import find, spec_layer
from convcalc.teach.quiz import same
from convcalc.teach.text import say

Locator = Callable[[tuple[object, ...], bool], Span | None]  # where a path of a YAML file was written (key=True: its key)


def nowhere(path: tuple[object, ...], key: bool) -> Span | None:
    return None


QUANTITIES = ("output_shape", "params", "macs", "rf", "jump")
SHOW_WORKED = ("always", "wrong", "never")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,，_ ]\d{3})+(\.\d+)?$")
SHAPE = re.compile(r"^\d+(\s*[x×X*]\s*\d+)+$")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One graded question, or one answer that could not be graded (`status` says which)."""

    id: str
    expected: Any
    got: Any
    correct: bool
    explanation: tuple[str, ...]
    status: str = "graded"  # graded | missing | malformed | unknown
    points: float = 1
    message: str = ""

    @property
    def score(self) -> float:
        return self.points if self.correct else 0


@dataclass(frozen=True, slots=True)
class Grading:
    """How a key grades: default points, per-question points, when worked answers are shown."""

    points: float = 1
    per_question: dict[str, float] = field(default_factory=dict)
    show_worked: str = "wrong"


def normalise(value: Any) -> Any:
    """A student's answer as a TA would read it: '1,770' -> 1770, '3x3' -> [3, 3], lists inside out."""
    if isinstance(value, str):
        text = value.strip()
        if THOUSANDS.match(text):
            text = re.sub(r"[,，_ ]", "", text)
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if SHAPE.match(text):
            return [int(part) for part in re.split(r"\s*[x×X*]\s*", text)]
        if text.startswith("[") and text.endswith("]"):
            inner = [part for part in re.split(r"[\[\],;\s]+", text) if part]
            if inner and all(re.fullmatch(r"[+-]?\d+(\.\d+)?(/\d+)?", part) for part in inner):
                return [normalise(part) for part in inner] if text.count("[") == 1 else value
        return text
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def _match_keys(answers: dict[Any, Any], known: list[str]) -> tuple[dict[str, Any], list[tuple[Any, Any, str]]]:
    """Answers keyed by the question they answer (case and spaces forgiven), and the leftovers
    (key as written, answer, message id): no such question, or a second answer to one."""
    by_lower = {k.lower(): k for k in known}
    matched: dict[str, Any] = {}
    leftovers = []
    for raw, value in answers.items():
        key = str(raw).strip()
        target = key if key in known else by_lower.get(key.lower().replace(" ", ""))
        if target is None:
            leftovers.append((raw, value, "grade.unknown"))
        elif target in matched:
            leftovers.append((raw, value, "grade.duplicate"))
        else:
            matched[target] = value
    return matched, leftovers


def _grading(key: dict[str, Any], show_worked: str | None, key_at: Locator = nowhere) -> Grading:
    settings = key.get("grading") if isinstance(key.get("grading"), dict) else {}
    assert isinstance(settings, dict)
    default = _points(settings.get("points", 1), "grading.points", key_at(("grading", "points"), False))
    per_question = {}
    for index, q in enumerate(key.get("questions") or []):
        if isinstance(q, dict) and "points" in q:
            per_question[str(q.get("id"))] = _points(q["points"], f"points of {q.get('id')}",
                                                     key_at(("questions", index, "points"), False))
    worked = show_worked or str(settings.get("show_worked", "wrong"))
    if worked not in SHOW_WORKED:
        raise SpecError(f"show_worked must be one of {', '.join(SHOW_WORKED)} (got {worked!r})",
                        None if show_worked else key_at(("grading", "show_worked"), False),
                        hint="grading: {show_worked: wrong}")
    return Grading(default, per_question, worked)


def _points(value: Any, what: str, span: Span | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 10**9:
        raise SpecError(f"{what} must be a non-negative number below 10^9 (got {value!r})", span, hint="points: 2")
    return value


def _shown(worked: str, correct: bool, lines: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if worked == "always" or (worked == "wrong" and not correct):
        return tuple(lines)
    return ()


def _compare(kind: quiz.QuestionType | None, expected: Any, got: Any) -> bool | None:
    """Whether `got` is `expected`; None when the answer cannot be read at all (a mapping, ...)."""
    if isinstance(got, dict):
        return None
    try:
        got = normalise(got)
        if kind is not None and kind.matches(expected, got):
            return True
        return same(expected, got) if kind is None else False
    except (TypeError, ValueError, ArithmeticError, IndexError):
        return None


def _malformed(lang: str, expected: Any, got: Any) -> str:
    return say(lang, "grade.malformed", got=quiz.shown(got), expected=quiz.shown(expected))


def _leftover_verdicts(lang: str, leftovers: list[tuple[Any, Any, str]], answers_at: Locator) -> list[Verdict]:
    """An answer to no question, worth 0, with the line and column of its id in the answers file."""
    verdicts = []
    for raw, value, message in leftovers:
        where = answers_at((raw,), True)
        text = say(lang, message, id=str(raw)) + (say(lang, "grade.at", where=where) if where else "")
        verdicts.append(Verdict(str(raw), None, value, False, (), status="unknown", points=0, message=text))
    return verdicts


def _key_error(message: str, span: Span | None, hint: str = "use the key.yaml that convcalc quiz wrote") -> SpecError:
    return SpecError(message, span, hint)


def _key_questions(key: dict[str, Any], lang: str, key_at: Locator
                   ) -> list[tuple[quiz.Question, quiz.Answer, list[str]]]:
    """The key's questions, each with its answer and worked solution, computed here; a key written
    by hand that lacks a field, has a value of the wrong kind, or values the layer refuses is an
    error at the line and column of the entry (never a traceback from the arithmetic)."""
    entries = key.get("questions")
    if not isinstance(entries, list) or not entries:
        raise _key_error("the key's 'questions' must be a list of questions with id, type and given",
                         key_at(("questions",), False) or key_at((), False))
    questions = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        at = ("questions", index)
        missing = [name for name in ("id", "type", "given") if not isinstance(entry, dict) or name not in entry]
        if missing:
            raise _key_error(f"question {index + 1} of the key has no {', '.join(missing)} (each needs id, type and given)",
                             key_at(at, False))
        assert isinstance(entry, dict)
        if not isinstance(entry["id"], (str, int)) or isinstance(entry["id"], bool) or str(entry["id"]) in seen:
            raise _key_error(f"question {index + 1} of the key: id {entry['id']!r} is not a new name or number",
                             key_at((*at, "id"), False))
        question_id = str(entry["id"])
        seen.add(question_id)
        try:
            kind = quiz.question_type(str(entry["type"]))
        except SpecError as error:
            raise _key_error(error.message, key_at((*at, "type"), False), error.hint or "") from None
        problem = quiz.check_given(kind, entry["given"])
        if problem:
            blamed, message = problem
            where = key_at((*at, "given", blamed), False) if blamed else None
            raise _key_error(f"question {question_id}: {message}", where or key_at((*at, "given"), False))
        question = quiz.Question(question_id, kind, dict(entry["given"]))
        try:
            expected, worked = quiz.answer(question), quiz.worked(lang, question)
        except (LayerError, ConvcalcError, ValueError, ArithmeticError) as error:
            reason = getattr(error, "message", None) or str(error)
            raise _key_error(f"question {question_id}: these values are impossible: {reason}",
                             key_at((*at, "given"), False)) from None
        questions.append((question, expected, worked))
    return questions


def grade_quiz(key: dict[str, Any], answers: dict[Any, Any], lang: str, show_worked: str | None = None, *,
               key_at: Locator = nowhere, answers_at: Locator = nowhere) -> list[Verdict]:
    """Every question of a quiz key, its answer recomputed from `given`; `key_at`/`answers_at`
    locate values in the files for messages (file:line:col)."""
    questions = _key_questions(key, lang, key_at)
    grading = _grading(key, show_worked, key_at)
    matched, leftovers = _match_keys(answers, [q.id for q, _, _ in questions])
    verdicts = []
    for question, expected, worked in questions:
        points = grading.per_question.get(question.id, grading.points)
        if question.id not in matched or matched[question.id] is None:
            verdicts.append(Verdict(question.id, expected, None, False, _shown(grading.show_worked, False, worked),
                                    status="missing", points=points))
            continue
        got = matched[question.id]
        correct = _compare(question.type, expected, got)
        if correct is None:
            verdicts.append(Verdict(question.id, expected, got, False, _shown(grading.show_worked, False, worked),
                                    status="malformed", points=points, message=_malformed(lang, expected, got)))
            continue
        verdicts.append(Verdict(question.id, expected, got, correct, _shown(grading.show_worked, correct, worked),
                                points=points))
    return verdicts + _leftover_verdicts(lang, leftovers, answers_at)


def grade_spec(network: Network, answers: dict[Any, Any], lang: str, show_worked: str | None = None, *,
               answers_at: Locator = nowhere) -> list[Verdict]:
    """Every answered `LAYER.QUANTITY` (and `total.params`, `total.macs`) of a spec."""
    report = analyze(network)
    rows = {row.name: row for row in report.layers}
    known = [f"{name}.{q}" for name in rows for q in QUANTITIES] + ["total.params", "total.macs"]
    matched, leftovers = _match_keys(answers, known)
    worked_mode = show_worked or "wrong"
    verdicts = []
    for question, got in matched.items():
        layer, _, quantity = question.rpartition(".")
        explanation: tuple[str, ...] = ()
        if layer == "total":
            expected: Any = getattr(report.totals, quantity)
        else:
            expected = _quantity(rows[layer], quantity)
            if find(report, layer) is not None:
                explanation = tuple(spec_layer(lang, network, report, layer, None))
        if got is None:
            verdicts.append(Verdict(question, expected, None, False, _shown(worked_mode, False, explanation),
                                    status="missing"))
            continue
        correct = _compare(None, expected, got)
        if correct is not None and not correct and quantity == "output_shape":
            correct = _compare(None, expected[1:], got)  # the shape without the batch
        if correct is None:
            verdicts.append(Verdict(question, expected, got, False, _shown(worked_mode, False, explanation),
                                    status="malformed", message=_malformed(lang, expected, got)))
            continue
        verdicts.append(Verdict(question, expected, got, correct, _shown(worked_mode, correct, explanation)))
    return verdicts + _leftover_verdicts(lang, leftovers, answers_at)


def _quantity(row: LayerResult, quantity: str) -> Any:
    if quantity == "output_shape":
        return list(row.output_shape)
    if quantity in ("rf", "jump"):
        if row.receptive_field is None:
            return None
        values = [getattr(axis, "size" if quantity == "rf" else "jump") for axis in row.receptive_field]
        return values[0] if len(set(values)) == 1 else values
    return getattr(row, quantity)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def score_of(verdicts: list[Verdict]) -> tuple[float, float]:
    return sum(v.score for v in verdicts), sum(v.points for v in verdicts)


def verdict_line(lang: str, v: Verdict) -> str:
    """The one line a question gets: ✓, ✗ with the answer, or why it could not be graded."""
    if v.status in ("unknown", "malformed"):
        return f"{v.id}: ✗ {v.message}"
    if v.correct:
        return f"{v.id}: ✓ {say(lang, 'grade.correct')}"
    expected = quiz.shown(v.expected)
    if v.status == "missing":
        return f"{v.id}: ✗ {say(lang, 'grade.missing', expected=expected)}"
    return f"{v.id}: ✗ {say(lang, 'grade.wrong', expected=expected, got=quiz.shown(v.got))}"


def score_lines(lang: str, verdicts: list[Verdict]) -> list[str]:
    lines = []
    for v in verdicts:
        lines.append(verdict_line(lang, v))
        lines += [("    " + line) if line else "" for line in v.explanation]
    score, total = score_of(verdicts)
    lines.append(say(lang, "grade.score", score=_number(score), total=_number(total)))
    return lines


def gradescope(lang: str, verdicts: list[Verdict]) -> dict[str, Any]:
    """Gradescope's autograder results.json: one test per question (its points), one per answer
    that names no question (worth 0), the score, and the message of what could not be graded."""
    tests = []
    for v in verdicts:
        single = "\n".join([verdict_line(lang, v), *v.explanation])
        tests.append({"name": v.id, "score": v.score, "max_score": v.points, "output": single,
                      "status": "passed" if v.correct else "failed"})
    score, total = score_of(verdicts)
    return {"score": score, "output": say(lang, "grade.score", score=_number(score), total=_number(total)),
            "tests": tests}


def failed_results(lang: str, message: str) -> dict[str, Any]:
    """results.json when nothing could be graded (a missing or unreadable file): score 0 and why."""
    return {"score": 0, "output": say(lang, "grade.failed", message=message), "tests": []}
