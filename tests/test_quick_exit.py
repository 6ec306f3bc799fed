"""The quick exit (convcalc/quick_exit.py): the process ends without the interpreter's teardown,
and nothing a caller can see changes: the output, every atexit hook, the exit status, a broken pipe.

Each case runs the real CLI (or the helper) in a fresh process, with its stdout a pipe, and most
compare it with the same process where the quick exit is not taken: an atexit hook registered
before it (any hook, as coverage's or a sitecustomize's would be) turns it off. No timings here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

# `__del__` of an object the quick exit keeps: printed only when the interpreter's teardown runs.
FREED = "import os\nclass Sentinel:\n    def __del__(self, write=os.write):\n        write(1, b'<freed>')\n"
# A hook before the quick exit's: it stands aside. On the script's first line, so that a
# traceback's line numbers are those of the script without it.
NO_QUICK_EXIT = "import atexit; atexit.register(lambda: None); "
CLI = (
    "import sys\n"
    "from convcalc.cli import run\n"
    "sys.argv = ['convcalc', *sys.argv[1:]]\n"
    "run()\n"
)


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONUNBUFFERED", "CONVCALC_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env  # stdout buffered, as in a person's shell: the quick exit must flush it


def _run(argv: list[str], stdout: int) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, *argv], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, cwd=ROOT, env=_env(), timeout=120, check=False)
    return done.returncode, (done.stdout or b"").decode(), done.stderr.decode()


def _python(code: str, *args: str, stdout: int = subprocess.PIPE) -> tuple[int, str, str]:
    return _run(["-c", code, *args], stdout)


def _convcalc(*args: str) -> tuple[int, str, str]:
    """`python -m convcalc ARGS`, as a person runs it."""
    return _run(["-m", "convcalc", *args], subprocess.PIPE)


@pytest.fixture(scope="module")
def chain_2000(tmp_path_factory: pytest.TempPathFactory) -> str:
    spec = tmp_path_factory.mktemp("quick_exit") / "chain.yaml"
    spec.write_text("input: [4, 16, 16]\nlayers:\n" + "  - conv: {out: 4, kernel: 3, padding: 1}\n  - relu\n" * 1000)
    return str(spec)


def test_a_good_spec_exits_0_with_its_whole_output(chain_2000):
    code, out, err = _convcalc("summary", chain_2000, "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["layers"]) == 2000  # all of it through the pipe, flushed before the exit
    assert (code, out, err) == _python(NO_QUICK_EXIT + CLI, "summary", chain_2000, "--format", "json")
    table = _convcalc("summary", chain_2000)
    assert table[0] == 0 and table[1].rstrip().splitlines()[-1].strip()  # the table to its last line
    assert table == _python(NO_QUICK_EXIT + CLI, "summary", chain_2000)


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "tests/bad_specs/alias_recursive.yaml"],  # a broken spec: exit 2
        ["summary", "tests/bad_specs/alias_recursive.yaml", "--format", "json"],  # and its error as JSON on stdout
        ["summary", "examples/lecture/7x7_stride3.yaml", "--fail-on", "warning"],  # a diagnostic that fails: exit 1
        ["summary", "--format", "yaml", "examples/resnet18.yaml"],  # typer's usage error: exit 2
        ["nosuch"],
        ["--version"],  # typer.Exit: 0
        ["kinds", "conv"],
    ],
    ids=" ".join,
)
def test_exit_status_and_messages_are_as_without_the_quick_exit(args):
    quick = _convcalc(*args)
    assert quick == _python(NO_QUICK_EXIT + CLI, *args)
    if args[1:2] == ["tests/bad_specs/alias_recursive.yaml"]:
        assert quick[0] == 2 and "error:" in quick[2]


def test_the_quick_exit_is_taken_and_runs_a_hook_registered_during_the_command():
    """A module the command imports may register an atexit hook: it runs, before the quick exit,
    and the command's report is never freed (the sentinel kept with it says nothing)."""
    code = FREED + (
        "import atexit, sys\n"
        "import convcalc.spec.read as read\n"
        "from convcalc.quick_exit import keep_until_exit\n"
        "original = read.read_networks\n"
        "def read_networks(*args, **kwargs):\n"
        "    atexit.register(print, '<hook ran>')\n"
        "    keep_until_exit(Sentinel())\n"
        "    return original(*args, **kwargs)\n"
        "read.read_networks = read_networks\n"
    ) + CLI
    status, out, err = _python(code, "summary", "examples/resnet18.yaml", "--format", "json")
    assert status == 0, err
    document, _, rest = out.rpartition("}\n")
    assert json.loads(document + "}")["name"] and rest == "<hook ran>\n"  # no <freed>: no teardown
    plain = _python(NO_QUICK_EXIT + code, "summary", "examples/resnet18.yaml", "--format", "json")
    assert plain[1].startswith("<freed>{") and plain[1].endswith("<hook ran>\n")  # nothing kept: freed at once


