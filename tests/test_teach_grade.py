"""grade never crashes and always yields results.json in gradescope mode (issue 16): flat lists,
strings, nulls, extra and missing keys, wrong case, thousands separators, points and show_worked."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convcalc.cli import app
from convcalc.teach import grade

KEY = EXAMPLES / "homework" / "key.yaml"
RUNNER = CliRunner()


def _grade(tmp_path, answers: str, *args: str, key: Path = KEY) -> tuple[int, str, str]:
    path = tmp_path / "answers.yaml"
    path.write_text(answers, encoding="utf-8")
    result = RUNNER.invoke(app, ["grade", str(key), str(path), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_flat_lists_for_shapes_and_matrices_are_graded_not_a_traceback(tmp_path):
    code, out, _ = _grade(tmp_path, "q5: [3, 1, 3, 3]\nq6: [7, 7]\n", "--format", "json")
    assert code == 0
    verdicts = {q["id"]: q for q in json.loads(out)["questions"]}
    assert verdicts["q5"]["correct"] and verdicts["q6"]["correct"]
    code, out, _ = _grade(tmp_path, "q5: [14, 14, 2, 4]\n")
    assert code == 0
    assert "q5: ✗ wrong: the answer is [[3, 1], [3, 3]], you wrote [14, 14, 2, 4]" in out


def test_key_case_and_thousands_separators_are_forgiven(tmp_path):
    code, out, _ = _grade(tmp_path, "Q1: 4\nq2: 1,480\n' q3': '17'\n")
    assert code == 0
    for question in ("q1", "q2", "q3"):
        assert f"{question}: ✓ correct" in out


@pytest.mark.parametrize("answer", ["5x5", "5×5", "5 x 5", "[5, 5]", "5", "4x4"])
def test_shapes_in_any_spelling(answer, tmp_path):
    spec = EXAMPLES / "lenet5.yaml"
    code, out, _ = _grade(tmp_path, "c1.output_shape: 6x28x28\nc1.rf: " + json.dumps(answer) + "\n", key=spec)
    assert code == 0
    assert "c1.output_shape: ✓" in out
    assert ("c1.rf: ✓" in out) == (answer != "4x4")


def test_malformed_answers_get_a_message_and_the_rest_is_graded(tmp_path):
    code, out, _ = _grade(tmp_path, "q1: {a: 1}\nq2: 1480\nq10: 5\n", "--format", "gradescope")
    assert code == 0
    results = json.loads(out)
    tests = {t["name"]: t for t in results["tests"]}
    assert "cannot read the answer" in tests["q1"]["output"]
    assert tests["q2"]["score"] == 1
    assert tests["q10"]["max_score"] == 0 and "not a question of this key" in tests["q10"]["output"]
    assert results["score"] == 1


@pytest.mark.parametrize("missing", ["answers", "key"])
def test_gradescope_writes_results_even_when_a_file_is_missing(missing, tmp_path):
    key = tmp_path / "nokey.yaml" if missing == "key" else KEY
    answers = tmp_path / "none.yaml" if missing == "answers" else KEY
    out_file = tmp_path / "results.json"
    result = RUNNER.invoke(app, ["grade", str(key), str(answers), "--format", "gradescope", "--out", str(out_file)],
                           catch_exceptions=False)
    assert result.exit_code == 0
    results = json.loads(out_file.read_text())
    assert results["score"] == 0
    assert "cannot read" in results["output"]
    if missing == "answers":  # every question still listed, each unanswered
        assert len(results["tests"]) == 9


def test_gradescope_survives_a_broken_answer_file(tmp_path):
    code, out, _ = _grade(tmp_path, "q1: [1, 2\nq2: 3\n", "--format", "gradescope")
    assert code == 0
    assert "invalid YAML" in json.loads(out)["output"]


def test_points_and_show_worked_are_set_in_the_key(tmp_path):
    key = yaml.safe_load(KEY.read_text())
    key["grading"] = {"points": 2, "show_worked": "never"}
    key["questions"][0]["points"] = 5
    path = tmp_path / "key.yaml"
    path.write_text(yaml.safe_dump(key))
    code, out, _ = _grade(tmp_path, "q1: 4\nq2: 1\n", "--format", "gradescope", key=path)
    results = json.loads(out)
    tests = {t["name"]: t for t in results["tests"]}
    assert (tests["q1"]["max_score"], tests["q1"]["score"], tests["q2"]["max_score"]) == (5, 5, 2)
    assert results["score"] == 5
    assert "\n" not in tests["q2"]["output"]  # never: no worked answer
    code, out, _ = _grade(tmp_path, "q1: 4\nq2: 1\n", "--show-worked", "always", key=path)
    assert code == 0
    assert "q1: ✓ correct\n    Output size" in out
    assert out.rstrip().endswith("score: 5/21")


def test_the_normalisation():
    assert grade.normalise("1,770") == 1770
    assert grade.normalise("3x3") == [3, 3]
    assert grade.normalise("[3, 3]") == [3, 3]
    assert grade.normalise([["1", 2]]) == [[1, 2]]


# The fuzzed set of student answer files

ANSWER = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12) | st.sampled_from(["1,770", "3x3", "[3, 3]", "7/3", "1/0", "2.33", "  4 ", "×", "nan"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
KEYS = st.sampled_from(["q1", "Q2", "q3 ", "q4", "q5", "q6", "Q7", "q8", "q9", "total.params", "", "1", "c1.rf"])


@settings(max_examples=150, deadline=None)
@given(
    answers=st.dictionaries(KEYS | st.text(max_size=6), ANSWER, max_size=10) | ANSWER,
    fmt=st.sampled_from(["text", "json", "gradescope"]),
    lang=st.sampled_from(["en", "zh"]),
    spec_key=st.booleans(),
)
def test_fuzzed_answer_files_never_crash_grade(answers, fmt, lang, spec_key):
    key = EXAMPLES / "lenet5.yaml" if spec_key else KEY
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.yaml"
        path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
        result = RUNNER.invoke(app, ["grade", str(key), str(path), "--format", fmt, "--lang", lang],
                               catch_exceptions=False)
    if fmt == "gradescope":
        assert result.exit_code == 0
        results = json.loads(result.stdout)
        assert {"score", "output", "tests"} <= set(results)
        assert all({"name", "score", "max_score", "output"} <= set(t) for t in results["tests"])
    elif isinstance(answers, dict):
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code in (0, 2)
