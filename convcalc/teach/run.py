"""Run a teaching command from its parsed options: the lines it prints, or the files it writes.

The CLI declares the options and prints what these return; the teaching itself lives in
explain, solve, grid, quiz and grade, which this module only calls.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import yaml

from convcalc.engine import analyze
from convcalc.errors import UsageError
from convcalc.spec.read import read_network, read_yaml_mapping
from convcalc.teach import explain as teach
from convcalc.teach import quiz
from convcalc.teach.grade import Verdict, grade_quiz, grade_spec, gradescope, score_lines
from convcalc.teach.grid import convolve, grid_lines, parse_number, read_tensor, text
from convcalc.teach.grid import pool as run_pool
from convcalc.teach.options import SUBJECTS, one_of, position, rf_stack
from convcalc.teach.text import say


def explain_lines(
    lang: str,
    subject: str,
    *,
    layer: str | None = None,
    at: str | None = None,
    size: str | None = None,
    kernel: str | None = None,
    stride: str | None = None,
    padding: str | None = None,
    dilation: str | None = None,
    channels: str | None = None,
    filters: str | None = None,
    layers: int | None = None,
) -> list[str]:
    """`convcalc explain SUBJECT ...`: conv, pool, params, rf, or a spec file's layer."""
    if subject in ("conv", "pool"):
        f = one_of(kernel, "kernel")
        s = one_of(stride, "stride", f if subject == "pool" else 1)
        window = teach.Window(
            one_of(size, "input"), f, s, one_of(padding, "padding", 0), one_of(dilation, "dilation", 1)
        )
        lines = teach.output_size(lang, window)
        if subject == "conv" and channels is not None and filters is not None and window.span >= 0:
            k = one_of(filters, "filters")
            lines += teach.conv_params(lang, f, one_of(channels, "channels"), k)
            lines += teach.activation_map(lang, k, window.floor)
        return lines
    if subject == "params":
        return teach.conv_params(lang, one_of(kernel, "kernel"), one_of(channels, "channels"), one_of(filters, "filters"))
    if subject == "rf":
        return teach.receptive_field_stack(lang, *rf_stack(kernel, stride, layers))
    return spec_layer_lines(lang, subject, layer, at)


def spec_layer_lines(lang: str, path: str, layer: str | None, at: str | None) -> list[str]:
    """`convcalc explain net.yaml --layer conv2 [--at ROW,COL]`."""
    if layer is None:
        raise UsageError(
            f"'{path}' is not one of {', '.join(SUBJECTS)}; to explain a spec file, name the layer",
            hint="convcalc explain net.yaml --layer conv2   or   convcalc explain conv --input 7 --kernel 3",
        )
    network = read_network([path])
    report = analyze(network)
    names = [row.name for row in report.layers]
    if layer not in names:
        close = difflib.get_close_matches(layer, names, n=1)
        raise UsageError(
            f"{path}: no layer named '{layer}'",
            hint=f"did you mean '{close[0]}'?" if close else "names are as the summary table shows them",
        )
    where = None
    if at is not None:
        row = next(r for r in report.layers if r.name == layer)
        where = position(at, layer, row.output_shape)
    return teach.spec_layer(lang, network, report, layer, where)


def conv_lines(
    lang: str, matrix: str, kernel: str, *, stride: int, padding: int, dilation: int, bias: str, steps: bool, flip: bool
) -> list[str]:
    """`convcalc conv`: the output grid, and with `steps` every window's products and sum."""
    x, w = read_tensor(matrix, "--input"), read_tensor(kernel, "--kernel")
    b = parse_number(bias)
    out, windows = convolve(x, w, stride, padding, dilation, b, flip)
    lines = [say(lang, "grid.flipped" if flip else "grid.note")]
    if steps:
        for i, j, terms in windows:
            products = " + ".join(f"{text(k)}·{text(v)}" for k, v in terms)
            key = "grid.step_bias" if b else "grid.step_conv"
            lines.append("  " + say(lang, key, i=i, j=j, terms=products, bias=text(b), value=text(out[i][j])))
    lines.append(say(lang, "grid.output", rows=len(out), cols=len(out[0])))
    return lines + grid_lines(out)


def pool_lines(
    lang: str, matrix: str, kernel: int, *, stride: int | None, padding: int, mode: str, steps: bool
) -> list[str]:
    """`convcalc pool`: each channel's output grid, and with `steps` every window (max or avg)."""
    out, windows = run_pool(read_tensor(matrix, "--input"), kernel, stride or kernel, padding, mode)
    lines = []
    for channel, (grid, channel_steps) in enumerate(zip(out, windows)):
        if len(out) > 1:
            lines.append(say(lang, "grid.channel", c=channel))
        if steps:
            for i, j, values in channel_steps:
                shown = ", ".join(text(v) for v in values) if mode == "max" else " + ".join(text(v) for v in values)
                key = "grid.step_max" if mode == "max" else "grid.step_avg"
                lines.append("  " + say(lang, key, i=i, j=j, terms=shown, count=len(values), value=text(grid[i][j])))
        lines.append(say(lang, "grid.output", rows=len(grid), cols=len(grid[0])))
        lines += grid_lines(grid)
    return lines


def write_quiz(lang: str, folder: Path, *, seed: int, count: int, level: str) -> list[Path]:
    """`convcalc quiz`: questions.md, answers.md (worked) and key.yaml (for grade), in `folder`."""
    questions = quiz.make(seed, count, level)
    files = {
        "questions.md": quiz.questions_markdown(lang, seed, level, questions),
        "answers.md": quiz.key_markdown(lang, seed, level, questions),
        "key.yaml": yaml.safe_dump(quiz.key_data(seed, level, lang, questions), allow_unicode=True, sort_keys=False),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
    except OSError as problem:
        raise UsageError(f"cannot write the quiz to '{folder}': {problem.strerror or problem}", hint="check --out") from None
    return [folder / name for name in files]


def grade_answers(lang: str, key: str, answers: str) -> list[Verdict]:
    """`convcalc grade KEY ANSWERS`: KEY is a quiz's key.yaml or a network spec."""
    key_data = read_yaml_mapping(key, "key")
    answer_data = read_yaml_mapping(answers, "answers")
    if "questions" in key_data:
        return grade_quiz(key_data, answer_data, lang)
    return grade_spec(read_network([key]), answer_data, lang)


def grade_output(lang: str, verdicts: list[Verdict], fmt: str) -> str:
    """The graded answers as text (a verdict per question and the score), json, or gradescope's results.json."""
    if fmt == "gradescope":
        return json.dumps(gradescope(lang, verdicts), indent=2, ensure_ascii=False)
    if fmt == "json":
        payload = [{"id": v.id, "correct": v.correct, "expected": quiz.shown(v.expected),
                    "answer": None if v.got is None else quiz.shown(v.got)} for v in verdicts]
        score = {"score": sum(v.correct for v in verdicts), "total": len(verdicts), "questions": payload}
        return json.dumps(score, indent=2, ensure_ascii=False)
    return "\n".join(score_lines(lang, verdicts))
