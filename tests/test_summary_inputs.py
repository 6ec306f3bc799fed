"""What summary reads: several specs per call, `-` for stdin, and `-i` replacing a spec's input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from convcalc.cli import app


@pytest.fixture(autouse=True)
def in_examples(monkeypatch):
    monkeypatch.chdir(EXAMPLES)


def with_input(spec: str, shape: str, tmp_path) -> str:
    """The spec with its `input:` line rewritten: what -i must be equivalent to."""
    lines = (EXAMPLES / spec).read_text(encoding="utf-8").splitlines()
    lines = [f"input: {shape}" if line.startswith("input:") else line for line in lines]
    path = tmp_path / spec
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_input_option_replaces_a_specs_input(run, tmp_path):
    code, out, _ = run("summary", "-i", "3x64x64", "vgg16.yaml", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["input_shape"] == [1, 3, 64, 64]
    edited = json.loads(run("summary", with_input("vgg16.yaml", "[3, 64, 64]", tmp_path), "--format", "json")[1])
    assert report["totals"] == edited["totals"]
    for mine, theirs in zip(report["layers"], edited["layers"], strict=True):
        assert {**mine, "warnings": None} == {**theirs, "warnings": None}  # warnings name their file


def test_several_specs_one_table_each_with_its_totals(run):
    code, out, _ = run("summary", "lenet5.yaml", "alexnet.yaml")
    assert code == 0
    assert out.index("LeNet-5") < out.index("AlexNet")
    assert out.count("input → output") == 2
    assert "params             61,706 (61,706 trainable)" in out
    assert "params             61,100,840 (61,100,840 trainable)" in out


def test_several_specs_as_json_are_an_array(run):
    single = json.loads(run("summary", "lenet5.yaml", "--format", "json")[1])
    code, out, _ = run("summary", "lenet5.yaml", "alexnet.yaml", "--format", "json")
    assert code == 0
    both = json.loads(out)
    assert [report["name"] for report in both] == ["LeNet-5", "AlexNet"]
    assert both[0] == single  # each element is the one-spec report, unchanged


def test_several_specs_as_csv_name_the_network_of_each_row(run):
    code, out, _ = run("summary", "lenet5.yaml", "alexnet.yaml", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["network"] for row in rows} == {"LeNet-5", "AlexNet"}
    single = run("summary", "lenet5.yaml", "--format", "csv")[1]
    assert out.splitlines()[1:6] == [
        "LeNet-5," + line for line in single.splitlines()[1:6]
    ]


def test_a_dash_reads_the_spec_from_stdin():
    text = (EXAMPLES / "lenet5.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["summary", "-", "--format", "json"], input=text)
    assert result.exit_code == 0, result.stderr
    file = CliRunner().invoke(app, ["summary", "lenet5.yaml", "--format", "json"])
    assert result.stdout == file.stdout


def test_stdin_errors_name_stdin():
    result = CliRunner().invoke(app, ["summary", "-"], input="name: x\ninput: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 9}\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>:4:")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["lenet5.yaml", "conv:3"],
            (
                "error: 'conv:3' is not a spec file, and spec files and layer strings cannot be mixed\n"
                "  hint: a spec file's input is replaced with -i: convcalc summary -i 3x64x64 net.yaml\n"
            ),
        ),
        (["-", "-"], "error: '-' (the spec on stdin) can be given once\n"),
        (["-i", "3x64x64", "spec.yaml"], "error: cannot read spec file 'spec.yaml': No such file or directory\n  hint: check the path\n"),
    ],
)
def test_reading_errors(run, args, expected):
    assert run("summary", *args) == (2, "", expected)


@pytest.mark.parametrize("path", [
    "resnet50.yaml", "nets/resnet50.YAML", "a.b.yml", ".yaml", "net.", "net..", "a..b", "noext", "", "/", ".", "..",
    "../up.onnx", "dir/", "dir/.", "./net.yaml", "a//b.yaml", "/abs/net.yaml", "<stdin>", "<spec>", "conv:10,5,p=2",
])
def test_a_spec_name_is_read_as_pathlib_reads_it(path):
    """The spec's suffix (which loader) and stem (the network's default name), without pathlib."""
    from pathlib import PurePath

    from convcalc.source import stem_and_suffix

    assert stem_and_suffix(path) == (PurePath(path).stem, PurePath(path).suffix)
