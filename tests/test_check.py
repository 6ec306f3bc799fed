"""`convcalc check`: exit codes, constraints from the spec, budget files and flags, human amounts,
every output format, and the issue's acceptance cases."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import EXAMPLES

from convcalc.checks.amounts import BadAmount, parse_amount
from convcalc.cli.check import CheckFormat
from convcalc.render.dispatch import CHECK_RENDERERS

OVER_BUDGET = """\
name: tiny
input: [3, 32, 32]
constraints:
  max_params: 1K
  output: [10]
  layers:
    conv1: {output: [8, 30, 30], max_params: 200}
layers:
  - conv: {out: 8, kernel: 3}
  - flatten
  - linear: {out: 10}
"""

WITHIN = OVER_BUDGET.replace("max_params: 1K", "max_params: 1M").replace("max_params: 200", "max_params: 3M")


@pytest.fixture
def spec(tmp_path, monkeypatch):
    """Write a spec into a temporary folder (the working directory) and return its relative name."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "net.yaml") -> str:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return write


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("25M", "count", 25_000_000), ("4.1G", "count", 4_100_000_000), ("1.5e9", "count", 1_500_000_000),
        ("25_557_032", "count", 25_557_032), (25_557_032, "count", 25_557_032), (1.5e9, "count", 1_500_000_000),
        ("2GiB", "bytes", 2 * 2**30), ("512MiB", "bytes", 512 * 2**20), ("2G", "bytes", 2 * 10**9),
        ("2 GB", "bytes", 2 * 10**9), ("100", "bytes", 100), ("1k", "count", 1000),
    ],
)
def test_human_amounts(text, unit, value):
    assert parse_amount(text, unit=unit) == value


@pytest.mark.parametrize(("text", "unit"), [("2.5", "count"), ("1e-3", "count"), ("25Q", "count"), ("2GiB", "count"),
                                             (True, "count"), (-1, "count"), ("", "bytes"), ([1], "count")])
def test_bad_amounts(text, unit):
    with pytest.raises(BadAmount):
        parse_amount(text, unit=unit)


def test_a_budget_violation_is_annotated_on_its_line(spec, run):
    name = spec(OVER_BUDGET)
    code, out, _ = run("check", name, "--format", "github")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=net.yaml,line=4,col=15,title=convcalc max_params::max_params: the network's parameter count is 72,234, "
        "over the limit 1,000 by 71,234, 7123.4%25 over%0A%0Ahint: shrink the network, or raise the limit if the "
        "growth is intended"
    )
    assert "::error file=net.yaml,line=7,col=46,title=convcalc max_params::layers.conv1.max_params: conv1's parameter count is 224, over the limit 200" in out
    assert out.endswith("1 checked, 0 passed, 1 failed, 0 skipped\n")


def test_text_points_at_the_constraint_with_a_caret(spec, run):
    code, out, _ = run("check", spec(OVER_BUDGET))
    assert code == 1
    assert out.startswith(
        "net.yaml:4:15: error: max_params: the network's parameter count is 72,234, over the limit 1,000 by 71,234, 7123.4% over\n"
        "      max_params: 1K\n"
        "                  ^^\n"
    )


def test_flags_override_the_spec_and_pass(spec, run):
    name = spec(WITHIN)
    assert run("check", name, "--max-params", "25M")[0] == 0


def test_flag_violation_points_at_the_spec(spec, run):
    code, out, _ = run("check", spec(WITHIN), "--max-macs", "100")
    assert code == 1
    assert out.startswith("net.yaml:1:1: error: max_macs: the network's MAC count is 266,400, over the limit 100 by 266,300")


def test_budget_file_between_spec_and_flags(spec, run):
    name = spec(WITHIN)
    spec("max_activation_memory: 1KiB\nbatch: 4\n", "budget.yaml")
    code, out, _ = run("check", name, "--budget-file", "budget.yaml")
    assert code == 1
    assert out.startswith("budget.yaml:1:24: error: max_activation_memory: the network's activation memory is 225.16 KiB (230,560 B), over the limit 1.00 KiB")
    assert run("check", name, "--budget-file", "budget.yaml", "--max-activation-memory", "1MiB")[0] == 0


def test_a_layer_constraint_naming_no_layer_suggests_one(spec, run):
    code, out, _ = run("check", spec(OVER_BUDGET.replace("conv1:", "conv2:")))
    assert code == 1
    assert "net.yaml:7:21: error: layers.conv2.output: the network has no layer named 'conv2'\n" in out
    assert "  hint: did you mean 'conv1'?\n" in out


def test_an_unknown_constraint_key_is_a_parse_error(spec, run):
    code, out, _ = run("check", spec(OVER_BUDGET.replace("max_params: 1K", "max_parms: 1K")))
    assert code == 2
    assert "net.yaml:4:3: error: unknown constraint 'max_parms' in 'constraints'\n" in out
    assert "hint: did you mean 'max_params'?" in out


