"""Where the time of loading and analysing a large spec goes, phase by phase.

    python bench/phases.py                 # the bench's generated chain and graph of 100k layers
    python bench/phases.py --sizes 10k     # smaller
    python bench/phases.py my_spec.yaml    # a spec of yours

The phases are the ones `load_spec` + `analyze` run, called one by one: PyYAML's composer (C,
the floor of reading YAML with PyYAML), the guard over the composed nodes (tags, aliases, long
numbers), the reader (nodes to raw layers), the row count, the builder (checked arguments,
names) and the engine's trace (the rules and one row per layer). Each figure is CPU time (less
disturbed by other processes than wall time), the fastest of `--repeats` fresh interpreters,
so it reads as what the phase costs, not what a busy machine made of it. bench/run.py gives the
end-to-end figures the budgets are judged on.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHASES = ("compose", "guard", "read", "count", "build", "trace")

# Run in a fresh interpreter per repeat: one spec's phases, as CPU seconds, on one line.
CHILD = """\
import sys, time
import yaml
from convcalc.engine.analyze import trace
from convcalc.engine.collector import collector_paused
from convcalc.network import Network
from convcalc.source import Source
from convcalc.spec.build import build_layers
from convcalc.spec.from_yaml import _Reader, _SpecLoader
from convcalc.spec.yaml_guard import check_document

path = sys.argv[1]
source = Source(path, open(path, encoding="utf-8").read())
clock = time.process_time
times = []
with collector_paused():
    start = clock(); root = yaml.compose(source.text, Loader=_SpecLoader); times.append(clock() - start)
    start = clock(); shared = check_document(root, source); times.append(clock() - start)
    reader = _Reader(source, not shared)
    fields = {key: value for key, _, value in reader.mapping(root, "the spec")}
    shape = reader.input_shape(fields["input"])
    start = clock(); raws = reader.top_level(fields["layers"]); times.append(clock() - start)
    del root, fields
    start = clock(); reader.count(raws); times.append(clock() - start)
    start = clock(); nodes = build_layers(raws); times.append(clock() - start)
    network = Network("phases", shape, nodes)
start = clock(); rows = len(trace(network).rows); times.append(clock() - start)
print(rows, *times)
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("specs", nargs="*", help="spec files (default: the bench's generated chain and graph)")
    parser.add_argument("--sizes", default="100k", help="generated sizes, comma-separated (default 100k)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh interpreters per spec; the fastest counts")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import run as bench  # the bench's generators and size parser: the same specs as its table

    env = bench.child_env()
    print("| spec | rows | " + " | ".join(f"{p}, s" for p in PHASES) + " | sum, s |")
    print("|---|--:|" + "--:|" * (len(PHASES) + 1))
    with tempfile.TemporaryDirectory(prefix="convcalc-phases-") as tmp:
        specs = [(Path(s).name, Path(s)) for s in options.specs]
        if not specs:
            try:
                sizes = [bench.parse_size(s) for s in options.sizes.split(",") if s.strip()]
            except ValueError:
                parser.error(f"--sizes: {options.sizes!r} is not a list of sizes such as 10k,100k")
            for n in sizes:
                for kind, generate in bench.GENERATORS.items():
                    path = Path(tmp) / f"{kind}{n}.yaml"
                    path.write_text(generate(n), encoding="utf-8")
                    specs.append((f"{kind} of {bench.size_label(n)} layers", path))
        for label, path in specs:
            best: list[float] | None = None
            rows = ""
            for _ in range(max(1, options.repeats)):
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env, check=True
                )
                rows, *numbers = done.stdout.split()
                times = [float(t) for t in numbers]
                best = times if best is None else [min(a, b) for a, b in zip(best, times)]
            assert best is not None
            cells = " | ".join(f"{t:.3f}" for t in best)
            print(f"| {label} | {int(rows):,} | {cells} | {sum(best):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
