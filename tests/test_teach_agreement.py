"""explain reads the geometry the engine resolved, so it never disagrees with the table: for every
padding mode and every windowed kind, explain's output sizes and verdict are summary's
(issue 10 item 2, issue 16)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from convcalc.cli import app
from convcalc.engine import analyze
from convcalc.errors import SpecError
from convcalc.spec.read import read_network

RUNNER = CliRunner()
SIZES = re.compile(r"the output is (\d+)|floors [\d.]+ to (\d+)|up to (\d+)|the padding: (\d+)|= (\d+)$")

# (input shape, layer) for every padding mode and every windowed kind
LAYERS = {
    "int": ([3, 8, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: 1}"),
    "per_axis": ([3, 9, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: [1, 0]}"),
    "pairs": ([3, 8, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: [[0, 1], [1, 2]]}"),
    "same": ([3, 8, 8], "conv: {out: 4, kernel: 4, padding: same}"),
    "valid": ([3, 8, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: valid}"),
    "tf_same": ([3, 8, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: tf_same}"),
    "same_upper": ([3, 9, 9], "conv: {out: 4, kernel: 4, stride: 2, padding: same_upper}"),
    "same_lower": ([3, 9, 9], "conv: {out: 4, kernel: 4, stride: 2, padding: same_lower}"),
    "dilated": ([3, 17, 17], "conv: {out: 4, kernel: 3, stride: 2, padding: 1, dilation: 2}"),
    "non_square": ([3, 8, 8], "conv: {out: 4, kernel: [3, 5], padding: 1}"),
    "conv1d": ([3, 20], "conv1d: {out: 4, kernel: 5, stride: 3}"),
    "conv3d": ([3, 8, 9, 10], "conv3d: {out: 4, kernel: [3, 3, 2], stride: [1, 2, 3], padding: 1}"),
    "grouped": ([4, 8, 8], "conv: {out: 8, kernel: 3, groups: 2, padding: 1}"),
    "depthwise": ([4, 8, 8], "conv: {out: 4, kernel: 3, groups: 4, stride: 2}"),
    "convtranspose": ([3, 7, 7], "convtranspose: {out: 4, kernel: 4, stride: 2, padding: 1, output_padding: 1}"),
    "convtranspose_dilated": ([3, 5, 5], "convtranspose: {out: 4, kernel: 3, stride: 3, dilation: 2}"),
    "maxpool": ([3, 9, 9], "maxpool: {kernel: 3, stride: 2}"),
    "maxpool_padded": ([3, 8, 8], "maxpool: {kernel: 3, stride: 2, padding: 1}"),
    "maxpool_dilated": ([3, 11, 11], "maxpool: {kernel: 2, stride: 2, dilation: 2}"),
    "maxpool_ceil": ([3, 8, 8], "maxpool: {kernel: 3, stride: 2, ceil_mode: true}"),
    "avgpool": ([3, 7, 7], "avgpool: {kernel: 2}"),
    "avgpool_ceil": ([3, 7, 7], "avgpool: {kernel: 2, ceil_mode: true}"),
    "avgpool_ceil_dropped": ([3, 5, 5], "avgpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}"),
    "avgpool3d": ([3, 4, 4, 4], "avgpool3d: {kernel: 2}"),
    "separable": ([3, 9, 9], "separable: {out: 8, kernel: 3, stride: 2}"),
}


def _spec(tmp_path, shape: list[int], layer: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(f"name: t\ninput: {shape}\nlayers:\n  - {layer}\n")
    return str(path)


def explained_sizes(text: str) -> list[int]:
    """The output size each explained axis ends with (its verdict line)."""
    found = []
    for line in text.splitlines():
        if "verdict" in line or "裁" in line:
            match = SIZES.search(line)
            if match:
                found.append(int(next(g for g in match.groups() if g)))
    return found


def explained_verdicts(text: str) -> set[str]:
    verdicts = set()
    for line in text.splitlines():
        if "verdict:" not in line:
            continue
        if "impossible" in line:
            verdicts.add("refused")
        elif "never covered" in line:
            verdicts.add("warning")
        elif "only padding is skipped" in line or "never read (by design)" in line:
            verdicts.add("info")
        else:
            verdicts.add("fits")
    return verdicts


def summary_verdicts(report) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in report.layers:
        marks = {d.severity for d in row.diagnostics if d.code == "non-whole"}
        found[row.name] = {"warning"} if "warning" in marks else ({"info"} if marks else {"fits"})
    return found


@pytest.mark.parametrize("case", LAYERS)
def test_explain_agrees_with_summary_for_every_padding_mode_and_windowed_kind(case, run, tmp_path):
    shape, layer = LAYERS[case]
    spec = _spec(tmp_path, shape, layer)
    report = analyze(read_network([spec]))
    windowed = [row for row in report.layers if row.window is not None]
    assert windowed
    for row in windowed:
        code, out, err = run("explain", spec, "--layer", row.name)
        assert code == 0, err
        sizes = explained_sizes(out)
        distinct = list(dict.fromkeys(zip(row.window.axes, row.window.outputs)))
        assert sizes == [o for _, o in distinct], (case, row.name, out)
        assert set(row.output_shape[2:]) == set(sizes)
        if not row.window.ceil_mode:
            assert explained_verdicts(out) <= {"fits", "warning", "info"}
            worst = summary_verdicts(report)[row.name]
            assert worst <= explained_verdicts(out) or worst == {"fits"}, (case, out)


def test_the_tf_same_bug_is_gone(run, tmp_path):
    """(8 − 3)/2 + 1 = 3.5 floored to 3 was explain's own re-derivation; the engine says 4."""
    spec = _spec(tmp_path, [1, 8, 8], "conv: {out: 4, kernel: 3, stride: 2, padding: tf_same}")
    code, out, _ = run("explain", spec, "--layer", "conv1")
    assert code == 0
    assert "3.5" not in out
    assert "= (8 + 0 + 1 − 3)/2 + 1 = 4" in out
    assert "padding 'tf_same' resolves, for this input, to 0 before and 1 after" in out
    code, out, _ = run("explain", "conv", "--input", "8", "--kernel", "3", "--stride", "2", "--padding", "tf_same")
    assert (code, "the output is 4" in out) == (0, True)


