"""`convcalc diff` (ResNet-18 → ResNet-34, and a spec at a git revision) and the Python API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT

import convcalc

ADDED = ["layer1.2", "layer2.2", "layer2.3", "layer3.2", "layer3.3", "layer3.4", "layer3.5", "layer4.2"]


def test_resnet34_matches_torchvision():
    assert convcalc.analyze(EXAMPLES / "resnet34.yaml").totals.params == 21_797_672  # torchvision.models.resnet34


def test_diff_resnet18_to_34(run):
    code, out, _ = run("diff", str(EXAMPLES / "resnet18.yaml"), str(EXAMPLES / "resnet34.yaml"), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["totals"]["params"] == {"old": 11_689_512, "new": 21_797_672, "change": 10_108_160}
    assert [(e["name"], e["status"], e["rows"]) for e in data["layers"]] == [(name, "added", 7) for name in ADDED]
    _, table, _ = run("diff", str(EXAMPLES / "resnet18.yaml"), str(EXAMPLES / "resnet34.yaml"))
    assert "params             11,689,512     21,797,672     +10,108,160, +86.5%" in table
    _, markdown, _ = run("diff", str(EXAMPLES / "resnet18.yaml"), str(EXAMPLES / "resnet34.yaml"), "-f", "markdown")
    assert "| params | 11,689,512 | 21,797,672 | +10,108,160, +86.5% |" in markdown
    assert "| layer3.5 (7 rows) | added | basic | — → 1x256x14x14 | +1,180,672 | +231,311,360 |" in markdown


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_at_a_git_revision(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], check=True)
    shutil.copy(EXAMPLES / "resnet18.yaml", "spec.yaml")
    subprocess.run([*git, "add", "spec.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "18"], check=True)
    shutil.copy(EXAMPLES / "resnet34.yaml", "spec.yaml")
    code, out, _ = run("diff", "spec.yaml@HEAD", "spec.yaml")
    assert code == 0 and out.startswith(
        "ResNet-18 (spec.yaml@HEAD) → ResNet-34 (spec.yaml): params 11,689,512 → 21,797,672, output 1x1000 → 1x1000"
    )
    code, _, err = run("diff", "spec.yaml@HEAD~5", "spec.yaml")
    assert code == 2 and err.startswith("error: cannot read 'spec.yaml' at revision 'HEAD~5'")


def test_api_load_analyze_to_dict():
    net = convcalc.load("input: [1, 32, 32]\nlayers: [conv: {out: 6, kernel: 5}, flatten, linear: {out: 10}]")
    report = convcalc.analyze(net, batch=2, dtype="float16")
    data = report.to_dict()
    assert data["output_shape"] == [2, 10] and data["totals"]["params"] == report.totals.params == 47_206
    assert convcalc.load(EXAMPLES / "lenet5.yaml") == convcalc.load(str(EXAMPLES / "lenet5.yaml"))


def test_api_errors_are_the_clis():
    with pytest.raises(convcalc.SpecError) as error:
        convcalc.load("input: [3, 8, 8]\nlayers: [conv: {out: 3, kernal: 3}]")
    assert str(error.value) == (
        "<spec>:2:25: error: conv has no argument 'kernal'\n"
        "    layers: [conv: {out: 3, kernal: 3}]\n"
        "                            ^^^^^^\n"
        "  hint: did you mean 'kernel'?"
    )


def test_api_check():
    result = convcalc.check(EXAMPLES / "resnet18.yaml", {"max_params": "25M", "output": [1000]})
    assert result.ok and result.violations == () and len(result.verdicts) == 2
    result = convcalc.check(EXAMPLES / "resnet18.yaml", {"max_params": "10M", "layers": {"layer4": {"max_params": "1M"}}})
    assert not result.ok
    assert result.messages == [
        (
            f"{EXAMPLES}/resnet18.yaml:4:1: error: max_params: the network's parameter count is 11,689,512, over the "
            "limit 10,000,000 by 1,689,512, 16.9% over"
        ),
        (
            f"{EXAMPLES}/resnet18.yaml:35:6: error: layers.layer4.max_params: layer4's parameter count is 8,393,728, "
            "over the limit 1,000,000 by 7,393,728, 739.4% over"
        ),
    ]
    assert convcalc.check(EXAMPLES / "lecture" / "7x7_stride3.yaml", fail_on="warning").ok is False
    with pytest.raises(convcalc.SpecError, match="not a spec"):
        convcalc.check(EXAMPLES / "homework" / "key.yaml")


def test_import_convcalc_stays_light():
    code = "import sys, convcalc; print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                cwd=ROOT).stdout.split())
    assert not loaded & {"yaml", "rich", "typer", "torch", "numpy"}
