"""Run a teaching command from its parsed options: the lines it prints, or the files it writes.

The CLI declares the options and prints what these return; the teaching itself lives in
explain, solve, grid, quiz and grade, which this module only calls.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from convcalc.engine import analyze
from convcalc.errors import ConvcalcError, SpecError
from convcalc.formats import decimal
from convcalc.layers.conv import Conv, ConvTranspose
from convcalc.layers.pool import AvgPool, MaxPool
from convcalc.layers.tensor import LayerError
from convcalc.layers.window import Window
from convcalc.source import Span
from convcalc.spec.read import read_network
from convcalc.spec.yaml_guard import load_located, read_source, span_at
from convcalc.teach import explain as teach
from convcalc.teach import grade, quiz
from convcalc.teach.grade import Verdict, failed_results, grade_quiz, grade_spec, gradescope, score_lines, score_of
from convcalc.teach.grid import (
    conv_window,
    convolve,
    coverage,
    grid_lines,
    parse_number,
    pool_window,
    read_tensor,
    text,
)
from convcalc.teach.grid import pool as run_pool
from convcalc.teach.options import SUBJECTS, ints, one_of, padding_flag, per_flag, position, rf_stack
from convcalc.teach.text import say, teaching_error


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
    output_padding: str | None = None,
    mode: str = "max",
    ceil_mode: bool = False,
) -> tuple[list[str], bool]:
    """`convcalc explain SUBJECT ...`: conv, convtranspose, pool, params, rf, or a spec file's row.

    Returns the lines and whether the layer is possible (False: the engine refuses it, exit 1).
    """
    if subject in ("conv", "pool", "convtranspose"):
        return _windowed(lang, subject, size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                         channels=channels, filters=filters, output_padding=output_padding, mode=mode,
                         ceil_mode=ceil_mode)
    if subject == "params":
        f = one_of(kernel, "kernel", lang=lang)
        return teach.conv_params(lang, (f, f), one_of(channels, "channels", lang=lang),
                                 one_of(filters, "filters", lang=lang)), True
    if subject == "rf":
        return teach.receptive_field_stack(lang, *rf_stack(kernel, stride, layers, dilation, lang=lang)), True
    return spec_layer_lines(lang, subject, layer, at), True


def _windowed(
    lang: str, subject: str, *, size: str | None, kernel: str | None, stride: str | None, padding: str | None,
    dilation: str | None, channels: str | None, filters: str | None, output_padding: str | None, mode: str,
    ceil_mode: bool,
) -> tuple[list[str], bool]:
    """explain conv|pool|convtranspose: the layer built with its real kind, its own window() asked."""
    spatial = tuple(ints(size, "input", lang=lang))
    if not spatial:
        one_of(size, "input", lang=lang)  # the "needs --input" error
    if len(spatial) == 1:
        spatial = spatial * 2  # one side: the lecture's square image, both axes explained at once
    rank = len(spatial)
    if min(spatial) < 1:
        raise teaching_error(lang, "err.positive", flag="input")
    k = per_flag(kernel, "kernel", rank, lang=lang)
    d = per_flag(dilation, "dilation", rank, 1, lang=lang)
    p = padding_flag(padding, rank, allow_modes=subject == "conv", lang=lang)
    kind: teach.Windowed
    if subject == "conv":
        kind = Conv(out_channels=1, kernel_size=k, stride=per_flag(stride, "stride", rank, 1, lang=lang), padding=p,
                    dilation=d)
    elif subject == "convtranspose":
        p = per_flag(padding, "padding", rank, 0, lang=lang, low=0)
        kind = ConvTranspose(out_channels=1, kernel_size=k, stride=per_flag(stride, "stride", rank, 1, lang=lang),
                             padding=p, dilation=d,
                             output_padding=per_flag(output_padding, "output_padding", rank, 0, lang=lang, low=0))
    else:
        p = per_flag(padding, "padding", rank, 0, lang=lang, low=0)
        s = per_flag(stride, "stride", rank, None, lang=lang) if stride is not None else None
        kind = (MaxPool(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode) if mode == "max"
                else AvgPool(kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode))
    try:
        window = kind.window(spatial)
    except LayerError as error:
        return [say(lang, "size.title"), *teach.refusal(lang, kind, spatial, error)], False
    lines = teach.window_lines(lang, window, mode=p if isinstance(p, str) else None)
    if subject in ("conv", "convtranspose") and channels is not None and filters is not None:
        c, f = one_of(channels, "channels", lang=lang), one_of(filters, "filters", lang=lang)
        if subject == "conv":
            lines += teach.conv_params(lang, window.kernels, c, f)
        else:
            lines += teach.transposed_params(lang, window.kernels, c, f, 1, True)
        lines += teach.activation_map(lang, f, window.outputs)
    return lines, True


def spec_layer_lines(lang: str, path: str, layer: str | None, at: str | None) -> list[str]:
    """`convcalc explain net.yaml --layer NAME [--at ROW,COL]`: any row the summary shows, or a group."""
    if layer is None:
        raise teaching_error(lang, "err.subject", path=path, subjects=", ".join(SUBJECTS))
    network = read_network([path])
    report = analyze(network)
    names = teach.names(report)
    found = teach.find(report, layer)
    if found is None:
        close = difflib.get_close_matches(layer, names, n=1)
        raise teaching_error(lang, "err.no_layer", path=path, layer=layer, close=close[0] if close else None,
                             hint_key="err.no_layer.close" if close else None)
    where = None
    if at is not None:
        where = position(at, layer, found.members[-1].output_shape, lang=lang)
    return teach.spec_layer(lang, network, report, layer, where)


def conv_lines(
    lang: str, matrix: str, kernel: str, *, stride: int, padding: int, dilation: int, bias: str, steps: bool, flip: bool
) -> list[str]:
    """`convcalc conv`: the output grid, and with `steps` every window's products and sum (one
    bracket per input channel when there are several), and the input rows no window reaches."""
    x, w = read_tensor(matrix, "--input", lang), read_tensor(kernel, "--kernel", lang)
    b = parse_number(bias, lang)
    out, windows = convolve(x, w, stride, padding, dilation, b, flip, lang)
    lines = [say(lang, "grid.flipped" if flip else "grid.note")]
    if steps:
        if len(x) > 1:
            lines.append(say(lang, "grid.channel_sum", last=len(x) - 1))
        for i, j, terms in windows:
            per_channel = len(terms) // len(x)
            chunks = [terms[c * per_channel:(c + 1) * per_channel] for c in range(len(x))]
            parts = [" + ".join(f"{text(k)}·{text(v)}" for k, v in chunk) for chunk in chunks]
            products = parts[0] if len(parts) == 1 else " + ".join(f"({part})" for part in parts)
            key = "grid.step_bias" if b else "grid.step_conv"
            lines.append("  " + say(lang, key, i=i, j=j, terms=products, bias=text(b), value=text(out[i][j])))
    lines.append(say(lang, "grid.output", rows=len(out), cols=len(out[0])))
    lines += grid_lines(out)
    return lines + _coverage_lines(lang, conv_window(x, w, stride, padding, dilation))


def _coverage_lines(lang: str, window: Window) -> list[str]:
    """The summary's coverage finding, by hand: which input rows/columns no window reaches."""
    lines = []
    for axis, a, unseen in coverage(window):
        what = "rows" if axis == 0 else "cols"
        lines.append(say(lang, f"grid.uncovered_{what}", count=unseen, calc=f"{teach.substituted(a)} = "
                         f"{decimal(a.exact)}", o=window.outputs[axis]))
    return lines


