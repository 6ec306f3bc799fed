"""The receptive-field view: `diagram SPEC --receptive-field LAYER [--at ROW,COL]`.

The shaded field is the engine's AxisRF interval; the nested fields and the taps come from
brute-force back-projection through the windows, checked here against an independent oracle.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from conftest import EXAMPLES, GOLDEN
from hypothesis import given
from hypothesis import strategies as st

from convcalc.engine import analyze
from convcalc.errors import SpecError
from convcalc.pictures.field import field_view
from convcalc.pictures.rfview import rf_svg
from convcalc.spec.read import read_network

SVG = "{http://www.w3.org/2000/svg}"
STACK = ("-i", "1x9x9", "conv:1,3", "conv:1,3", "conv:1,3")


def cells(text: str, cls: str) -> list[ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))
    return [r for r in root.iter(f"{SVG}rect") if cls in (r.get("class") or "").split()]


def picture(run, tmp_path, *args: str) -> str:
    out = tmp_path / "rf.svg"
    code, _, err = run("diagram", *args, "-o", str(out))
    assert code == 0, err
    return out.read_text(encoding="utf-8")


def test_three_3x3_convolutions_shade_exactly_7x7_input_cells(run, tmp_path):
    text = picture(run, tmp_path, *STACK, "--receptive-field", "conv3", "--at", "1,1")
    field = cells(text, "field")
    assert len(field) == 49
    assert {(int(c.get("data-row")), int(c.get("data-col"))) for c in field} == {(r, c) for r in range(1, 8)
                                                                                  for c in range(1, 8)}
    assert not cells(text, "pad")  # the whole field is real input
    nested = [(n.get("data-layer"), n.get("data-rows"), n.get("data-cols")) for n in cells(text, "nested")]
    assert nested == [("conv2", "5", "5"), ("conv1", "3", "3")]  # 3 → 5 → 7
    assert "7×7 input pixels" in text


def test_the_lecture_stack_at_the_centre(run, tmp_path):
    text = picture(run, tmp_path, str(EXAMPLES / "lecture/rf_stack.yaml"), "--rf", "conv3")
    assert len(cells(text, "field")) == 49
    assert [(n.get("data-rows"), n.get("data-cols")) for n in cells(text, "nested")] == [("5", "5"), ("3", "3")]


def test_a_field_that_spills_into_padding_marks_it(run, tmp_path):
    text = picture(run, tmp_path, "-i", "1x8x8", "conv:1,3,p=1", "conv:1,3,p=1", "--rf", "conv2", "--at", "0,0")
    field = {(int(c.get("data-row")), int(c.get("data-col"))) for c in cells(text, "field")}
    assert field == {(r, c) for r in range(-2, 3) for c in range(-2, 3)}
    padded = {(int(c.get("data-row")), int(c.get("data-col"))) for c in cells(text, "pad")}
    assert {p for p in field if min(p) < 0} <= padded
    assert len(field & padded) == 25 - 9


def test_dilated_taps_are_marked(run, tmp_path):
    text = picture(run, tmp_path, "-i", "1x9x9", "conv:1,3,d=3", "--rf", "conv1", "--at", "1,1")
    root = ET.fromstring(text.encode("utf-8"))
    taps = sorted((float(c.get("cy")), float(c.get("cx"))) for c in root.iter(f"{SVG}circle") if c.get("class") == "tap")
    assert len(taps) == 9  # 3×3 taps spread over a 7×7 field
    assert len(cells(text, "field")) == 49
    assert "dots: pixels actually read" in text


def oracle(stack, output):
    """1-D: output o of a window reads o·s − p + j·d, j < k; positions in an intermediate padding read nothing."""
    seen = {output}
    sizes = []
    n = 40
    for k, s, p, d in stack:
        sizes.append(n)
        n = (n + 2 * p - d * (k - 1) - 1) // s + 1
    for i in range(len(stack) - 1, -1, -1):
        k, s, p, d = stack[i]
        seen = {o * s - p + j * d for o in seen for j in range(k)}
        if i:
            seen = {q for q in seen if 0 <= q < sizes[i]}
    return seen, n


layer = st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(0, 2), st.integers(1, 3))


@given(st.lists(layer, min_size=1, max_size=4), st.data())
def test_taps_and_field_against_the_oracle(stack, data):
    strings = [f"conv:1,{k},s={s},p={p},d={d}" for k, s, p, d in stack]
    try:
        report = analyze(read_network(strings, "1x40", None))
    except SpecError:  # an impossible stack (the window outgrew the input) is the engine's to refuse
        return
    out = report.layers[-1].output_shape[-1]
    position = data.draw(st.integers(0, out - 1))
    view = field_view(report, report.layers[-1].name, (position,))
    taps, size = oracle(stack, position)
    assert size == out
    axis = view.axes[0]
    assert axis.taps == frozenset(taps)
    assert all(axis.field.lo <= tap <= axis.field.hi for tap in taps)  # the field holds every tap …
    rf = report.layers[-1].receptive_field[0]
    assert (axis.field.lo, axis.field.size) == (rf.start + position * rf.jump, rf.size)  # … and is the engine's


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rf", "conv9"), "error: --receptive-field: there is no layer named 'conv9'\n  hint: did you mean 'conv3'?\n"),
        (("--rf", "conv3", "--at", "3,0"), "error: --at 3,0 is outside conv3's output 3x3\n  hint: positions count from 0\n"),
        (("--rf", "conv3", "--at", "1"), ("error: --at needs 2 coordinates for conv3 (its output is 3x3), got 1\n"
                                         "  hint: --at ROW,COL, counted from 0\n")),
        (("--rf", "conv3", "--at", "a,b"), ("error: --at must be ROW,COL: whole numbers separated by a comma "
                                           "(got 'a,b')\n  hint: for example --at 3,4 (counted from 0)\n")),
        (("--rf", "conv3", "--depth", "1"), ("error: --depth folds the network diagram; the receptive-field view "
                                             "always follows single layers\n  hint: leave out --depth\n")),
        (("--at", "1,1"), ("error: --at needs --receptive-field LAYER\n"
                          "  hint: diagram SPEC --receptive-field conv3 --at 3,4\n")),
    ],
)
def test_bad_options_are_usage_errors(run, args, message):
    assert run("diagram", *STACK, *args) == (2, "", message)


def test_layers_without_a_spatial_layout_say_so(run):
    code, _, err = run("diagram", "-i", "1x8x8", "conv:2,3", "flatten", "linear:4", "--rf", "linear1")
    assert code == 2
    assert err == ("error: linear1 (linear) has no spatial layout, so no receptive field to draw\n"
                   "  hint: pick a layer before flatten / linear\n")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("rf.stack7x7", (*STACK, "--rf", "conv3", "--at", "1,1")),
        ("rf.dilated", ("-i", "1x12x12", "conv:1,3,p=1", "conv:1,3,d=3,p=3", "--rf", "conv2", "--at", "0,5")),
        ("rf.alexnet_conv5", (str(EXAMPLES / "alexnet.yaml"), "--rf", "conv5")),
    ],
)
def test_rf_golden(name, args, run, tmp_path, golden):
    text = picture(run, tmp_path, *args)
    golden(GOLDEN / "pictures" / f"{name}.svg", text)


def test_the_view_is_the_engines_field_for_every_alexnet_window():
    report = analyze(read_network([str(EXAMPLES / "alexnet.yaml")]))
    for row in report.layers:
        if row.window is None:
            continue
        view = field_view(report, row.name, None)
        for axis, rf, at in zip(view.axes, row.receptive_field, view.at):
            assert (axis.field.lo, axis.field.size) == (rf.start + at * rf.jump, rf.size)
    assert rf_svg(report, field_view(report, "conv5", None)) == rf_svg(report, field_view(report, "conv5", None))
