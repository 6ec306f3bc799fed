"""Run convcalc in a fresh process and measure it: exit code, output, wall and CPU time, peak memory.

Issue 18 asks that no input makes convcalc use more than 500 MB. In process (the fuzz suite) the
memory of one input cannot be told apart from the test runner's, so the inputs below run as
`python -m convcalc ...`, each in its own child, and the child's peak resident set size is read
from the kernel when it is reaped (`os.wait4`). `REPRODUCERS` are the issue's adversarial inputs;
tests/test_untrusted_input.py runs them, tests/test_fuzz.py runs them with a sample of fuzz inputs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT_MB = 500


@dataclass(frozen=True)
class Measured:
    code: int  # -9 when the child was killed at the timeout
    stdout: str
    stderr: str
    seconds: float  # wall time
    cpu_seconds: float  # user + system time of the child: what the input cost, whatever the load of the machine
    peak_mb: float  # the child's peak resident set size


# Forks and execs convcalc, reaps it and writes its rusage to the file named first. Linux carries a
# process's peak memory across exec (a forked child starts at its parent's peak): the parent of
# convcalc must be this small process, not the test runner, or its peak is what is measured.
_TRAMPOLINE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "convcalc", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
"""


def run_measured(args: list[str], *, timeout: float = 60.0, cwd: Path = ROOT) -> Measured:
    """`python -m convcalc ARGS` in a fresh process, with the convcalc these tests import; killed
    (code -9) past `timeout` seconds."""
    environ = {**os.environ, "CONVCALC_DEBUG": "0", "COLUMNS": "120"}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as folder:
        usage_file = Path(folder) / "usage"
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", _TRAMPOLINE, str(usage_file), *args], cwd=cwd, env=environ,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)  # its own group: a timeout stops convcalc too
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            stdout, stderr = child.communicate()
        seconds = time.perf_counter() - start
        code, peak, cpu = usage_file.read_text().split() if usage_file.exists() else ("-9", "0", "0")
    peak_mb = int(peak) / (2**20 if sys.platform == "darwin" else 2**10)  # bytes on macOS, KiB on Linux
    return Measured(int(code), stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"), seconds,
                    float(cpu), peak_mb)


NESTED_REPEATS = "input: [3, 8, 8]\nlayers:\n" + "".join(
    "  " * i + "  - repeat: 100\n" + "  " * i + "    layers:\n" for i in range(5)
) + "  " * 5 + "  - relu\n"  # 100^5 layers


def _sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of `size` bytes that costs no disk: `head`, then a hole."""
    with path.open("wb") as stream:
        stream.write(head)
        stream.truncate(size)
    return path


def reproducer_files(folder: Path) -> dict[str, Path]:
    """The reproducers that need a file written: a 50 MB spec and matrix, 100^5 nested repeats,
    a 3 MB matrix file of 1.5 million values (under the file size limit, over the cells limit)."""
    nested = folder / "nested_repeats.yaml"
    nested.write_text(NESTED_REPEATS, encoding="utf-8")
    cells = folder / "cells.txt"
    cells.write_text(("1 " * 1000 + "\n") * 1500, encoding="utf-8")
    return {
        "{nested}": nested,
        "{spec_50mb}": _sparse(folder / "big.yaml", b"input: [3, 8, 8]\nlayers:\n  - relu\n#", 50_000_000),
        "{matrix_50mb}": _sparse(folder / "big.txt", b"1 2\n3 4\n", 50_000_000),
        "{cells}": cells,
    }


# name: (arguments, the start of the error). `{...}`: a file from reproducer_files; the errors
# about a spec's content start at its position.
REPRODUCERS: dict[str, tuple[list[str], str]] = {
    "alias-bomb": (["summary", "tests/bad_specs/alias_bomb.yaml"],
                   "tests/bad_specs/alias_bomb.yaml:7:5: error: this YAML expands to more than 10,000,000 nodes"),
    "repeat-10**9": (["summary", "tests/bad_specs/repeat_one_billion.yaml"],
                     "tests/bad_specs/repeat_one_billion.yaml:3:13: error: 'repeat: 1000000000' needs 1,000,000,000"),
    "nested-repeats-100**5": (["summary", "{nested}"], "{nested}:5:15: error: 'repeat: 100' needs 100,000,000"),
    "spec-50mb": (["summary", "{spec_50mb}"],
                  "error: reading spec file '{spec_50mb}' needs 50,000,000 bytes, more than the limit"),
    "answers-endless": (["grade", "examples/homework/key.yaml", "/dev/zero"],
                        "error: reading answers file '/dev/zero': it holds more than 20,000,000 bytes"),
    "conv-padding-10000": (["conv", "--input", "1", "--kernel", "1", "--padding", "10000"],
                           "error: padding 10,000 is more than the limit of 1,000"),
    "pool-kernel-100000": (["pool", "--input", "1", "--kernel", "100000", "--padding", "50000"],
                           "error: padding 50,000 is more than the limit of 1,000"),
    "explain-rf-10**8-layers": (["explain", "rf", "--kernel", "3", "--layers", "100000000"],
                                "error: 100,000,000 layers are more than the limit of 10,000"),
    "conv-matrix-50mb": (["conv", "--input", "{matrix_50mb}", "--kernel", "1"],
                         "error: the file '{matrix_50mb}' has 50,000,000 bytes, more than the limit"),
    "conv-matrix-1.5m-values": (["conv", "--input", "{cells}", "--kernel", "1"],
                                "error: this needs 1,500,000 cells (the values in the matrix file), more than the limit"),
}


def resolved(text: str, files: dict[str, Path]) -> str:
    for name, path in files.items():
        text = text.replace(name, str(path))
    return text