def pool_lines(
    lang: str, matrix: str, kernel: int, *, stride: int | None, padding: int, mode: str, steps: bool
) -> list[str]:
    """`convcalc pool`: each channel's output grid, and with `steps` every window (max or avg)."""
    x = read_tensor(matrix, "--input", lang)
    out, windows = run_pool(x, kernel, stride or kernel, padding, mode, lang)
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
    return lines + _coverage_lines(lang, pool_window(x, kernel, stride or kernel, padding))


QUIZ_FILES = ("questions.md", "answers.md", "key.yaml")


def write_quiz(lang: str, out: str | Path, *, seed: int, count: int, level: str, force: bool = False) -> list[Path]:
    """`convcalc quiz`: questions.md, answers.md (worked) and key.yaml (for grade), in the folder
    `out`. Files already there are replaced only with `force`; all three are written atomically
    (write_atomically), so a failure leaves the previous files as they were."""
    if not str(out).strip():
        raise teaching_error(lang, "err.out_empty")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise teaching_error(lang, "err.out_not_folder", folder=folder)
    questions = quiz.make(seed, count, level)
    contents = (
        quiz.questions_markdown(lang, seed, level, questions),
        quiz.key_markdown(lang, seed, level, questions),
        yaml.safe_dump(quiz.key_data(seed, level, lang, questions), allow_unicode=True, sort_keys=False),
    )
    existing = [name for name in QUIZ_FILES if os.path.lexists(folder / name)]
    if existing and not force:
        raise teaching_error(lang, "err.out_exists", folder=folder, names=", ".join(existing))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically({folder / name: content for name, content in zip(QUIZ_FILES, contents)})
    except OSError as problem:
        raise teaching_error(lang, "err.write_quiz", folder=folder, problem=problem.strerror or problem) from None
    return [folder / name for name in QUIZ_FILES]