EXITS = {  # how the program ends: (its last line, whether the quick exit is taken)
    "return": ("pass", True),
    "None": ("raise SystemExit", True),
    "3": ("raise SystemExit(3)", True),
    "ExitCode": ("from convcalc.errors import ExitCode\nraise SystemExit(ExitCode.INTERNAL)", True),
    "True": ("raise SystemExit(True)", True),
    "256": ("raise SystemExit(256)", False),  # a status outside 0-255 and anything else: as CPython ends
    "-1": ("raise SystemExit(-1)", False),
    "text": ("raise SystemExit('goodbye')", False),
    "ValueError": ("raise ValueError('a bug')", False),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", False),
}


@pytest.mark.parametrize(("ending", "taken"), EXITS.values(), ids=EXITS.keys())
def test_the_helper_ends_with_the_status_output_and_hooks_of_a_plain_exit(ending, taken):
    body = (
        "import atexit, sys\n"
        "from convcalc.quick_exit import exits_quickly, keep_until_exit\n"
        "with exits_quickly():\n"
        "    atexit.register(print, '<hook ran>')\n"
        "    keep_until_exit(Sentinel())\n"
        "    sys.stdout.write('buffered, no newline ')\n"
        "    sys.stderr.write('to stderr ')\n"
    ) + "".join(f"    {line}\n" for line in ending.splitlines())
    quick = _python(FREED + body)
    plain = _python(FREED + body.replace("with exits_quickly():", "if True:"))
    assert quick[0] == plain[0] and quick[2] == plain[2]  # the status, and stderr with any traceback
    assert quick[1].startswith("buffered, no newline <hook ran>\n")
    assert ("<freed>" not in quick[1]) == taken


def test_a_hook_registered_before_keeps_the_full_shutdown_and_nothing_is_kept():
    code = FREED + NO_QUICK_EXIT + (
        "import atexit\n"
        "from convcalc import quick_exit\n"
        "atexit.register(print, '<registered first, runs last>')\n"
        "with quick_exit.exits_quickly():\n"
        "    quick_exit.keep_until_exit(Sentinel())\n"
        "    assert quick_exit._kept == []\n"
        "keeper = Sentinel()\n"
    )
    assert _python(code) == (0, "<freed><registered first, runs last>\n<freed>", "")


