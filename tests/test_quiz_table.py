"""The quiz's question table: every type is one complete entry (draw, answer, prompt and worked
solution in every language, comparison), every level draws from it, and a key graded against
itself scores full marks for many seeds in every language."""

from __future__ import annotations

import pytest
import yaml

from convcalc.errors import SpecError
from convcalc.teach import grade, quiz
from convcalc.teach.text import CATALOGUES

TYPES = list(quiz.QUESTION_TYPES.values())
SEEDS = range(25)
QUIZ_MESSAGES = {"quiz.title", "quiz.key_title", "quiz.answer_format"}  # the quiz's own words, not a type's prompt


def _one_of(kind: quiz.QuestionType, level: str, seed: int) -> quiz.Question:
    """The first question of `kind` in a seeded quiz of `level`."""
    return next(q for q in quiz.make(seed, 2 * len(quiz.LEVELS[level]), level) if q.type is kind)


def test_the_table_is_keyed_by_each_entrys_id():
    assert all(name == kind.id for name, kind in quiz.QUESTION_TYPES.items())


def test_every_level_draws_only_table_entries_and_every_entry_is_drawn():
    drawn = {kind.id for kinds in quiz.LEVELS.values() for kind in kinds}
    assert all(quiz.QUESTION_TYPES[kind.id] is kind for kinds in quiz.LEVELS.values() for kind in kinds)
    assert drawn == set(quiz.QUESTION_TYPES)


@pytest.mark.parametrize("lang", CATALOGUES)
def test_every_prompt_message_belongs_to_a_type(lang):
    prompts = {key for key in CATALOGUES[lang] if key.startswith("quiz.")} - QUIZ_MESSAGES
    assert prompts == {f"quiz.{kind.id}" for kind in TYPES}


@pytest.mark.parametrize("lang", CATALOGUES)
@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.id)
def test_every_type_has_a_prompt_and_a_worked_solution_in_every_language(kind, lang):
    for level, kinds in quiz.LEVELS.items():
        if kind not in kinds:
            continue
        question = _one_of(kind, level, seed=1)
        text = quiz.prompt(lang, question)
        assert text and "{" not in text and "}" not in text
        lines = quiz.worked(lang, question)
        assert any(line.strip() for line in lines)


@pytest.mark.parametrize("lang", CATALOGUES)
@pytest.mark.parametrize("level", quiz.LEVELS)
def test_the_key_graded_against_itself_scores_full_marks(level, lang):
    for seed in SEEDS:
        questions = quiz.make(seed, 2 * len(quiz.LEVELS[level]), level)
        key = yaml.safe_load(yaml.safe_dump(quiz.key_data(seed, level, lang, questions), allow_unicode=True))
        perfect = {q["id"]: q["answer"] for q in key["questions"]}
        verdicts = grade.grade_quiz(key, perfect, lang)
        assert [v.id for v in verdicts if not v.correct] == [], f"seed {seed}"
        assert grade.gradescope(lang, verdicts)["score"] == len(questions)


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.id)
def test_each_type_accepts_its_own_answer_and_refuses_a_wrong_one(kind):
    for level, kinds in quiz.LEVELS.items():
        if kind not in kinds:
            continue
        for seed in SEEDS:
            question = _one_of(kind, level, seed)
            expected = quiz.answer(question)
            assert kind.matches(expected, expected)
            assert kind.matches(expected, quiz.answer(question))  # recomputed, not a cached object
            assert not kind.matches(expected, None)


def test_a_type_the_table_does_not_know_is_an_error():
    key = {"questions": [{"id": "q1", "type": "pooling", "given": {"n": 4}}]}
    with pytest.raises(SpecError) as error:
        grade.grade_quiz(key, {"q1": 2}, "en")
    assert str(error.value) == "error: 'pooling' is not a question type\n  hint: types are " + ", ".join(quiz.QUESTION_TYPES)
