"""Issue 18 (grade): a key written by hand is checked before anything is computed from it, and
every problem is an error at the line and column of the entry, never a traceback; an answer id
that is no question is listed with its position in the answers file."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from conftest import EXAMPLES

KEY = EXAMPLES / "homework" / "key.yaml"

# (the first question's replaced entry as YAML flow text, the message after "key.yaml:LINE:COL: error: ")
BROKEN = [
    ("{id: q1, type: output_size, given: {n: 4, f: 3, s: 0, p: 1}}", "question q1: 's' must be a whole number ≥ 1 (got 0)"),
    ("{id: q1, type: output_size, given: {n: 4, s: 1, p: 1}}", "question q1: 'given' has no 'f'"),
    ("{id: q1, type: params, given: {f: 3, c: [1], k: 2}}", "question q1: 'c' must be a whole number ≥ 1 (got [1])"),
    ("{id: q1, type: output_size, given: {n: .nan, f: 3, s: 1, p: 1}}", "question q1: 'n' must be a whole number ≥ 1"),
    ("{id: q1, type: output_size, given: {n: .inf, f: 3, s: 1, p: 1}}", "question q1: 'n' must be a whole number ≥ 1"),
    ("{id: q1, type: output_size, given: {n: 4, f: 3, s: 1, p: valid}}", "question q1: 'p' must be a whole number ≥ 0"),
    ("{id: q1, type: output_size, given: {n: 2, f: 9, s: 1, p: 0}}", "question q1: these values are impossible"),
    ("{id: q1, type: grouped, given: {f: 3, c: 6, k: 4, g: 4}}", "question q1: these values are impossible: 'c' and 'k'"),
    ("{id: q1, type: receptive_field, given: {layers: 3, f: 3, strides: [1]}}", "question q1: these values are impossible"),
    ("{id: q1, type: conv_by_hand, given: {input: [[1, 2], [3]], kernel: [[1]], s: 1}}",
     "question q1: 'input' must be a rectangular list of rows"),
    ("{id: q1, type: conv_by_hand, given: {input: [[1]], kernel: [[1, 2], [3, 4]], s: 1}}",
     "question q1: these values are impossible"),
    ("{id: q1, type: conv_by_hand, given: {input: [[.inf]], kernel: [[1]], s: 1}}", "question q1: 'input' must hold finite"),
    ("{id: q1, type: transposed, given: {n: 4, f: 3, s: 2, p: 0, op: 5}}", "question q1: these values are impossible"),
    ("{id: q1, type: pool_output, given: {n: 8, f: 2, s: 2, p: 2}}", "question q1: these values are impossible"),
    ("{id: q1, type: padding, given: 7}", "question q1: 'given' must be a mapping"),
    ("{id: q1, type: nope, given: {}}", "'nope' is not a question type"),
    ("{type: output_size, given: {n: 4}}", "question 1 of the key has no id"),
    ("{id: q1, type: output_size}", "question 1 of the key has no given"),
    ("[q1]", "question 1 of the key has no id, type, given"),
    ("{id: q2, type: params, given: {f: 1, c: 1, k: 1}}", "question 2 of the key: id 'q2' is not a new name"),
]


def _key_with_first(entry: str) -> str:
    key = yaml.safe_load(KEY.read_text(encoding="utf-8"))
    others = yaml.safe_dump({"questions": key["questions"][1:]}, sort_keys=False).split("\n", 1)[1]
    return f"quiz: {{seed: 1}}\nquestions:\n- {entry}\n{others}"


@pytest.mark.parametrize(("entry", "message"), BROKEN, ids=[m for _, m in BROKEN])
@pytest.mark.parametrize("fmt", ["text", "gradescope"])
def test_a_broken_key_is_an_error_at_its_entry(entry, message, fmt, run, tmp_path):
    key = tmp_path / "key.yaml"
    key.write_text(_key_with_first(entry), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text("q1: 4\n")
    code, out, err = run("grade", str(key), str(answers), "--format", fmt)
    line = 4 if message.startswith("question 2") else 3  # a repeated id: at the second entry
    if fmt == "text":
        assert (code, out) == (2, "")
        assert err.startswith(f"{key}:{line}:") and message in err.splitlines()[0], err
    else:
        results = json.loads(out)
        assert (code, results["score"]) == (0, 0)
        assert f"{key}:{line}:" in results["output"] and message in results["output"]


def test_a_huge_size_in_a_key_is_graded_at_once(run, tmp_path):
    key = tmp_path / "key.yaml"
    key.write_text("questions:\n- {id: q1, type: output_size, given: {n: 100000000000000000, f: 2, s: 3, p: 0}}\n")
    (tmp_path / "a.yaml").write_text("q1: 1\n")
    start = time.perf_counter()
    code, out, _ = run("grade", str(key), str(tmp_path / "a.yaml"))
    assert time.perf_counter() - start < 2
    assert code == 0 and "q1: ✗ wrong: the answer is 33333333333333333" in out


def test_an_answer_to_no_question_says_where_it_is(run, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("q1: 4\n# a comment\nq01: 1480\nQ1: 5\n")
    code, out, _ = run("grade", str(KEY), str(answers))
    assert code == 0
    assert f"q01: ✗ 'q01' is not a question of this key (at {answers}:3:1)" in out
    assert f"Q1: ✗ 'Q1' answers a question that already has an answer; only the first counts (at {answers}:4:1)" in out
    code, out, _ = run("grade", str(KEY), str(answers), "--lang", "zh")
    assert f"“q01”不是这份答案中的题目（位于 {answers}:3:1）" in out