def _closed_pipe_run(code: str, *args: str) -> tuple[int, str]:
    """Run with stdout a pipe whose reader has gone: every write fails with EPIPE."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        status, _, err = _python(code, *args, stdout=writer)
    finally:
        os.close(writer)
    return status, err


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "examples/resnet50.yaml", "--format", "json"],
        ["summary", "examples/resnet50.yaml"],  # the table, through Rich
        ["kinds"],
        ["--help"],
        ["summary", "examples/no_such_spec.yaml", "--format", "json"],  # the JSON error cannot be written either
    ],
    ids=" ".join,
)
def test_a_reader_that_has_gone_is_met_as_without_the_quick_exit(args):
    quick = _closed_pipe_run(CLI, *args)
    assert quick == _closed_pipe_run(NO_QUICK_EXIT + CLI, *args)
    if args[0] in ("summary", "kinds") and args[1:2] != ["examples/no_such_spec.yaml"]:
        assert quick[1] == ""  # the reader has gone: no message
    if args[-1] == "json" and args[0] == "summary" and "resnet50" in args[1]:
        assert quick[0] == 0


def _head_1(code: str, *args: str) -> tuple[int, str, str]:
    """`... | head -1`: read the first line, then close the pipe while the rest (300 KB or so,
    more than a pipe holds) is still being written."""
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, cwd=ROOT, env=_env())
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline().decode()
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    return child.wait(timeout=120), first, err


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_head_1_is_met_as_without_the_quick_exit(chain_2000, fmt):
    quick = _head_1(CLI, "summary", chain_2000, "--format", fmt)
    assert quick == _head_1(NO_QUICK_EXIT + CLI, "summary", chain_2000, "--format", fmt)
    assert quick[1] and quick[2] == ""  # the first line, no message
    if fmt != "table":  # (Rich, which writes the table, exits 1 when its pipe breaks while it flushes)
        assert quick[0] == 0


def test_output_left_in_the_buffer_for_a_reader_that_has_gone_is_reported_as_cpython_does():
    """The quick exit's flush fails, so it stands aside: the shutdown's flush fails again and says so."""
    body = "import sys\nfrom convcalc.quick_exit import exits_quickly\nwith exits_quickly():\n    sys.stdout.write('x')\n"
    quick = _closed_pipe_run(body)
    assert quick == _closed_pipe_run(body.replace("with exits_quickly():", "if True:"))
    assert quick[0] == 120 and "BrokenPipeError" in quick[1]


def test_what_the_command_keeps_is_not_young_when_the_collector_is_back_on(chain_2000):
    """run (main) runs the command with the collector off and turns it back on at the end. What the
    command keeps for the quick exit (the report) must not sit in the youngest generation then,
    or the collector's next run walks all of it (0.3-0.6 s for 100k layers) just before the exit."""
    code = (
        "import contextlib, gc, io, sys\n"
        "from convcalc import quick_exit\n"
        "from convcalc.cli import run\n"
        "young = []  # the youngest generation's size at the start of each collection\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and young.append(len(gc.get_objects(generation=0))))\n"
        "sys.argv = ['convcalc', 'summary', sys.argv[1], '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    run()\n"
        "made = [[i] for i in range(5000)]  # the collector runs, as it would in the shutdown's atexit hooks\n"
        "print(len(quick_exit._kept), gc.isenabled(), gc.get_freeze_count(), len(young), max(young))\n"
    )
    status, out, err = _python(code, chain_2000)
    assert status == 0, err
    kept, enabled, frozen, collections, largest = out.split()
    assert int(kept) >= 2 and enabled == "True" and frozen == "0" and int(collections) > 0
    assert int(largest) < 5000, out  # ~38,000 objects of a 2,000-layer report, were they young


@pytest.mark.parametrize(("first", "status"), [(["kinds"], 0), (["summary", "no-such-file.yaml"], 2)])
def test_a_program_that_calls_main_and_goes_on_ends_with_its_own_status(first, status):
    """Only `run` (the console script, `python -m convcalc`) is the whole process: `main` called
    by another program leaves the exit to that program, whatever the command's own status."""
    code = (
        "import contextlib, io, sys\n"
        "from convcalc.cli import main\n"
        "sys.argv = ['convcalc', *sys.argv[1:]]\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main()\n"
        "sys.exit(3)\n"
    )
    done_status, _, err = _python(code, *first)
    assert done_status == 3, err
    assert status == 0 or "no-such-file.yaml" in err
