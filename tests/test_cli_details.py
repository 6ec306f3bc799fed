"""The small things a first run meets: help text, kinds, --version, completion, NO_COLOR, the totals'
wording, CSV for spreadsheets, the tab-indented YAML hint, verify's -i, sizes and buffers, a
closed pipe."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT, needs_torch
from typer.testing import CliRunner

from convcalc.cli import app
from convcalc.layers import kinds

COMMANDS = ["summary", "kinds", "verify", "check", "schema", "diff", "explain", "solve", "conv", "pool", "quiz", "grade"]


def help_text(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}, prog_name="convcalc")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_type_noise_or_braces(command):
    text = help_text(command)
    assert "<bool>" not in text
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage


def test_usage_names_the_arguments():
    assert "Usage: convcalc summary [OPTIONS] SPEC... | LAYER..." in help_text("summary")
    assert "Usage: convcalc check [OPTIONS] PATH..." in help_text("check")


def test_verify_help_keeps_its_sentences_whole():
    text = help_text("verify")
    assert not any(line.strip().startswith("included") for line in text.splitlines())
    assert "1 on any disagreement, PyTorch accepting a layer the engine rejects included; 2 for a bad spec" in " ".join(
        text.split()
    )


def test_unknown_choice_is_said_plainly(run):
    code, _, err = run("summary", "-i", "3x8x8", "relu", "--dtype", "float8")
    assert code == 2
    assert "Value error" not in err and "'float8' is not one of" in " ".join(err.split())


def test_version(run):
    from convcalc import __version__

    assert run("--version") == (0, f"convcalc {__version__}\n", "")


def test_shell_completion_is_offered():
    text = help_text()
    assert "--install-completion" in text and "--show-completion" in text


def test_kinds_lists_whole_first_sentences(run):
    code, out, _ = run("kinds")
    assert code == 0
    described = [" ".join(block.split("\n", 2)[2].split()) for block in re.split(r"\n(?=\S)", out.strip())]
    assert len(described) == len(kinds())
    assert all(line.endswith((".", ")", ":")) for line in described), [d for d in described if not d.endswith(".")]
    assert any(line.startswith("Group normalisation (torch.nn.GroupNorm): C channels in G groups;") for line in described)


def test_kinds_of_one_kind(run):
    code, out, _ = run("kinds", "Conv2d")
    assert code == 0
    assert out.startswith("conv, conv1d, conv2d, conv3d\n\nConvolution: K filters of size F over C input channels")
    assert "positional: out_channels, kernel_size, stride, padding\nexample: conv:64,3,p=1\n" in out
    assert "  kernel_size, kernel, k (required): filter size F\n" in out
    assert "  stride, s (default 1): step S between windows\n" in out


def test_kinds_of_an_unknown_kind(run):
    assert run("kinds", "cnov") == (2, "", "error: unknown layer kind 'cnov'; did you mean 'conv'?\n  hint: convcalc kinds lists them all\n")


def _run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "convcalc", *args], capture_output=True, text=True, env=environ, check=False)


def test_no_color_means_no_escape_codes_at_all():
    args = ("summary", "-i", "1x7x7", "conv:1,3,3")
    assert "\x1b[" in _run_cli(*args, FORCE_COLOR="1").stdout  # bold totals, dim notes, a yellow row
    assert "\x1b[" not in _run_cli(*args, FORCE_COLOR="1", NO_COLOR="1").stdout


def test_a_closed_pipe_is_not_a_bug():
    done = subprocess.run(
        f"{sys.executable} -m convcalc kinds | head -1", shell=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    assert done.stdout == "conv, conv1d, conv2d, conv3d\n"
    assert done.stderr == ""


def test_totals_say_what_depends_on_the_batch(run):
    out = run("summary", "-i", "3x8x8", "conv:4,3", "--batch", "64")[1]
    assert "param memory       448 B (float32, parameters and buffers)" in out
    assert "activation memory  36.00 KiB (forward, all layer outputs, batch 64)" in out
    assert "(estimate, adam, batch 64)" in out


@pytest.mark.parametrize(
    ("shape", "layer", "unit"),
    [("1x16000", "conv:4,3", "samples"), ("3x8x8", "conv:4,3", "pixels"), ("1x8x8x8", "conv3d:4,3", "voxels")],
)
def test_the_receptive_field_unit_follows_the_rank(run, shape, layer, unit):
    # conv3d: a leading 1 on a 4-axis input reads as a batch axis for a plain `conv` (the rank rule)
    out = run("summary", "-i", shape, layer, "--format", "markdown")[1]
    assert f"RF: receptive field in input {unit};" in out


def test_csv_for_spreadsheets(run):
    code, out, _ = run("summary", "-i", "1x16x16", "conv:1,2", "conv:1,3", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["index"] for row in rows] == ["1", "2", "total"]
    assert rows[1]["input_shape"] == "1x1x15x15"
    assert rows[1]["rf_center"] == "1.5"  # not 3/2 (a spreadsheet reads a date)
    total = rows[2]
    assert total["input_shape"] == "1x1x16x16" and total["output_shape"] == rows[1]["output_shape"]
    assert int(total["params"]) == sum(int(row["params"]) for row in rows[:2])
    assert int(total["macs"]) == sum(int(row["macs"]) for row in rows[:2])


def test_tab_indented_yaml_gets_its_own_hint(run, tmp_path):
    spec = tmp_path / "tabs.yaml"
    spec.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n\t- relu\n", encoding="utf-8")
    code, _, err = run("summary", str(spec))
    assert code == 2
    assert err.endswith("  hint: YAML indents with spaces, never tabs: replace the tab at the start of the line with spaces\n")


@pytest.mark.parametrize(("text", "size"), [("1e9", 10**9), ("2.5e9", 2_500_000_000), ("2GiB", 2 * 2**30), ("1000", 1000)])
def test_verify_memory_limits(text, size):
    from convcalc.cli.verify import memory_limit

    assert memory_limit(text) == size


@needs_torch
def test_verify_layer_strings_and_buffers(run):
    code, out, err = run("verify", "-i", "3x8x8", "conv:4,3", "batchnorm", "--max-memory", "1e9")
    assert code == 0, err
    header = next(line for line in out.splitlines() if "torch buffers" in line)
    assert header.split()[-4:] == ["buffers", "torch", "buffers", "ok"]
    bn = next(line for line in out.splitlines() if "batchnorm1" in line).split()
    assert bn[-3:] == ["9", "9", "✓"]  # running mean and variance (4 each) and the batch counter


def test_verify_spec_with_a_new_input(run, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(EXAMPLES)
    code, out, err = run("verify", "-i", "1x28x28", "lenet5.yaml", "--format", "json")
    assert code == 0, err
    assert '"agrees": true' in out
