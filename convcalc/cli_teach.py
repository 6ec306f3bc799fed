"""The teaching commands on the command line: explain, solve, conv, pool, quiz, grade.

Registered on the same typer app as summary and verify (cli.py imports this module); like
cli.py, this is where text is printed and errors become exit code 2.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import typer

from convcalc.cli import app, fail, read_network
from convcalc.engine import analyze
from convcalc.errors import SpecError


class Lang(str, Enum):
    en = "en"
    zh = "zh"


LANG = typer.Option(Lang.en, "--lang", help="Language of the explanation: en or zh (中文).")
SUBJECTS = ("conv", "pool", "params", "rf")


def _ints(text: str | None, what: str) -> list[int]:
    """'3' or '3,3,1' -> [3] or [3, 3, 1]; positive integers only."""
    if text is None:
        return []
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise SpecError(f"{what} must be whole numbers separated by commas (got {text!r})") from None
    if any(v < 0 for v in values):
        raise SpecError(f"{what} must not be negative (got {text!r})")
    return values


def _one(values: list[int], what: str, default: int | None = None) -> int:
    if not values:
        if default is None:
            raise SpecError(f"this explanation needs {what}", hint=f"add --{what} N")
        return default
    if len(values) != 1 or values[0] < (0 if what == "padding" else 1):
        raise SpecError(f"--{what} takes one {'non-negative' if what == 'padding' else 'positive'} number here")
    return values[0]


@app.command()
def explain(
    subject: str = typer.Argument(..., help="conv, pool, params or rf, or a spec file with --layer."),
    layer: str | None = typer.Option(None, "--layer", help="The spec layer to explain (its name in the table)."),
    at: str | None = typer.Option(None, "--at", help="An output position ROW,COL of --layer: which input it sees."),
    size: str | None = typer.Option(None, "--input", help="Input size N (one side)."),
    kernel: str | None = typer.Option(None, "--kernel", "-k", help="Filter size F (for rf: one per layer, 3,3,3)."),
    stride: str | None = typer.Option(None, "--stride", "-s", help="Stride S (for rf: one per layer)."),
    padding: str | None = typer.Option(None, "--padding", "-p", help="Padding P on each side."),
    dilation: str | None = typer.Option(None, "--dilation", "-d", help="Dilation D."),
    channels: str | None = typer.Option(None, "--channels", "-c", help="Input channels C (for parameters)."),
    filters: str | None = typer.Option(None, "--filters", help="Number of filters K (for parameters)."),
    layers: int | None = typer.Option(None, "--layers", "-L", min=1, help="rf: stack this many layers of one kernel."),
    lang: Lang = LANG,
) -> None:
    """One layer step by step: the formula, the numbers substituted, the result, the verdict.

    convcalc explain conv --input 7 --kernel 3 --stride 3
    convcalc explain params --kernel 5 --channels 3 --filters 10
    convcalc explain rf --kernel 3 --layers 3
    convcalc explain net.yaml --layer conv5 --at 3,4
    """
    from convcalc.teach import explain as teach

    code = lang.value
    try:
        if subject in ("conv", "pool"):
            f = _one(_ints(kernel, "kernel"), "kernel")
            s = _one(_ints(stride, "stride"), "stride", f if subject == "pool" else 1)
            window = teach.Window(
                _one(_ints(size, "input"), "input"), f, s, _one(_ints(padding, "padding"), "padding", 0),
                _one(_ints(dilation, "dilation"), "dilation", 1),
            )
            lines = teach.output_size(code, window)
            if subject == "conv" and channels is not None and filters is not None and window.span >= 0:
                k = _one(_ints(filters, "filters"), "filters")
                lines += teach.conv_params(code, f, _one(_ints(channels, "channels"), "channels"), k)
                lines += teach.activation_map(code, k, window.floor)
        elif subject == "params":
            lines = teach.conv_params(
                code, _one(_ints(kernel, "kernel"), "kernel"), _one(_ints(channels, "channels"), "channels"),
                _one(_ints(filters, "filters"), "filters"),
            )
        elif subject == "rf":
            kernels = _ints(kernel, "kernel")
            if not kernels:
                raise SpecError("explain rf needs --kernel", hint="convcalc explain rf --kernel 3 --layers 3")
            if layers is not None:
                kernels = kernels * layers if len(kernels) == 1 else kernels
            strides = _ints(stride, "stride") or [1]
            strides = strides * len(kernels) if len(strides) == 1 else strides
            if len(strides) != len(kernels) or min(kernels + strides) < 1:
                raise SpecError("give one positive --stride per layer, or one for all", hint="--kernel 3,3,3 --stride 1,2,1")
            lines = teach.receptive_field_stack(code, kernels, strides)
        else:
            lines = _explain_spec_layer(subject, layer, at, code)
    except SpecError as error:
        fail(error)
    typer.echo("\n".join(lines))


def _explain_spec_layer(path: str, layer: str | None, at: str | None, lang: str) -> list[str]:
    from convcalc.teach.explain import spec_layer

    if layer is None:
        raise SpecError(
            f"'{path}' is not one of {', '.join(SUBJECTS)}; to explain a spec file, name the layer",
            hint="convcalc explain net.yaml --layer conv2   or   convcalc explain conv --input 7 --kernel 3",
        )
    network = read_network([path], None, None)
    report = analyze(network)
    names = [row.name for row in report.layers]
    if layer not in names:
        import difflib

        close = difflib.get_close_matches(layer, names, n=1)
        raise SpecError(
            f"{path}: no layer named '{layer}'", hint=f"did you mean '{close[0]}'?" if close else "names are as the summary table shows them"
        )
    position = None
    if at is not None:
        position = tuple(_ints(at, "--at"))
        row = next(r for r in report.layers if r.name == layer)
        if len(position) != len(row.output_shape) - 2 or any(
            p >= n for p, n in zip(position, row.output_shape[2:])
        ):
            raise SpecError(
                f"--at {at} is not an output position of {layer}, whose output is {'x'.join(map(str, row.output_shape[2:]))}",
                hint="positions count from 0, one per spatial axis: --at ROW,COL",
            )
    return spec_layer(lang, network, report, layer, position)


def _known(text: str | None, what: str, default: int | None = None) -> int | str | None:
    """A solve option: a number, '?' (solve for it), or absent (solve for it, unless it has a default)."""
    if text is None:
        return default
    if text.strip() == "?":
        return None
    if what == "output" and text.strip().lower() == "same":
        return "same"
    if not text.strip().isdigit():
        raise SpecError(f"--{what} must be a whole number or '?' (got {text!r})")
    return int(text)


@app.command()
def solve(
    size: str | None = typer.Option(None, "--input", help="Input size N, or ? to solve for it."),
    output: str | None = typer.Option(None, "--output", help="Output size O, 'same' (ceil(N/S)), or ?."),
    kernel: str | None = typer.Option(None, "--kernel", "-k", help="Filter size F, or ?."),
    stride: str | None = typer.Option(None, "--stride", "-s", help="Stride S, or ?."),
    padding: str | None = typer.Option(None, "--padding", "-p", help="Padding P, or ?."),
    dilation: str | None = typer.Option(None, "--dilation", "-d", help="Dilation D (default 1), or ?."),
    lang: Lang = LANG,
) -> None:
    """Find the missing hyperparameter(s): every integer solution, or 'none' with the nearest.

    convcalc solve --input 32 --output 16 --kernel 5 --stride 2      # padding?
    convcalc solve --input 7 --output same --kernel 5 --stride 1      # keep the size: P = (F − 1)/2
    Exit 0 when a solution exists, 1 when none does.
    """
    from convcalc.teach.solve import render

    try:
        given = {
            "input": _known(size, "input"),
            "output": _known(output, "output"),
            "kernel": _known(kernel, "kernel"),
            "stride": _known(stride, "stride"),
            "padding": _known(padding, "padding"),
            "dilation": _known(dilation, "dilation", 1),
        }
        if given["input"] is None and not isinstance(given["output"], int):
            raise SpecError("solve needs the input size or a numeric output size", hint="--input 32 --output 16 ...")
        for key in ("kernel", "stride", "dilation", "input"):
            if given[key] == 0:
                raise SpecError(f"--{key} must be at least 1")
        lines, found = render(lang.value, given)
    except SpecError as error:
        fail(error)
    typer.echo("\n".join(lines))
    if not found:
        raise typer.Exit(1)


@app.command()
def conv(
    matrix: str = typer.Option(..., "--input", help="Rows separated by ';' (channels by '|'), or a .csv/.yaml/.txt file."),
    kernel: str = typer.Option(..., "--kernel", "-k", help="The kernel, written like --input (one matrix per channel)."),
    stride: int = typer.Option(1, "--stride", "-s", min=1, help="Stride S."),
    padding: int = typer.Option(0, "--padding", "-p", min=0, help="Zero padding P on each side."),
    dilation: int = typer.Option(1, "--dilation", "-d", min=1, help="Dilation D."),
    bias: str = typer.Option("0", "--bias", help="A bias added to every output."),
    steps: bool = typer.Option(False, "--steps", help="Show each window's products and sum."),
    flip: bool = typer.Option(False, "--flip", help="True convolution (f*g): flip the kernel first."),
    lang: Lang = LANG,
) -> None:
    """Compute a small convolution by hand: the output grid, and with --steps every window.

    convcalc conv --input "1 2 3; 4 5 6; 7 8 9" --kernel "0 1; 2 3" --steps
    """
    from convcalc.teach.grid import convolve, grid_lines, parse_number, read_tensor, text
    from convcalc.teach.text import say

    try:
        x, w = read_tensor(matrix, "--input"), read_tensor(kernel, "--kernel")
        b = parse_number(bias)
        out, windows = convolve(x, w, stride, padding, dilation, b, flip)
    except SpecError as error:
        fail(error)
    code = lang.value
    lines = [say(code, "grid.flipped" if flip else "grid.note")]
    if steps:
        for i, j, terms in windows:
            products = " + ".join(f"{text(k)}·{text(v)}" for k, v in terms)
            key = "grid.step_bias" if b else "grid.step_conv"
            lines.append("  " + say(code, key, i=i, j=j, terms=products, bias=text(b), value=text(out[i][j])))
    lines.append(say(code, "grid.output", rows=len(out), cols=len(out[0])))
    lines += grid_lines(out)
    typer.echo("\n".join(lines))


class PoolMode(str, Enum):
    max = "max"
    avg = "avg"


@app.command()
def pool(
    matrix: str = typer.Option(..., "--input", help="Rows separated by ';' (channels by '|'), or a file."),
    kernel: int = typer.Option(..., "--kernel", "-k", min=1, help="Window size F."),
    stride: int | None = typer.Option(None, "--stride", "-s", min=1, help="Stride S (default F)."),
    padding: int = typer.Option(0, "--padding", "-p", min=0, help="Padding P on each side."),
    mode: PoolMode = typer.Option(PoolMode.max, "--mode", help="max or avg."),
    steps: bool = typer.Option(False, "--steps", help="Show each window."),
    lang: Lang = LANG,
) -> None:
    """Compute max or average pooling by hand, per channel.

    convcalc pool --input "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4" --kernel 2 --steps
    """
    from convcalc.teach.grid import grid_lines, read_tensor, text
    from convcalc.teach.grid import pool as run_pool
    from convcalc.teach.text import say

    try:
        out, windows = run_pool(read_tensor(matrix, "--input"), kernel, stride or kernel, padding, mode.value)
    except SpecError as error:
        fail(error)
    code = lang.value
    lines = []
    for channel, (grid, channel_steps) in enumerate(zip(out, windows)):
        if len(out) > 1:
            lines.append(say(code, "grid.channel", c=channel))
        if steps:
            for i, j, values in channel_steps:
                shown = ", ".join(text(v) for v in values) if mode is PoolMode.max else " + ".join(text(v) for v in values)
                key = "grid.step_max" if mode is PoolMode.max else "grid.step_avg"
                lines.append("  " + say(code, key, i=i, j=j, terms=shown, count=len(values), value=text(grid[i][j])))
        lines.append(say(code, "grid.output", rows=len(grid), cols=len(grid[0])))
        lines += grid_lines(grid)
    typer.echo("\n".join(lines))


class Level(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


@app.command()
def quiz(
    count: int = typer.Option(10, "--count", "-n", min=1, max=200, help="Number of exercises."),
    seed: int = typer.Option(..., "--seed", help="The same seed gives the same quiz."),
    level: Level = typer.Option(Level.medium, "--level", help="easy, medium or hard."),
    out: str = typer.Option(".", "--out", "-o", help="Folder for questions.md, answers.md and key.yaml."),
    lang: Lang = LANG,
) -> None:
    """Generate exercises with an answer key: questions.md, answers.md (worked) and key.yaml (for grade)."""
    from pathlib import Path

    import yaml

    from convcalc.teach import quiz as teach_quiz

    questions = teach_quiz.make(seed, count, level.value)
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "questions.md").write_text(teach_quiz.questions_markdown(lang.value, seed, level.value, questions), encoding="utf-8")
        (folder / "answers.md").write_text(teach_quiz.key_markdown(lang.value, seed, level.value, questions), encoding="utf-8")
        key = teach_quiz.key_data(seed, level.value, lang.value, questions)
        (folder / "key.yaml").write_text(yaml.safe_dump(key, allow_unicode=True, sort_keys=False), encoding="utf-8")
    except OSError as problem:
        fail(SpecError(f"cannot write the quiz to '{folder}': {problem.strerror or problem}", hint="check --out"))
    typer.echo(f"{folder / 'questions.md'}\n{folder / 'answers.md'}\n{folder / 'key.yaml'}")


class GradeFormat(str, Enum):
    text = "text"
    json = "json"
    gradescope = "gradescope"


@app.command()
def grade(
    key: str = typer.Argument(..., help="key.yaml from convcalc quiz, or a network spec."),
    answers: str = typer.Argument(..., help="The student's answers: YAML, question id -> answer."),
    fmt: GradeFormat = typer.Option(GradeFormat.text, "--format", "-f", help="text, json, or gradescope (results.json)."),
    lang: Lang = LANG,
) -> None:
    """Grade an answer file: a verdict per question, the worked answer for wrong ones, the score."""
    import json

    from convcalc.teach import grade as teach_grade
    from convcalc.teach.quiz import shown

    try:
        key_data = _yaml_mapping(key, "key")
        answer_data = _yaml_mapping(answers, "answers")
        if "questions" in key_data:
            verdicts = teach_grade.grade_quiz(key_data, answer_data, lang.value)
        else:
            verdicts = teach_grade.grade_spec(read_network([key], None, None), answer_data, lang.value)
    except SpecError as error:
        fail(error)
    if fmt is GradeFormat.gradescope:
        typer.echo(json.dumps(teach_grade.gradescope(lang.value, verdicts), indent=2, ensure_ascii=False))
    elif fmt is GradeFormat.json:
        payload = [{"id": v.id, "correct": v.correct, "expected": shown(v.expected),
                    "answer": None if v.got is None else shown(v.got)} for v in verdicts]
        typer.echo(json.dumps({"score": sum(v.correct for v in verdicts), "total": len(verdicts), "questions": payload},
                              indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(teach_grade.score_lines(lang.value, verdicts)))


def _yaml_mapping(path: str, what: str) -> dict[str, Any]:
    """A YAML file whose top level is a mapping; errors point at the file."""
    from pathlib import Path

    import yaml

    from convcalc.source import Source, Span
    from convcalc.spec.from_yaml import yaml_error

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or problem
        raise SpecError(f"cannot read {what} file '{path}': {reason}", hint="check the path") from None
    source = Source(path, text)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        raise yaml_error(problem, source) from None
    if not isinstance(data, dict):
        raise SpecError(f"the {what} file must be a mapping (question id: answer)", Span(source, 1, 1), "q1: 5")
    return data
