"""A smoke test of bench/run.py at tiny sizes: it runs and prints a well-formed table.

Timings are never checked here (timed tests are flaky on shared machines); the budgets are
read from the bench's own output by a person (README, Performance).
"""

from __future__ import annotations

import importlib.util
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


def test_bench_reads_sizes_as_its_table_labels_them():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = bench  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules["bench_run"]
    assert [bench.parse_size(s) for s in ("1000", "10k", " 100K", "1M")] == [1000, 10_000, 100_000, 1_000_000]
    assert bench.size_label(bench.parse_size("100k")) == "100k"
    for script in ("run.py", "phases.py"):
        for sizes in ("ten", "0", "10k,-5"):
            argv = [sys.executable, str(ROOT / "bench" / script), "--sizes", sizes]
            done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
            assert done.returncode == 2 and "--sizes" in done.stderr and "Traceback" not in done.stderr, (script, sizes)


def test_phases_prints_a_row_per_spec_whose_phases_add_up():
    argv = [sys.executable, str(ROOT / "bench" / "phases.py"), "--sizes", "30", "--repeats", "1"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith("| spec | rows | compose, s |") and len(lines) == 4  # header, separator, chain, graph
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] in ("chain of 30 layers", "graph of 30 layers")
        assert int(cells[1].replace(",", "")) >= 30  # rows, as the engine counted them
        phases, total = [float(c) for c in cells[2:-1]], float(cells[-1])
        assert len(phases) == 6 and abs(sum(phases) - total) < 0.002