def write_atomically(files: dict[Path, str]) -> None:
    """Write every file to a temporary file in its own folder, then rename each over its target:
    a reader never sees half a file, a failed write leaves every previous file intact, and a
    target that is a symlink is replaced by the file, its own target left untouched."""
    mask = os.umask(0)
    os.umask(mask)
    written: list[tuple[str, Path]] = []
    try:
        for path, content in files.items():
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            written.append((temporary, path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o666 & ~mask)
        for temporary, path in written:
            os.replace(temporary, path)
    finally:
        for temporary, _ in written:
            if os.path.lexists(temporary):
                os.unlink(temporary)


def _read_located(path: str, what: str) -> tuple[dict[Any, Any], grade.Locator]:
    """A YAML mapping file (a key, answers) and where each of its values was written."""
    source = read_source(path, what)
    data, root = load_located(source.text, source)
    if not isinstance(data, dict):
        raise SpecError(f"the {what} file must be a mapping (question id: answer)", Span(source, 1, 1), "q1: 5")
    return data, lambda at, key: span_at(source, root, at, key=key)


def grade_answers(lang: str, key: str, answers: str, show_worked: str | None = None, *, lenient: bool = False
                  ) -> tuple[list[Verdict], str | None]:
    """`convcalc grade KEY ANSWERS`: KEY is a quiz's key.yaml or a network spec.

    With `lenient` (gradescope), an unreadable answers file grades as no answers at all, and its
    error comes back as the second value, to be reported with the score.
    """
    key_data, key_at = _read_located(key, "key")
    problem = None
    answers_at: grade.Locator = grade.nowhere
    try:
        answer_data, answers_at = _read_located(answers, "answers")
    except ConvcalcError as error:
        if not lenient:
            raise
        answer_data, problem = {}, error.render()
    if "questions" in key_data:
        return grade_quiz(key_data, answer_data, lang, show_worked, key_at=key_at, answers_at=answers_at), problem
    return grade_spec(read_network([key]), answer_data, lang, show_worked, answers_at=answers_at), problem


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def grade_output(lang: str, verdicts: list[Verdict], fmt: str, problem: str | None = None) -> str:
    """The graded answers as text (a verdict per question and the score), json, or gradescope's results.json."""
    if fmt == "gradescope":
        results = gradescope(lang, verdicts)
        if problem:
            results["output"] = say(lang, "grade.failed", message=problem) + "\n" + results["output"]
        return json.dumps(results, indent=2, ensure_ascii=False)
    if fmt == "json":
        payload = [{"id": v.id, "correct": v.correct, "status": v.status, "points": _plain(v.points),
                    "expected": None if v.status == "unknown" else quiz.shown(v.expected),
                    "answer": None if v.got is None else quiz.shown(v.got), "message": v.message or None}
                   for v in verdicts]
        score, total = score_of(verdicts)
        return json.dumps({"score": _plain(score), "total": _plain(total), "questions": payload}, indent=2,
                          ensure_ascii=False)
    return "\n".join(score_lines(lang, verdicts))


def grade_text(lang: str, key: str, answers: str, fmt: str, show_worked: str | None) -> str:
    """What `convcalc grade` prints. In gradescope mode it never fails: whatever goes wrong (a
    missing or broken file, a broken key, a bug) still yields a results.json, with score 0 and why."""
    if fmt != "gradescope":
        verdicts, _ = grade_answers(lang, key, answers, show_worked)
        return grade_output(lang, verdicts, fmt)
    try:
        verdicts, problem = grade_answers(lang, key, answers, show_worked, lenient=True)
        return grade_output(lang, verdicts, fmt, problem)
    except ConvcalcError as error:
        message = error.render()
    except Exception as error:  # noqa: BLE001  # results.json must exist whatever happened
        message = f"{type(error).__name__}: {error}"
    return json.dumps(failed_results(lang, message), indent=2, ensure_ascii=False)


def write_text(lang: str, path: str, text: str) -> None:
    """`grade --out FILE`: the result written to a file, atomically (a symlink is replaced, not followed)."""
    if not path.strip():
        raise teaching_error(lang, "err.write", path=path, problem="empty name")
    try:
        write_atomically({Path(path): text})
    except OSError as problem:
        raise teaching_error(lang, "err.write", path=path, problem=problem.strerror or problem) from None
