"""`convcalc report`: one self-contained HTML file, opened in a real browser.

The browser test runs Debian's headless chromium: the URL fragment `#rf=LAYER&at=ROW,COL` makes
the page click the layer's table row and then that output position, exactly as a person would,
and `--dump-dom` gives the DOM after the script ran. The field it drew must be the one Python
computes. Without chromium the test skips with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLES

from convcalc.engine import analyze
from convcalc.pictures.field import field_view
from convcalc.spec.read import read_network

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def write_report(run, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "net.html"
    code, stdout, err = run("report", *args, "-o", str(out))
    assert (code, stdout) == (0, ""), err
    return out


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and under CI the browser test must run (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it and runs this test")
    return CHROMIUM


def dump_dom(browser: str, page: Path, fragment: str, profile: Path) -> str:
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=5000", "--dump-dom", f"{page.as_uri()}#{fragment}"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_report_is_one_self_contained_file(run, tmp_path):
    html = write_report(run, tmp_path, str(EXAMPLES / "alexnet.yaml")).read_text(encoding="utf-8")
    tags = elements(html)
    assert not [t for t, a in tags if t in ("link", "iframe", "img") or "src" in a]  # nothing fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg"}  # only the SVG namespace
    for needle in ("61,100,840", "714,188,480", "55.25 is not whole", 'class="act"', 'id="rf-data"',
                   'data-layer="conv5"'):
        assert needle in html
    assert sum(1 for t, a in tags if t == "tr" and "data-layer" in a) == 14  # every layer up to pool5 and its avgpool


def test_the_report_chooses_the_flat_diagram_for_deep_networks(run, tmp_path):
    html = write_report(run, tmp_path, str(EXAMPLES / "resnet50.yaml")).read_text(encoding="utf-8")
    assert "cards: name, operation" in html
    html = write_report(run, tmp_path, str(EXAMPLES / "resnet50.yaml"), "--depth", "1").read_text(encoding="utf-8")
    assert "log₂ scale" in html


@pytest.mark.parametrize(
    ("spec", "layer", "at"),
    [
        ("lecture/rf_stack.yaml", "conv3", (15, 15)),
        ("alexnet.yaml", "conv3", (4, 5)),
        ("alexnet.yaml", "pool1", (0, 26)),  # a corner: the field spills into conv1's padding
        ("resnet18.yaml", "layer2.0.add1", (3, 9)),  # through a join
    ],
)
def test_clicking_a_layer_draws_its_field_in_the_browser(chromium, run, tmp_path, spec, layer, at):
    page = write_report(run, tmp_path, str(EXAMPLES / spec))
    dom = dump_dom(chromium, page, f"rf={layer}&at={at[0]},{at[1]}", tmp_path / "profile")
    tags = elements(dom)
    report = analyze(read_network([str(EXAMPLES / spec)]))
    view = field_view(report, layer, at)
    rows, cols = (axis.field.size for axis in view.axes)
    picked = [a for t, a in tags if t == "tr" and "picked" in a.get("class", "")]
    assert [a["data-layer"] for a in picked] == [layer]  # the click selected the row
    outline = [a for t, a in tags if a.get("class") == "field-outline"]
    assert [(a["data-rows"], a["data-cols"]) for a in outline] == [(str(rows), str(cols))]
    text = [a for t, a in tags if a.get("id") == "rf-text"]
    assert text[0]["data-size"] == f"{rows}×{cols}"
    nested = [(a["data-layer"], int(a["data-rows"]), int(a["data-cols"])) for t, a in tags if a.get("class") == "nested"]
    expected = [(name, r.size, c.size) for (name, r), (_, c) in zip(view.axes[0].nested, view.axes[1].nested)]
    assert nested == expected[::-1]  # outermost first, as drawn
    shaded = [a for t, a in tags if t == "rect" and "field" in a.get("class", "").split()]
    if shaded:  # small views draw cells: exactly the field's
        assert len(shaded) == rows * cols


def test_the_3x3_stack_shades_7x7_in_the_browser(chromium, run, tmp_path):
    page = write_report(run, tmp_path, "-i", "1x9x9", "conv:1,3", "conv:1,3", "conv:1,3")
    dom = dump_dom(chromium, page, "rf=conv3&at=1,1", tmp_path / "profile")
    shaded = [a for t, a in elements(dom) if t == "rect" and "field" in a.get("class", "").split()]
    assert len(shaded) == 49
    assert {(int(a["data-row"]), int(a["data-col"])) for a in shaded} == {(r, c) for r in range(1, 8) for c in range(1, 8)}


def test_dilated_taps_match_python_in_the_browser(chromium, run, tmp_path):
    layers = ("conv:1,3,p=1", "conv:1,3,d=3,p=3")
    page = write_report(run, tmp_path, "-i", "1x12x12", *layers)
    dom = dump_dom(chromium, page, "rf=conv2&at=1,5", tmp_path / "profile")
    view = field_view(analyze(read_network(layers, "1x12x12")), "conv2", (1, 5))
    taps = {(int(float(a["cy"])), int(float(a["cx"]))) for t, a in elements(dom) if a.get("class") == "tap"}
    assert len(taps) == len(view.axes[0].taps) * len(view.axes[1].taps) == 6 * 9