# explain conv|pool on the command line against summary on the same layer, random N, F, S, P, D


def _cli_and_summary(tmp_path, kind: str, n: int, f: int, s: int, p: int, d: int):
    args = ["explain", kind, "--input", str(n), "--kernel", str(f), "--stride", str(s), "--padding", str(p),
            "--dilation", str(d)]
    result = RUNNER.invoke(app, args, catch_exceptions=False)
    code, out = result.exit_code, result.stdout
    assert code in (0, 1), result.stderr
    layer = (f"conv: {{out: 2, kernel: {f}, stride: {s}, padding: {p}, dilation: {d}}}" if kind == "conv"
             else f"maxpool: {{kernel: {f}, stride: {s}, padding: {p}, dilation: {d}}}")
    try:
        report = analyze(read_network([_spec(tmp_path, [1, n, n], layer)]))
    except SpecError:
        return code, out, None
    return code, out, report


@given(
    kind=st.sampled_from(["conv", "pool"]),
    n=st.integers(1, 40),
    f=st.integers(1, 9),
    s=st.integers(1, 5),
    p=st.integers(0, 6),
    d=st.integers(1, 3),
)
def test_explain_conv_and_pool_agree_with_summary_on_verdict_and_size(kind, n, f, s, p, d):
    with tempfile.TemporaryDirectory() as folder:
        code, out, report = _cli_and_summary(Path(folder), kind, n, f, s, p, d)
    if report is None:  # summary refuses: so does explain, exit 1 and a verdict that says why
        assert code == 1
        assert explained_verdicts(out) == {"refused"}
        return
    assert code == 0, out
    row = report.layers[0]
    assert explained_sizes(out) == [row.output_shape[2]]
    assert explained_verdicts(out) == summary_verdicts(report)[row.name]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["explain", "pool", "--input", "8", "--kernel", "2", "--padding", "2"],
         "impossible: padding 2 is more than half the window 2; PyTorch allows at most 1"),
        (["explain", "conv", "--input", "4", "--kernel", "7"], "larger than the padded input"),
        (["explain", "conv", "--input", "8", "--kernel", "3", "--stride", "2", "--padding", "same"],
         "padding 'same' needs stride 1"),
    ],
)
def test_refusals_are_verdicts_with_exit_1(args, expected, run):
    code, out, _ = run(*args)
    assert code == 1
    assert expected in out


def test_padding_only_is_not_called_a_misfit(run):
    """(224 + 2 − 3)/2 + 1 = 112.5: summary's info, every input pixel still covered."""
    code, out, _ = run("explain", "conv", "--input", "224", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert code == 0
    assert "does not fit" not in out and "stride 1 gives" not in out
    assert "verdict: fits: PyTorch floors 112.5 to 112; only padding is skipped" in out


def test_dilation_is_in_the_givens_and_the_keep_size_formula(run):
    code, out, _ = run("explain", "conv", "--input", "9", "--kernel", "3", "--dilation", "2")
    assert code == 0
    assert "D dilation 2" in out
    assert "P = D·(F − 1)/2 = 2" in out
    assert "P = (F − 1)/2" not in out


@pytest.mark.parametrize(("dilation", "field"), [("2", "9"), ("1,2,4", "15")])
def test_explain_rf_counts_dilation(dilation, field, run):
    args = ["explain", "rf", "--kernel", "3", "--dilation", dilation] + (["--layers", "2"] if dilation == "2" else [])
    code, out, _ = run(*args)
    assert code == 0
    assert out.rstrip().endswith(f"sees {field}×{field} input pixels")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "alternate input rows and columns are skipped: the kernel 1 is smaller than the stride 2"),
        ("zh", "输入隔行、隔列被跳过：卷积核 1 小于步长 2"),
    ],
)
def test_explain_says_a_kernel_smaller_than_its_stride_skips_rows_by_design(run, lang, text):
    """Every ResNet downsample (1×1, stride 2): the same info as summary's, not 'never covered'."""
    code, out, _ = run("explain", "conv", "--input", "56", "--kernel", "1", "--stride", "2", "--lang", lang)
    assert code == 0 and text in out and "never covered" not in out
