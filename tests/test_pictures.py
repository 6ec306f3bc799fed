"""`convcalc diagram`: volume and flat SVGs, well-formed, one labelled box per activation, folded
blocks as one box each, deterministic (golden files; `pytest --update-goldens` rewrites them)."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET

import pytest
from conftest import EXAMPLES, GOLDEN
from test_golden import SPECS

from convcalc.engine import analyze
from convcalc.pictures.flat import flat_svg
from convcalc.pictures.graph import elementwise, fold_marked
from convcalc.pictures.look import dims
from convcalc.pictures.volume import volume_svg
from convcalc.spec.read import read_network

SVG = "{http://www.w3.org/2000/svg}"
PICTURES = GOLDEN / "pictures"
GOLDEN_CASES = {  # golden name: (spec, style, depth)
    "alexnet.volume": ("alexnet.yaml", "volume", None),
    "lenet5.volume": ("lenet5.yaml", "volume", None),
    "c3d.volume": ("c3d.yaml", "volume", None),
    "resnet50.flat": ("resnet50.yaml", "flat", None),
    "resnet50.depth1.volume": ("resnet50.yaml", "volume", 1),
    "googlenet.depth2.flat": ("googlenet.yaml", "flat", 2),
}
ALEXNET_SHAPES = [
    "3×224×224", "64×55×55", "64×27×27", "192×27×27", "192×13×13", "384×13×13", "256×13×13", "256×13×13",
    "256×6×6", "9216", "4096", "4096", "1000",
]


def boxes(text: str) -> list[ET.Element]:
    """Every drawn activation (`g.act`) and join (`g.join`), in document order."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if g.get("class") in ("act", "join")]


def draw(spec: str, style: str, depth: int | None = None) -> str:
    report, folded = fold_marked(analyze(read_network([str(EXAMPLES / spec)])), depth)
    return (volume_svg if style == "volume" else flat_svg)(report, folded)


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_diagram_golden(name, golden, run, tmp_path):
    spec, style, depth = GOLDEN_CASES[name]
    out = tmp_path / "net.svg"
    args = ["diagram", str(EXAMPLES / spec), "-o", str(out), "--style", style]
    code, stdout, _ = run(*args, *(["--depth", str(depth)] if depth else []))
    assert (code, stdout) == (0, "")
    text = out.read_text(encoding="utf-8")
    boxes(text)  # well-formed
    assert text == draw(spec, style, depth)  # deterministic: a second drawing is byte for byte the same
    golden(PICTURES / f"{name}.svg", text)


@pytest.mark.parametrize("style", ["volume", "flat"])
@pytest.mark.parametrize("spec", [s for s in SPECS if not s.startswith("lecture/")] + ["lecture/rf_stack.yaml"])
def test_one_labelled_box_per_activation(spec, style):
    """Every row that is not element-wise is drawn once, labelled with its output shape; element-wise
    rows ride on the box before them (written under it) unless they start a branch."""
    report = analyze(read_network([str(EXAMPLES / spec)]))
    drawn = boxes(draw(spec, style))
    shapes = {row.name: dims(row.output_shape) for row in report.layers} | {"input": dims(report.input_shape)}
    names = [g.get("data-name") for g in drawn]
    assert len(names) == len(set(names))
    for g in drawn:
        assert g.get("data-shape") == shapes[g.get("data-name")]
        assert g.get("data-shape") in "".join(g.itertext())  # written in the label, not only an attribute
    must = {"input"} | {row.name for row in report.layers if row.kind in ("add", "concat", "mul") or not elementwise(row)}
    assert must <= set(names)
    labels = "".join("".join(g.itertext()) for g in drawn)
    for row in report.layers:
        assert row.name in names or f"{row.kind}" in labels


def test_alexnet_volume_boxes_read_as_the_classic_figure():
    drawn = boxes(draw("alexnet.yaml", "volume"))
    assert [g.get("data-shape") for g in drawn] == ALEXNET_SHAPES
    text = draw("alexnet.yaml", "volume")
    assert "11×11 /4" in text and "log₂ scale" in text  # the kernel between boxes, the stated scale


@pytest.mark.parametrize("style", ["volume", "flat"])
def test_folded_blocks_are_one_box_each(style):
    drawn = boxes(draw("resnet50.yaml", style, 1))
    folded = [(g.get("data-name"), g.get("data-shape")) for g in drawn if g.get("data-folded") == "true"]
    assert folded == [("layer1", "256×56×56"), ("layer2", "512×28×28"), ("layer3", "1024×14×14"),
                      ("layer4", "2048×7×7")]
    assert not [g for g in drawn if g.get("class") == "join"]  # the residual adds are inside the blocks


def test_branches_rejoin():
    drawn = boxes(draw("googlenet.yaml", "flat"))
    joins = [g.get("data-name") for g in drawn if g.get("class") == "join"]
    assert len(joins) == 9 and all(name.endswith("concat1") for name in joins)


@pytest.mark.parametrize(
    ("shape", "layers", "expected"),
    [
        ("4x100", ["conv:8,5", "maxpool:2", "conv:16,3"], ["4×100", "8×96", "8×48", "16×46"]),  # 1-D
        ("3x8x32x32", ["conv:8,3,p=1", "maxpool:2"], ["3×8×32×32", "8×8×32×32", "8×4×16×16"]),  # 3-D
    ],
)
def test_1d_and_3d_inputs(run, tmp_path, shape, layers, expected):
    out = tmp_path / "net.svg"
    assert run("diagram", "-i", shape, *layers, "-o", str(out))[0] == 0
    assert [g.get("data-shape") for g in boxes(out.read_text(encoding="utf-8"))] == expected


def test_without_output_the_svg_goes_to_stdout(run):
    code, out, _ = run("diagram", "-i", "1x8x8", "conv:2,3")
    assert code == 0 and out.startswith("<?xml") and out.endswith("</svg>\n")


def test_writes_atomically_with_an_ordinary_mode(run, tmp_path):
    out = tmp_path / "net.svg"
    out.write_text("old", encoding="utf-8")
    assert run("diagram", "-i", "1x8x8", "conv:2,3", "-o", str(out))[0] == 0
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    assert os.listdir(tmp_path) == ["net.svg"]  # no temporary file left behind
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_an_unwritable_output_is_a_usage_error(run, tmp_path):
    missing = tmp_path / "no" / "net.svg"
    assert run("diagram", "-i", "1x8x8", "conv:2,3", "-o", str(missing)) == (
        2, "", f"error: cannot write '{missing}': No such file or directory\n  hint: check that the folder exists\n")


def test_a_bad_spec_points_at_its_place(run, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [1, 8, 8]\nlayers:\n  - conv: {out: 2, kernel: 11}\n", encoding="utf-8")
    code, out, err = run("diagram", str(spec), "-o", str(tmp_path / "x.svg"))
    assert (code, out) == (2, "")
    assert err.startswith(f"{spec}:3:")
    assert not (tmp_path / "x.svg").exists()


def test_golden_names_match_the_cases():
    assert sorted(p.name for p in PICTURES.glob("*.svg") if not p.name.startswith("rf.")) == sorted(
        f"{name}.svg" for name in GOLDEN_CASES)
