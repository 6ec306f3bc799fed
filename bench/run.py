"""convcalc's benchmark: cold starts, large generated specs, and torchinfo, in one run.

    python bench/run.py                        # the full table (a few minutes on 2 cores)
    python bench/run.py --repeats 3 --sizes 100,1000 --no-torch   # quick look

Every "fresh process" row is the median of `--repeats` new interpreters (min and max beside it),
timed from spawn to exit, with the child's own peak RSS (`os.wait4`'s ru_maxrss); a load +
analyse child ends as the `convcalc` command does (convcalc.quick_exit, see ANALYSE). "In process"
rows time `load_spec` + `analyze` inside this interpreter after one warm-up, not the freeing of
the network and report they made. The torchinfo row and the convcalc row it is compared with
alternate A B A B, so both see the same machine state.
The last table checks the budgets of issue 12 / DESIGN.md as ratios measured in this run.

This is a benchmark, not a test: CI never fails on its numbers (tests/test_bench.py only runs
it at tiny sizes and checks the table's shape).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TORCHINFO_SCRIPT = Path(__file__).resolve().parent / "resnet50_torchinfo.py"
# The fresh-process child ends as `convcalc`'s own command line ends (convcalc.cli.run, through the
# same convcalc.quick_exit): the report kept until the process ends, which ends without the
# interpreter's teardown, so the row is load + analyse + exit, as the command does them.
ANALYSE = (
    "import sys\n"
    "from convcalc.quick_exit import exits_quickly, keep_until_exit\n"
    "with exits_quickly():\n"
    "    from convcalc.engine import analyze\n"
    "    from convcalc.spec.from_yaml import load_spec\n"
    "    network = load_spec(sys.argv[1])\n"
    "    report = analyze(network)\n"
    "    keep_until_exit(network, report)\n"
    "    print(len(report.layers))\n"
)


@dataclass
class Row:
    what: str
    times: list[float] = field(default_factory=list)  # seconds
    rss: list[int] = field(default_factory=list)  # bytes, fresh processes only
    note: str = ""
    value: str = ""  # a row that is a computed figure (a ratio), not a timing

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def cells(self) -> list[str]:
        if self.value:
            return [self.what, self.value, "", "", "", "", self.note]
        if not self.times:
            return [self.what, "—", "—", "—", "—", "0", self.note]
        peak = f"{statistics.median(self.rss) / 2**20:.0f}" if self.rss else "—"
        return [
            self.what,
            _ms(self.median),
            _ms(min(self.times)),
            _ms(max(self.times)),
            peak,
            str(len(self.times)),
            self.note,
        ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def child_env() -> dict[str, str]:
    """The checkout's package first on the path, so the bench measures this tree."""
    env = dict(os.environ)
    # Measure convcalc as pip installs it, with its bytecode compiled: a shell that sets
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every module in every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


LAUNCHER = """\
import json, os, subprocess, sys, time
for line in sys.stdin:
    argv, cwd, env = json.loads(line)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    reply = [elapsed, usage.ru_maxrss * 1024, proc.returncode, err.decode(errors="replace")[-2000:]]
    print(json.dumps(reply), flush=True)
"""


class Launcher:
    """Spawns the measured processes from a small interpreter started before this one grows.

    Linux counts the RSS a child inherits at fork (or shares until exec, with vfork) in its
    ru_maxrss, so children forked from a bench that has just analysed 100k layers in process
    would report its size, not theirs. The launcher stays small (a bare interpreter), so a
    child's ru_maxrss is its own peak (at least the launcher's ~10 MB).
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, argv: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
        """Wall time (spawn to exit) and peak RSS (bytes) of one new process; its output is discarded."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([list(argv), str(ROOT), env]) + "\n")
        self.proc.stdin.flush()
        elapsed, peak, code, err = json.loads(self.proc.stdout.readline())
        if code != 0:
            raise SystemExit(f"bench: {' '.join(argv)} exited {code}:\n{err}")
        return float(elapsed), int(peak)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def measure_fresh(
    launcher: Launcher, rows: Sequence[tuple[Row, Sequence[str]]], repeats: int, env: dict[str, str]
) -> None:
    """Run the commands in turn (A B A B ...) `repeats` times, after one untimed warm-up each."""
    for _, argv in rows:
        launcher.run(argv, env)
    for _ in range(repeats):
        for row, argv in rows:
            elapsed, peak = launcher.run(argv, env)
            row.times.append(elapsed)
            row.rss.append(peak)


def measure_in_process(row: Row, work: Callable[[], object], repeats: int) -> None:
    """Time `work()` alone: what it returns is dropped (and freed) after the clock stops."""
    work()
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = work()
        row.times.append(time.perf_counter() - start)
        del result


