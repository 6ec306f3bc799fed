"""`convcalc summary` and `convcalc kinds` run without typer when their command line is plain
(`cli.app.run_plain`); everything else goes to typer. Either way a command line must print the
same bytes and exit with the same code as typer alone would: each line below is run both ways,
in fresh interpreters, and compared."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

LECTURE = "examples/lecture/7x7_stride3.yaml"
SPEC = "input: [3, 16, 16]\nlayers:\n  - conv: {out: 8, kernel: 3, stride: 2}\n  - relu\n"

# Run without typer: `run_plain` reads these as typer would.
PLAIN = [
    ["summary", "examples/resnet50.yaml", "--format", "json"],
    ["summary", "examples/resnet50.yaml"],
    ["summary", "examples/alexnet.yaml", "--format=csv"],
    ["summary", "-f", "markdown", "examples/resnet18.yaml", "--depth", "2"],
    ["summary", "--format", "json", "examples/resnet18.yaml", "examples/alexnet.yaml"],
    ["summary", "examples/resnet18.yaml", "--format", "json", "--format", "table"],
    ["summary", LECTURE, "--strict"],
    ["summary", LECTURE, "--strict", "--format", "json"],
    ["summary", LECTURE, "--fail-on", "warning", "-q"],
    ["summary", LECTURE, "--fail-on=info", "--quiet", "--format", "csv"],
    ["summary", "-i", "3x8x8", "relu", "conv:4:3", "--columns", "name,output", "--bars"],
    ["summary", "-i", "3x8x8", "conv:4:3", "--batch", " 2", "--dtype", "float16", "--optimizer", "sgd"],
    ["summary", "-i", "3x8x8", "conv:4:3", "--columns", "", "-b", "+3"],
    ["summary", "examples/resnet18.yaml", "--columns", "-kind", "-c", "+input"],
    ["summary", "examples/resnet18.yaml", "-c", "--format", "json"],
    ["summary", "-i", "-", "relu"],
    ["summary", "-i", "3x8x8", "nosuchkind:3"],
    ["summary", "nosuch.yaml"],
    ["summary", "nosuch.yaml", "--format", "json"],
    ["summary", "examples/resnet18.yaml", "--format", "csv", "--bars"],
    ["summary", "examples/resnet18.yaml", "--columns", "name,nosuch"],
    ["summary", "-"],
    ["kinds"],
    ["kinds", "conv"],
    ["kinds", "Conv2d"],
    ["kinds", "nosuch"],
]
# Left to typer: help, a value or a form typer refuses or that `run_plain` does not read, other commands.
TYPER = [
    [],
    ["--help"],
    ["--version"],
    ["summary"],
    ["summary", "--help"],
    ["summary", "examples/resnet18.yaml", "--format", "jsn"],
    ["summary", "examples/resnet18.yaml", "--format", "JSON"],
    ["summary", "examples/resnet18.yaml", "--depth", "0"],
    ["summary", "examples/resnet18.yaml", "--batch", "x"],
    ["summary", "examples/resnet18.yaml", "-qf", "json"],
    ["summary", "examples/resnet18.yaml", "-fjson"],
    ["summary", "examples/resnet18.yaml", "--strict=1"],
    ["summary", "examples/resnet18.yaml", "--formatt", "json"],
    ["summary", "examples/resnet18.yaml", "--format"],
    ["summary", "--", "examples/resnet18.yaml"],
    ["summary", "-i", "3x8x8", "-1"],
    ["summary", "-h"],
    ["kinds", "conv", "pool"],
    ["kinds", "--help"],
    ["nosuch"],
    ["check", "examples/lecture"],
]

THROUGH_TYPER = "import sys\nfrom convcalc.cli import app\napp(prog_name='convcalc')\n"
PLAIN_CHECK = (
    "import sys\n"
    "from convcalc.cli import main\n"
    "sys.argv = ['convcalc', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    print(f'typer imported: {\"typer\" in sys.modules}', file=sys.stderr)\n"
)


def _run(code: list[str], args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, *code, *args], input=SPEC, capture_output=True, text=True, cwd=ROOT, check=False
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", PLAIN + TYPER, ids=" ".join)
def test_a_command_line_prints_what_typer_prints(args):
    assert _run(["-m", "convcalc"], args) == _run(["-c", THROUGH_TYPER], args)


@pytest.mark.parametrize(("args", "plain"), [(a, True) for a in PLAIN] + [(a, False) for a in TYPER], ids=str)
def test_which_command_lines_run_without_typer(args, plain):
    assert _run(["-c", PLAIN_CHECK], args)[2].endswith(f"typer imported: {not plain}\n")


def test_what_click_would_rewrite_is_left_to_click(tmp_path):
    """click.echo strips ANSI escapes from text bound for a non-terminal and re-encodes a stream
    whose encoding is ASCII; the plain path hands such text and streams to click."""
    import os

    spec = tmp_path / "escape.yaml"
    spec.write_text('input: [3, 8, 8]\nlayers:\n  - conv: {name: "\\e[31mred", out: 4, kernel: 3}\n', encoding="utf-8")
    for args in (["summary", str(spec), "--format", "csv"], ["summary", LECTURE, "--format", "json"]):
        for env in ({}, {"PYTHONIOENCODING": "ascii"}):
            runs = []
            for code in (["-m", "convcalc"], ["-c", THROUGH_TYPER]):
                done = subprocess.run(
                    [sys.executable, *code, *args], capture_output=True, cwd=ROOT, check=False, env={**os.environ, **env}
                )
                runs.append((done.returncode, done.stdout, done.stderr))
            assert runs[0] == runs[1]
            if args[1] == str(spec):  # the escape is stripped from piped output, the name kept
                assert b"\x1b" not in runs[0][1] and b"red" in runs[0][1]
