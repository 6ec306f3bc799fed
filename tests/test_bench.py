"""A smoke test of bench/run.py at tiny sizes: it runs and prints a well-formed table.

Timings are never checked here (timed tests are flaky on shared machines); the budgets are
read from the bench's own output by a person (README, Performance).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_prints_its_tables_at_tiny_sizes():
    argv = [sys.executable, str(ROOT / "bench" / "run.py"), "--repeats", "1", "--sizes", "20,40", "--no-torch"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ROOT, timeout=300).stdout
    assert out.startswith("Machine: ")
    tables = [block.splitlines() for block in out.split("\n\n") if block.startswith("|")]
    assert len(tables) == 2  # the measurements, then the budgets
    rows, budgets = tables
    for table in tables:
        widths = {line.count("|") for line in table}
        assert len(widths) == 1, table  # every row has the header's columns
        assert set(table[1]) <= set("|-: ")  # the separator row
    labels = [line.split("|")[1].strip() for line in rows[2:]]
    assert labels[:3] == ["`python -c pass`", "`convcalc --help`", "`convcalc summary examples/resnet50.yaml`"]
    assert sum("load + analyse chain of 20 layers" in label for label in labels) == 2  # in process, fresh
    assert sum("load + analyse graph of 40 layers" in label for label in labels) == 2
    assert any(label.startswith("time ratio 40/20") for label in labels)
    assert any("`--help`" in line for line in budgets)