# ---- generated specs -------------------------------------------------------------------------


def chain_spec(layers: int) -> str:
    """A plain chain of `layers` rows: conv 3x3 (same padding), batchnorm, relu, over and over."""
    cycle = ("  - conv: {out: 16, kernel: 3, padding: 1}", "  - batchnorm", "  - relu")
    body = [cycle[i % 3] for i in range(layers)]
    return "\n".join([f"name: chain{layers}", "input: [16, 32, 32]", "layers:", *body]) + "\n"


GRAPH_UNIT = """\
  - residual:
      main:
        - conv: {out: 16, kernel: 3, padding: 1, bias: false}
        - batchnorm
        - relu
        - conv: {out: 16, kernel: 3, padding: 1, bias: false}
        - batchnorm
  - relu
  - concat: [[conv: {out: 8, kernel: 1}], []]
  - conv: {out: 16, kernel: 1}
"""
GRAPH_UNIT_ROWS = 10  # 5 layers + add, relu, conv + concat, conv


def graph_spec(layers: int) -> str:
    """Residual and concat blocks, written out (no repeat): `layers` rows, rounded up to whole units."""
    units = max(1, -(-layers // GRAPH_UNIT_ROWS))
    return "\n".join([f"name: graph{layers}", "input: [16, 32, 32]", "layers:"]) + "\n" + GRAPH_UNIT * units


GENERATORS: dict[str, Callable[[int], str]] = {"chain": chain_spec, "graph": graph_spec}


def parse_size(text: str) -> int:
    """A size as --sizes takes it: 1000, 10k or 1M (the table's own labels read back)."""
    text = text.strip().lower()
    scale = {"k": 1000, "m": 1_000_000}.get(text[-1:], 1)
    size = int(text[:-1] if scale > 1 else text) * scale
    if size < 1:
        raise ValueError(f"a spec needs at least one layer, not {size}")
    return size


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# ---- the run ----------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {time.strftime('%Y-%m-%d')}"
    )


def has_check(convcalc: Sequence[str], env: dict[str, str]) -> bool:
    result = subprocess.run([*convcalc, "check", "--help"], check=False, capture_output=True, env=env, cwd=ROOT)
    return result.returncode == 0


def table(rows: Sequence[Row]) -> str:
    header = ["what", "median ms", "min ms", "max ms", "peak RSS MB", "runs", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["--:"] * 5 + ["---"]) + "|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Budget:
    what: str
    measured: float | None
    limit: str
    ok: bool | None

    def cells(self) -> list[str]:
        shown = "—" if self.measured is None else f"{self.measured:,.2f}"
        verdict = {True: "yes", False: "**no**", None: "not measured"}[self.ok]
        return [self.what, shown, self.limit, verdict]


def budget_table(budgets: Sequence[Budget]) -> str:
    lines = ["| budget | measured | limit | met |", "|---|--:|---|---|"]
    lines += ["| " + " | ".join(b.cells()) + " |" for b in budgets]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="runs per row (default 10)")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="generated spec sizes in rows, comma-separated (default 1k,10k,100k)"
    )
    parser.add_argument("--no-torch", action="store_true", help="leave out the torchinfo comparison")
    parser.add_argument("--no-cli", action="store_true", help="leave out the cold-start rows")
    parser.add_argument(
        "--convcalc", default=None, help="command that runs convcalc (default: this python -m convcalc)"
    )
    options = parser.parse_args(argv)
    repeats = max(1, options.repeats)
    try:
        sizes = [parse_size(s) for s in options.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: {options.sizes!r} is not a list of sizes such as 1000,10k,100k")
    env = child_env()
    launcher = Launcher()
    python = [sys.executable]
    convcalc = options.convcalc.split() if options.convcalc else [*python, "-m", "convcalc"]
    resnet = str(EXAMPLES / "resnet50.yaml")

    rows: list[Row] = []
    notes: list[str] = []
    floor = Row("`python -c pass`")
    help_row = Row("`convcalc --help`")
    table_row = Row("`convcalc summary examples/resnet50.yaml`")
    json_row = Row("`convcalc summary examples/resnet50.yaml --format json`")
    torch_row = Row("torchinfo `summary()` of ResNet-50 (bench/resnet50_torchinfo.py)")
    json_ab = Row("`convcalc summary examples/resnet50.yaml --format json`, alternating with torchinfo")
    check_row = Row("`convcalc check examples/`")
    if not options.no_cli:
        cold = [
            (floor, [*python, "-c", "pass"]),
            (help_row, [*convcalc, "--help"]),
            (table_row, [*convcalc, "summary", resnet]),
            (json_row, [*convcalc, "summary", resnet, "--format", "json"]),
        ]
        if has_check(convcalc, env):
            cold.append((check_row, [*convcalc, "check", str(EXAMPLES)]))
        else:
            check_row.note = "skipped: this checkout has no `check` command yet"
        measure_fresh(launcher, cold, repeats, env)
        rows += [floor, help_row, table_row, json_row, check_row]

    torch_ready = all(importlib.util.find_spec(m) is not None for m in ("torch", "torchinfo", "numpy"))
    if options.no_torch or options.no_cli:
        notes.append("torchinfo comparison left out (--no-torch / --no-cli)")
    elif not torch_ready:
        torch_row.note = "skipped: torch, torchinfo and numpy are not all installed"
        rows += [torch_row]
    else:
        pair = [
            (torch_row, [*python, str(TORCHINFO_SCRIPT)]),
            (json_ab, [*convcalc, "summary", resnet, "--format", "json"]),
        ]
        measure_fresh(launcher, pair, repeats, env)
        rows += [torch_row, json_ab]

    sys.path.insert(0, str(ROOT))
    from convcalc.engine import analyze
    from convcalc.spec.from_yaml import parse_spec

    def load_and_analyse(text: str, path: str) -> tuple[object, object]:
        """The network and its report, both returned: neither is freed while the clock runs."""
        network = parse_spec(text, path)
        return network, analyze(network)

    generated: dict[tuple[str, int], tuple[Row, Row]] = {}
    with tempfile.TemporaryDirectory(prefix="convcalc-bench-") as tmp:
        for kind, generate in GENERATORS.items():
            for n in sizes:
                text = generate(n)
                path = Path(tmp) / f"{kind}{n}.yaml"
                path.write_text(text, encoding="utf-8")
                rows_n = len(analyze(parse_spec(text, str(path))).layers)
                label = f"{kind} of {size_label(n)} layers ({rows_n:,} rows, {len(text) / 2**20:.1f} MB YAML)"
                inside = Row(f"load + analyse {label}, in process")
                measure_in_process(inside, lambda t=text, p=str(path): load_and_analyse(t, p), repeats)
                outside = Row(f"load + analyse {label}, fresh process")
                measure_fresh(launcher, [(outside, [*python, "-c", ANALYSE, str(path)])], repeats, env)
                generated[kind, n] = (inside, outside)
                rows += [inside, outside]
        if len(sizes) >= 2:
            big, small = sizes[-1], sizes[-2]
            for kind in GENERATORS:
                for where, index in (("in process", 0), ("fresh process", 1)):
                    ratio = generated[kind, big][index].median / generated[kind, small][index].median
                    rows.append(
                        Row(f"time ratio {size_label(big)}/{size_label(small)}, {kind}, {where}", value=f"{ratio:.1f}×")
                    )

    budgets: list[Budget] = []
    if floor.times:
        base = floor.median
        budgets += [
            Budget("json − `python -c pass`, ms", (json_row.median - base) * 1000, "≤ 100", json_row.median - base <= 0.1),
            Budget("table − `python -c pass`, ms", (table_row.median - base) * 1000, "≤ 150", table_row.median - base <= 0.15),
            Budget("`--help` − `python -c pass`, ms", (help_row.median - base) * 1000, "≤ 150", help_row.median - base <= 0.15),
        ]
    if torch_row.times and json_ab.times:
        speedup = torch_row.median / json_ab.median
        budgets.append(Budget("torchinfo ÷ convcalc json (same run, A B A B)", speedup, "≥ 20", speedup >= 20))
    if sizes and sizes[-1] >= 100_000:
        n = sizes[-1]
        for kind in GENERATORS:
            inside, outside = generated[kind, n]
            seconds = max(inside.median, outside.median)
            budgets.append(Budget(f"{kind} {size_label(n)}: analysed, s (slower of the two)", seconds, "< 2", seconds < 2))
            peak = statistics.median(outside.rss) / 2**20
            budgets.append(Budget(f"{kind} {size_label(n)}: peak RSS, MB", peak, "< 300", peak < 300))
    if len(sizes) >= 2:
        big, small = sizes[-1], sizes[-2]
        for kind in GENERATORS:
            ratio = max(generated[kind, big][i].median / generated[kind, small][i].median for i in (0, 1))
            budgets.append(
                Budget(f"{kind}: time {size_label(big)}/{size_label(small)} (worse of the two)", ratio,
                       f"< {1.2 * big / small:g}", ratio < 1.2 * big / small)
            )

    launcher.close()
    print(f"Machine: {machine()}\n")
    print(table(rows))
    if budgets:
        print()
        print(budget_table(budgets))
    for note in notes:
        print(f"\n{note}")
    return 0  # a benchmark reports; it never fails a build


if __name__ == "__main__":
    raise SystemExit(main())