def test_block_constraints_sum_their_rows(run):
    code, out, _ = run("check", str(EXAMPLES / "resnet18.yaml"), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1 and data["files"][0]["report"]["totals"]["params"] == 11_689_512


def test_min_receptive_field_and_output(spec, run):
    name = spec(WITHIN.replace("max_params: 1M", "min_receptive_field: 5"))
    code, out, _ = run("check", name)
    assert code == 1
    assert ("min_receptive_field: the receptive field at conv1 (the last layer with a spatial layout) is 3x3, "
            "below the minimum 5x5 by 2x2") in out


def test_fail_on_warning_fails_the_lecture_example_on_its_line(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    assert run("check", "lecture/7x7_stride3.yaml")[0] == 0
    code, out, _ = run("check", "lecture/7x7_stride3.yaml", "--fail-on", "warning", "--format", "github")
    assert code == 1
    assert out.startswith("::warning file=lecture/7x7_stride3.yaml,line=5,col=39,title=convcalc non-whole::conv1 (conv2d)")


def test_strict_makes_non_whole_an_error(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = run("check", "lecture/7x7_stride3.yaml", "--strict")
    assert code == 1 and out.startswith("lecture/7x7_stride3.yaml:5:39: error: conv1 (conv2d)")


def test_the_examples_pass_and_non_specs_are_listed_as_skipped(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    code, out, _ = run("check", "examples")
    assert code == 0, out
    assert "examples/homework/key.yaml: skipped: not a spec" in out
    specs = len([p for p in EXAMPLES.rglob("*.yaml") if "homework" not in p.parts])
    assert out.endswith(f"{specs} checked, {specs} passed, 0 failed, 3 skipped\n")


def test_globs_and_explicit_non_specs(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = run("check", "homework/*.yaml", "lecture/*.yaml")
    assert code == 0 and out.endswith("6 checked, 6 passed, 0 failed, 3 skipped\n")
    code, out, _ = run("check", "homework/key.yaml", "lenet5.yaml")
    assert code == 2
    assert out.startswith("homework/key.yaml: error: not a spec: a spec is a YAML mapping with a top-level 'layers:'\n")
    assert run("check", "homework/key.yaml", "--skip-non-specs")[0] == 0
    assert run("check", "nothing/*.yaml")[0] == 2


def test_every_file_is_checked_and_broken_beats_failed(spec, run):
    spec(OVER_BUDGET, "a.yaml")
    spec("input: [3, 8, 8]\nlayers: [conv: {out: 3, kernel: 3]\n", "b.yaml")
    spec("input: [3, 8, 8]\nlayers: [conv: {out: 3, kernal: 3}]\n", "c.yaml")
    spec("input: [3, 8, 8]\nlayers: [conv: {out: 3, kernel: 9}]\n", "d.yaml")
    code, out, _ = run("check", ".")
    assert code == 2
    assert "b.yaml:2:34: error: invalid YAML" in out
    assert "c.yaml:2:25: error: conv has no argument 'kernal'" in out
    assert "d.yaml:2:33: error: conv1 (conv): kernel 9x9 is larger than the padded input 8x8" in out
    assert out.endswith("4 checked, 0 passed, 4 failed (2 could not be read or parsed), 0 skipped\n")
    assert run("check", "a.yaml", "d.yaml")[0] == 1  # an impossible layer is a finding, not a parse error


def test_junit_is_written_atomically_and_parses(spec, run, tmp_path):
    name = spec(OVER_BUDGET)
    code, out, err = run("check", name, "--format", "junit", "-o", "out/results.xml")
    assert (code, out) == (1, "")
    assert err == "1 checked, 0 passed, 1 failed, 0 skipped\n"
    root = ET.parse(tmp_path / "out" / "results.xml").getroot()
    assert root.tag == "testsuites" and root.get("tests") == "5" and root.get("failures") == "2"
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert list(cases) == ["spec", "max_params", "output", "layers.conv1.output", "layers.conv1.max_params"]
    assert cases["max_params"].find("failure") is not None and cases["output"].find("failure") is None
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["results.xml"]  # no temporary file left


def test_github_writes_the_step_summary(spec, run, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run("check", spec(OVER_BUDGET), "--format", "github", "--junit", "results.xml")
    text = summary.read_text(encoding="utf-8")
    assert "| `net.yaml` | ❌ failed | 72,234 | 266.40 K |" in text
    assert ET.parse(tmp_path / "results.xml").getroot().get("failures") == "2"


def test_sarif(spec, run):
    _, out, _ = run("check", spec(OVER_BUDGET), "--format", "sarif")
    data = json.loads(out)
    assert data["version"] == "2.1.0"
    result = data["runs"][0]["results"][0]
    assert result["ruleId"] == "max_params" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "net.yaml"}, "region": {"startLine": 4, "startColumn": 15}
    }
    assert [rule["id"] for rule in data["runs"][0]["tool"]["driver"]["rules"]] == ["max_params"]


def test_json_structure(spec, run):
    data = json.loads(run("check", spec(OVER_BUDGET), "--format", "json")[1])
    assert data["schema_version"] == 1 and data["exit_code"] == 1
    assert data["summary"] == {"files": 1, "checked": 1, "passed": 0, "failed": 1, "broken": 0, "skipped": 0}
    first = data["files"][0]["constraints"][0]
    assert first == {
        "key": "max_params", "layer": None, "limit": 1000, "actual": 72234, "ok": False, "origin": "spec",
        "location": "net.yaml:4:15", "message": first["message"],
    }


def test_bad_flags_are_usage_errors(spec, run):
    name = spec(OVER_BUDGET)
    code, _, err = run("check", name, "--max-params", "lots")
    assert (code, err) == (2, "error: --max-params must be a count such as 25M, 4.1G, 1.5e9 or 25_557_032 (got 'lots')\n")


def test_format_choices_are_the_renderers():
    assert [f.value for f in CheckFormat] == list(CHECK_RENDERERS)
