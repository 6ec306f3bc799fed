"""`summary --bars`: bar columns for activation size and parameters, so a network's shape shows in
the table itself."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, GOLDEN

from convcalc.render.summary import bar


@pytest.mark.parametrize(
    ("value", "largest", "expected"),
    [
        (100, 100, "██████████"),  # the largest row fills the column
        (50, 100, "█████"),
        (55, 100, "█████▌"),  # 5.5 cells: five full, one half (4/8)
        (1, 10**6, "▏"),  # never invisible when not zero
        (0, 100, ""),
        (0, 0, ""),
    ],
)
def test_bar_is_linear_in_eighths(value, largest, expected):
    assert bar(value, largest) == expected


def test_alexnet_bars_golden(run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = run("summary", "alexnet.yaml", "--bars")
    assert code == 0
    lines = out.splitlines()
    fc6 = next(line for line in lines if " fc6 " in line)
    assert fc6.rstrip().endswith("██████████")  # the largest parameter count: a full bar
    golden(GOLDEN / "pictures" / "alexnet.bars.txt", out)


def test_bars_need_the_table(run):
    code, out, err = run("summary", str(EXAMPLES / "alexnet.yaml"), "--bars", "--format", "json")
    assert (code, err) == (2, "error: --bars draws bars in the table format only (got --format json)\n")
    assert json.loads(out)["error"]["message"] == "--bars draws bars in the table format only (got --format json)"
