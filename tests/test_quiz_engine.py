"""Issue 16 (quiz): every lecture topic is asked, the levels really differ, and every generated
key answer is recomputed independently (by the engine on a spec built from the question's values,
or by PyTorch for the conv by hand) and agrees; the key graded against itself scores full marks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import needs_torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.errors import ConvcalcError
from convcalc.teach import grade, quiz

LECTURE_TOPICS = {"output_size", "params", "receptive_field", "padding", "conv_by_hand", "pool_output", "conv1x1",
                  "dilated", "grouped", "depthwise", "transposed"}


def _spec(shape: list[int], *layers: str) -> str:
    return f"input: {shape}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


def _last(text: str) -> Any:
    return convcalc.analyze(text).layers[-1]


def _out(text: str) -> int:
    return int(_last(text).output_shape[-1])


def _params(text: str) -> int:
    return int(convcalc.analyze(text).totals.params)


def _conv_out(n: int, f: int, s: int, p: int, d: int = 1) -> int | None:
    try:
        return _out(_spec([1, n, n], f"conv: {{out: 1, kernel: {f}, stride: {s}, padding: {p}, dilation: {d}}}"))
    except ConvcalcError:
        return None


def _padding(g: dict[str, Any]) -> int | None:
    """The smallest padding whose conv gives the output o (the engine tried for every candidate)."""
    return next((p for p in range(2 * g["f"] + 1) if _conv_out(g["n"], g["f"], g["s"], p) == g["o"]), None)


def _receptive_field(g: dict[str, Any]) -> int:
    convs = [f"conv: {{out: 1, kernel: {g['f']}, stride: {s}, padding: {g['f'] // 2}}}" for s in g["strides"]]
    row = _last(_spec([1, 1024, 1024], *convs))
    return int(row.receptive_field[0].size)


def _conv_by_hand(g: dict[str, Any]) -> list[list[int]]:
    import torch

    x = torch.tensor([[g["input"]]], dtype=torch.float64)
    w = torch.tensor([[g["kernel"]]], dtype=torch.float64)
    out = torch.nn.functional.conv2d(x, w, stride=g["s"])[0, 0]
    return [[round(v) for v in row] for row in out.tolist()]


ENGINE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "output_size": lambda g: _conv_out(g["n"], g["f"], g["s"], g["p"]),
    "params": lambda g: _params(_spec([g["c"], g["f"], g["f"]], f"conv: {{out: {g['k']}, kernel: {g['f']}}}")),
    "receptive_field": _receptive_field,
    "padding": _padding,
    "pool_output": lambda g: _out(_spec([1, g["n"], g["n"]],
                                        f"maxpool: {{kernel: {g['f']}, stride: {g['s']}, padding: {g['p']}}}")),
    "conv1x1": lambda g: list(_last(_spec([g["c"], g["n"], g["n"]],
                                          f"conv: {{out: {g['k']}, kernel: 1, stride: {g['s']}}}")).output_shape[1:]),
    "dilated": lambda g: _conv_out(g["n"], g["f"], g["s"], g["p"], g["d"]),
    "grouped": lambda g: _params(_spec([g["c"], g["f"], g["f"]],
                                       f"conv: {{out: {g['k']}, kernel: {g['f']}, groups: {g['g']}}}")),
    "depthwise": lambda g: _params(_spec([g["c"], 8, 8],
                                         f"conv: {{out: {g['c']}, kernel: {g['f']}, groups: {g['c']}, padding: {g['f'] // 2}}}",
                                         f"conv: {{out: {g['k']}, kernel: 1}}")),
    "transposed": lambda g: _out(_spec([1, g["n"], g["n"]], f"convtranspose: {{out: 1, kernel: {g['f']}, stride: {g['s']}, "
                                       f"padding: {g['p']}, output_padding: {g['op']}}}")),
    "conv_by_hand": _conv_by_hand,
}


def test_every_lecture_topic_is_asked_and_checked_independently():
    assert set(quiz.QUESTION_TYPES) == LECTURE_TOPICS == set(ENGINE)
    assert {kind.id for kinds in quiz.LEVELS.values() for kind in kinds} == LECTURE_TOPICS


@needs_torch
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**9), level=st.sampled_from(list(quiz.LEVELS)))
def test_every_key_answer_is_what_the_engine_or_torch_computes(seed, level):
    questions = quiz.make(seed, 2 * len(quiz.LEVELS[level]), level)
    key = yaml.safe_load(yaml.safe_dump(quiz.key_data(seed, level, "en", questions), allow_unicode=True))
    for entry in key["questions"]:
        expected = ENGINE[entry["type"]](entry["given"])
        assert expected is not None, entry
        assert entry["answer"] == expected, entry
    for lang in ("en", "zh"):
        perfect = {entry["id"]: entry["answer"] for entry in key["questions"]}
        verdicts = grade.grade_quiz(key, perfect, lang)
        assert all(v.correct and v.status == "graded" for v in verdicts)
        assert grade.score_of(verdicts) == (len(questions), len(questions))


def _drawn(level: str, kind: str, seeds: range = range(60)) -> list[dict[str, Any]]:
    per = len(quiz.LEVELS[level])
    return [q.given for seed in seeds for q in quiz.make(seed, per, level) if q.type.id == kind]


def test_each_level_asks_its_own_topics():
    kinds = {level: {kind.id for kind in kinds} for level, kinds in quiz.LEVELS.items()}
    assert kinds["easy"] < kinds["easy"] | kinds["medium"]
    assert kinds["easy"] != kinds["medium"] != kinds["hard"] != kinds["easy"]
    assert {"padding", "dilated", "grouped", "transposed"} <= kinds["medium"] - kinds["easy"]
    assert {"depthwise"} <= kinds["hard"] - kinds["medium"]


def test_easy_divisions_are_whole_and_hard_ones_are_not_always():
    def whole(g: dict[str, Any]) -> bool:
        return (g["n"] + 2 * g["p"] - g["f"]) % g["s"] == 0

    assert all(whole(g) for g in _drawn("easy", "output_size"))
    assert all(whole(g) and g["p"] == 0 and g["s"] == g["f"] for g in _drawn("easy", "pool_output"))
    assert not all(whole(g) for g in _drawn("hard", "output_size"))
    assert any(g["p"] > 0 for g in _drawn("hard", "pool_output"))


def test_harder_levels_draw_harder_values():
    assert all(g["s"] == 1 for g in _drawn("easy", "conv1x1")) and any(g["s"] == 2 for g in _drawn("hard", "conv1x1"))
    assert all(set(g["strides"]) == {1} for g in _drawn("easy", "receptive_field"))
    assert any(set(g["strides"]) != {1} for g in _drawn("medium", "receptive_field"))
    sizes = {level: {len(g["input"]) for g in _drawn(level, "conv_by_hand")} for level in quiz.LEVELS}
    assert sizes == {"easy": {3}, "medium": {4}, "hard": {5}}
    assert not any(v < 0 for g in _drawn("medium", "conv_by_hand") for row in g["input"] for v in row)
    assert any(v < 0 for g in _drawn("hard", "conv_by_hand") for row in g["input"] for v in row)
    assert all(g["op"] == 0 for g in _drawn("medium", "transposed"))
    assert any(g["op"] > 0 for g in _drawn("hard", "transposed"))
    assert max(g["g"] for g in _drawn("hard", "grouped")) > max(g["g"] for g in _drawn("medium", "grouped"))
    assert all(g["o"] == -(-g["n"] // g["s"]) for g in _drawn("medium", "padding"))
    assert any(g["o"] != -(-g["n"] // g["s"]) for g in _drawn("hard", "padding"))


@pytest.mark.parametrize("level", quiz.LEVELS)
def test_chinese_quiz_files_have_no_english_words(level, tmp_path):
    import re

    from convcalc.teach.run import write_quiz

    write_quiz("zh", tmp_path, seed=5, count=2 * len(quiz.LEVELS[level]), level=level)
    for name in ("questions.md", "answers.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        words = set(re.findall(r"\b[A-Za-z][A-Za-z_]+\b", text))
        symbols = {w for w in words if re.fullmatch(r"(OP|[NFSPDOKCGHW]_?\w*|[rj]_\w*)", w)}
        assert words - symbols - {"CNN", "YAML", "PyTorch", "output_padding", "out"} == set(), name
