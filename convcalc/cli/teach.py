"""The teaching commands: explain, solve, conv, pool, quiz, grade.

Each command declares its options and prints; what it computes is in `convcalc.teach.run`, its
option parsing in `convcalc.teach.options`.
"""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

from enum import Enum

import typer

from convcalc.cli.app import LANG, Lang, command, echo
from convcalc.errors import ExitCode


class PoolMode(str, Enum):
    max = "max"
    avg = "avg"


@command()
def explain(
    subject: str = typer.Argument(..., help="conv, pool, convtranspose, params or rf, or a spec file with --layer."),
    layer: str | None = typer.Option(None, "--layer", help="The spec row to explain (a name the table shows, or a group)."),
    at: str | None = typer.Option(None, "--at", help="An output position ROW,COL of --layer: which input it sees."),
    size: str | None = typer.Option(None, "--input", help="Input size N (one side, or one per axis: 8,6)."),
    kernel: str | None = typer.Option(None, "--kernel", "-k", help="Filter size F (per axis 3,5; for rf: one per layer)."),
    stride: str | None = typer.Option(None, "--stride", "-s", help="Stride S (for rf: one per layer)."),
    padding: str | None = typer.Option(None, "--padding", "-p", help="Padding P on each side, or (conv) a mode: same, tf_same, ..."),
    dilation: str | None = typer.Option(None, "--dilation", "-d", help="Dilation D (for rf: one per layer)."),
    channels: str | None = typer.Option(None, "--channels", "-c", help="Input channels C (for parameters)."),
    filters: str | None = typer.Option(None, "--filters", help="Number of filters K (for parameters)."),
    layers: int | None = typer.Option(None, "--layers", "-L", min=1, help="rf: stack this many layers of one kernel."),
    output_padding: str | None = typer.Option(None, "--output-padding", help="convtranspose: output_padding."),
    mode: PoolMode = typer.Option(PoolMode.max, "--mode", help="pool: max or avg."),
    ceil_mode: bool = typer.Option(False, "--ceil-mode", help="pool: round the output size up (PyTorch's ceil_mode)."),
    lang: Lang = LANG,
) -> ExitCode:
    """One layer step by step: the formula, the numbers substituted, the result, the verdict.

    convcalc explain conv --input 7 --kernel 3 --stride 3
    convcalc explain convtranspose --input 64 --kernel 4 --stride 2 --padding 1
    convcalc explain params --kernel 5 --channels 3 --filters 10
    convcalc explain rf --kernel 3 --layers 3 --dilation 2
    convcalc explain net.yaml --layer conv5 --at 3,4
    Exit 0, or 1 when the layer is impossible (PyTorch refuses it; the verdict says why).
    """
    from convcalc.teach.run import explain_lines

    lines, possible = explain_lines(
        lang.value, subject, layer=layer, at=at, size=size, kernel=kernel, stride=stride, padding=padding,
        dilation=dilation, channels=channels, filters=filters, layers=layers, output_padding=output_padding,
        mode=mode.value, ceil_mode=ceil_mode,
    )
    echo("\n".join(lines))
    return ExitCode.OK if possible else ExitCode.FAILED


@command()
def solve(
    size: str | None = typer.Option(None, "--input", help="Input size N, or '?' to solve for it."),
    output: str | None = typer.Option(None, "--output", help="Output size O, 'same' (ceil(N/S)), or '?'."),
    kernel: str | None = typer.Option(None, "--kernel", "-k", help="Filter size F, or '?'."),
    stride: str | None = typer.Option(None, "--stride", "-s", help="Stride S, or '?'."),
    padding: str | None = typer.Option(None, "--padding", "-p", help="Padding P, or '?'."),
    dilation: str | None = typer.Option(None, "--dilation", "-d", help="Dilation D (default 1), or '?'."),
    transposed: bool = typer.Option(False, "--transposed", help="Solve a transposed convolution (upsampling)."),
    output_padding: str | None = typer.Option(None, "--output-padding", help="With --transposed: output_padding, or '?'."),
    lang: Lang = LANG,
) -> ExitCode:
    """Find the missing hyperparameter(s): every integer solution, or 'none' with the nearest.

    convcalc solve --input 32 --output 16 --kernel 5 --stride 2      # padding?
    convcalc solve --input 7 --output same --kernel 5 --stride 1      # keep the size: P = (F − 1)/2
    convcalc solve --input 64 --output 128 --kernel 4 --stride 2 --transposed   # padding, output_padding?
    Quote '?' (the shell expands a bare ?). Exit 0 when a solution exists, 1 when none does.
    """
    from convcalc.teach.options import solve_givens
    from convcalc.teach.solve import render

    given = solve_givens(size, output, kernel, stride, padding, dilation, output_padding, transposed=transposed,
                         lang=lang.value)
    lines, found = render(lang.value, given, transposed)
    echo("\n".join(lines))
    return ExitCode.OK if found else ExitCode.FAILED


@command()
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
    from convcalc.teach.run import conv_lines

    lines = conv_lines(
        lang.value, matrix, kernel, stride=stride, padding=padding, dilation=dilation, bias=bias, steps=steps, flip=flip
    )
    echo("\n".join(lines))


@command()
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
    from convcalc.teach.run import pool_lines

    echo("\n".join(pool_lines(lang.value, matrix, kernel, stride=stride, padding=padding, mode=mode.value, steps=steps)))


class Level(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


@command()
def quiz(
    count: int = typer.Option(10, "--count", "-n", min=1, max=200, help="Number of exercises."),
    seed: int = typer.Option(..., "--seed", help="The same seed gives the same quiz."),
    level: Level = typer.Option(Level.medium, "--level", help="easy, medium or hard."),
    out: str = typer.Option(".", "--out", "-o", help="Folder for questions.md, answers.md and key.yaml."),
    force: bool = typer.Option(False, "--force", help="Replace questions.md, answers.md and key.yaml if they exist."),
    lang: Lang = LANG,
) -> None:
    """Generate exercises with an answer key: questions.md, answers.md (worked) and key.yaml (for grade)."""
    from convcalc.teach.run import write_quiz

    written = write_quiz(lang.value, out, seed=seed, count=count, level=level.value, force=force)
    echo("\n".join(str(path) for path in written))


class GradeFormat(str, Enum):
    text = "text"
    json = "json"
    gradescope = "gradescope"


class ShowWorked(str, Enum):
    always = "always"
    wrong = "wrong"
    never = "never"


@command()
def grade(
    key: str = typer.Argument(..., help="key.yaml from convcalc quiz, or a network spec."),
    answers: str = typer.Argument(..., help="The student's answers: YAML, question id -> answer."),
    fmt: GradeFormat = typer.Option(GradeFormat.text, "--format", "-f", help="text, json, or gradescope (results.json)."),
    show_worked: ShowWorked | None = typer.Option(None, "--show-worked", help="always, wrong or never (default: the key's grading.show_worked, else wrong)."),
    out: str | None = typer.Option(None, "--out", "-o", help="Write the result to this file (e.g. results.json) instead of stdout."),
    lang: Lang = LANG,
) -> None:
    """Grade an answer file: a verdict per question, the worked answer for wrong ones, the score.

    With --format gradescope it never fails: a missing or broken file still gives a results.json.
    """
    from convcalc.teach.run import grade_text, write_text

    text = grade_text(lang.value, key, answers, fmt.value, show_worked.value if show_worked else None)
    if out is None:
        echo(text)
    else:
        write_text(lang.value, out, text + "\n")
