"""Fuzzing: bad input ends in a result or a convcalc error, never a crash, a hang or a traceback.

Hypothesis mutates every example spec (lines, values, keys, bytes, encodings, YAML tags), writes
random layer strings for `summary -i`, and random and adversarial arguments for the teaching
commands, and runs each through the CLI in process. The only outcomes allowed:

- exit 0 with output;
- exit 1 (the answer is "no": `solve` finds no solution, `check` a violation) with output;
- exit 1 or 2 with a convcalc message on stderr: `file:line:col: error: ...` where the input has a
  position (a spec file), `error: ...` otherwise, or click's own usage error for a malformed flag;

never exit 70 (the internal-error boundary), never a Python traceback or an escaped exception,
and never more than 5 s for one input (the hypothesis deadline; a watchdog stops a real hang).

The default (CI) profile runs a few hundred inputs in all; `pytest --hypothesis-profile=fuzz
tests/test_fuzz.py` runs more than 100,000 (see the README's "Robustness" section). Each test's
share of the profile's `max_examples` is set where it is declared. With CONVCALC_FUZZ_LOG=FILE the
number of CLI runs, the process's peak memory and the slowest run (seconds, arguments) are appended
to FILE at the end.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import re
import resource
import signal
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SPECS = sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "lecture").glob("*.yaml"))
KEY = EXAMPLES / "homework" / "key.yaml"
STUDENT = EXAMPLES / "homework" / "student.yaml"
SPEC_ANSWERS = EXAMPLES / "homework" / "lenet5_answers.yaml"
TEXTS = {path: path.read_text(encoding="utf-8") for path in [*SPECS, KEY, STUDENT, SPEC_ANSWERS]}

DEADLINE_MS = 5000
WATCHDOG_S = 20  # a real hang never reaches the deadline check: stop it and fail

# `file:line:col: error: ` (a position in the input) or `error: ` (none); click's usage errors
# English, or the teaching commands' Chinese catalogue under --lang zh ("错误：").
POSITIONED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (error: |错误：)\S")
UNPOSITIONED = re.compile(r"^(error: |错误：)\S")
CLICK_USAGE = re.compile(r"\AUsage: .*\n(?:.*\n)*.*\bError\b")  # plain, or in typer's rich box


def fuzz_settings(share: float) -> settings:
    """This test's part of the profile in force (ci: a few dozen inputs; fuzz: tens of thousands)."""
    return settings(
        settings.default,
        max_examples=max(10, int(settings.default.max_examples * share)),
        deadline=None if os.environ.get("CONVCALC_FUZZ_COLLECT") else DEADLINE_MS,  # collect: timed in invoke
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that no `except Exception` swallows it."""


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    # Then again every second: a Hang raised while a destructor runs is only printed, and the
    # run went on (the long profile once grew to 12 GB in a solve of 10^8 candidates).
    signal.setitimer(signal.ITIMER_REAL, seconds, 1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


RUNS: dict[str, Any] = {"count": 0, "slowest_s": 0.0, "slowest": []}
CHILDREN: dict[str, Any] = {"count": 0, "peak_mb": 0.0, "largest": [], "slowest_s": 0.0, "cpu_s": 0.0, "slowest": []}


def _log_at_exit() -> None:
    log = os.environ.get("CONVCALC_FUZZ_LOG")
    if log and RUNS["count"]:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"runs={RUNS['count']} peak_rss_mb={peak_mb:.0f} slowest_s={RUNS['slowest_s']:.2f} "
                      f"slowest={json.dumps(RUNS['slowest'])[:300]}\n")
    if log and CHILDREN["count"]:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"fresh_processes={CHILDREN['count']} peak_child_rss_mb={CHILDREN['peak_mb']:.0f} "
                      f"largest={json.dumps(CHILDREN['largest'])[:300]} slowest_child_s={CHILDREN['slowest_s']:.2f} "
                      f"slowest_child_cpu_s={CHILDREN['cpu_s']:.2f} slowest_child={json.dumps(CHILDREN['slowest'])[:300]}\n")


atexit.register(_log_at_exit)


def invoke(args: list[str], *, positioned: str | None = None, inputs: dict[str, bytes] | None = None,
           report: bool = False) -> tuple[int, str, str]:
    """Run convcalc in process and fail unless the outcome is one of the allowed ones.

    `positioned`: the spec file whose errors must carry its position (when the error is about
    its content: a file that cannot be read at all may say so without one). `report`: the command
    reports a failing file on stdout, in its format, with exit 1 or 2 (`check`). `inputs`: the files
    the run read, recorded with a failure in collect mode (CONVCALC_FUZZ_COLLECT=FILE: failures
    are appended to FILE as JSON lines instead of failing the test, to see every kind at once).
    """
    from convcalc.cli import app

    RUNS["count"] += 1
    env = {"CONVCALC_DEBUG": "0", "COLUMNS": "120"}
    collect = os.environ.get("CONVCALC_FUZZ_COLLECT")
    start = time.perf_counter()
    try:
        with watchdog(WATCHDOG_S // 3 if collect else WATCHDOG_S):
            result = CliRunner().invoke(app, args, env=env, catch_exceptions=True)
    except Hang:
        if not collect:
            raise
        result = SimpleNamespace(exit_code=-1, stdout="", stderr="", exception=None)
    seconds = time.perf_counter() - start
    if seconds > RUNS["slowest_s"]:
        RUNS["slowest_s"], RUNS["slowest"] = seconds, args
    code, out, err = result.exit_code, result.stdout, result.stderr
    problem = "hang" if code == -1 else judge(result, code, out, err, positioned, report)
    if problem is None and seconds > DEADLINE_MS / 1000:
        problem = f"took {seconds:.1f} s"
    if problem is not None:
        failed(problem, args, code, out, err, result.exception, inputs)
    return code, out, err


def failed(problem: str, args: list[str], code: int, out: str, err: str, exception: BaseException | None,
           inputs: dict[str, bytes] | None) -> None:
    """Fail the test, or in collect mode append the failure to the collect file and go on."""
    collect = os.environ.get("CONVCALC_FUZZ_COLLECT")
    if collect:
        record = {"problem": problem, "args": args, "code": code, "stdout": out[-300:], "stderr": err[-1500:],
                  "exception": repr(exception), "inputs": {k: v.decode("latin-1") for k, v in (inputs or {}).items()}}
        with open(collect, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return
    shown = f"convcalc {' '.join(args)!r}\nexit {code}\nstdout: {out[-2000:]!r}\nstderr: {err[-2000:]!r}"
    raise AssertionError(f"{problem}\n{shown}") from exception


def judge(result: Any, code: int, out: str, err: str, positioned: str | None, report: bool) -> str | None:
    """None for an allowed outcome, else what is wrong with it."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"an exception escaped: {result.exception!r}"
    if code == 70 or "internal error" in err:
        return "internal error"
    if "Traceback (most recent call last)" in out + err:
        return "traceback"
    if code not in (0, 1, 2):
        return f"unexpected exit code {code}"
    if code == 0:
        return None if out.strip() else "exit 0 without output"
    if code == 1 and out.strip() and not err.startswith("error") and not POSITIONED.match(err):
        return None  # the answer is "no", said on stdout (solve, check)
    if report and out.strip() and not err.startswith("error"):
        return None  # check: each file's verdict in the report, on stdout
    if code == 2 and CLICK_USAGE.search(err):
        return None  # click refused a malformed flag before convcalc ran
    if not (POSITIONED.match(err) or UNPOSITIONED.match(err)):
        return "not a convcalc message"
    if positioned is not None and UNPOSITIONED.match(err) and not any(p in err for p in WHOLE_FILE_ERRORS):
        return "an error in a spec file without a position"
    return None


# Errors about a file as a whole, which have no line to point at.
WHOLE_FILE_ERRORS = ("cannot read", "no such file", "is empty", "is a directory", "bytes, more than the limit")


# ---------------------------------------------------------------- values a person might type


HUGE = ["9" * 19, "9" * 400, "9" * 5000, "1" + "0" * 4301, "-" + "9" * 30, "18446744073709551616", "9223372036854775808"]
ADVERSARIAL = [
    "0", "-1", "-0", "1", "2", "3", "7", "1e999999999", "1e-999999999", "1e308", "1e309", "-1e309", "1.5", "0.5", "-2.5",
    "nan", "NaN", "inf", "-inf", "infinity", ".inf", ".nan", "-.inf", "0x10", "0o17", "0b101", "1_000", "1/0", "2/3", "1/3",
    "", " ", "?", "same", "SAME", "valid", "true", "false", "null", "~", "None", "[]", "{}", "[1, 2]", "[[1]]", "x",
    "3x3", "1x1x1", "0x0", "3,3,3", "3,", ",3", "3,,3", "$a", "$", "${a}", "é", "\u202e", "\x00", "\t", "\n", "1\n2",
    "%s", "{0}", "../../etc/passwd", "-" * 50 + "1", "(" * 60 + "1" + ")" * 60, *HUGE,
]
small_ints = st.integers(-3, 40).map(str)
numbers = st.one_of(
    small_ints,
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.fractions(max_denominator=50).map(str),
)
words = st.text(alphabet=string.ascii_letters + string.digits + "_-.$?/", max_size=12)
any_text = st.text(max_size=20)
cli_values = st.one_of(
    small_ints, small_ints, numbers, st.sampled_from(ADVERSARIAL), words, any_text,
    st.lists(small_ints, min_size=1, max_size=5).map(",".join),
)

YAML_SCALARS = [
    "0", "-1", "-7", "1", "3", "64", "true", "false", "yes", "no", "on", "null", "~", "''", '""', ".inf", "-.inf", ".nan",
    "1e999999999", "1e309", "1.0e+3", "0.5", "-0.0", "0x1F", "0o17", "0b11", "1_000", "+12", "12:30", "2024-01-01",
    "[]", "{}", "[1]", "[3, 8, 8]", "[1, [2]]", "{a: 1}", "[-1, 0]", "[true, 2]", "same", "valid", "SAME", "reflect",
    "circular", "zeros", "nearest", "bilinear", "max", "avg", "relu", "conv", "x", "'3'", '"3"', "$width", "$width + 1",
    "$nope", "$", "$width * 99999999999", "-$width", "(" * 60 + "1" + ")" * 60, "*undefined", "&anchor 3",
    "!custom 3", "!!python/object/apply:os.system [true]", "!!binary aGVsbG8=", "!!str 3", "!!int 3", "!!float 3",
    "!!set {a}", "!!omap [a: 1]", "!!timestamp 2024-01-01", "!!null ''", "!!bool yes", "|\n  text", ">-\n  folded",
    "?", "-", ":", "'unterminated", "[1, 2", "{a: 1", "\t3", "3 # comment", "%YAML 1.1", "---", "...", "@", "`",
    *HUGE,
]
yaml_scalars = st.one_of(
    st.sampled_from(YAML_SCALARS), small_ints, numbers, words, any_text.map(repr),
    st.lists(small_ints, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
)
TAGS = ["!custom", "!foo", "!!python/object/apply:os.system", "!!python/name:os.system", "!!binary", "!!str", "!!int",
        "!!float", "!!bool", "!!null", "!!seq", "!!map", "!!set", "!!omap", "!!pairs", "!!timestamp", "!<tag:x,2000:y>",
        "!!merge", "!!value", "!"]


# ---------------------------------------------------------------- spec mutations


VALUE = re.compile(r"(?<=[:\[,-] )[^\s,\[\]{}:#][^,\[\]{}#\n]*?(?=\s*(?:[,\]}]|#|$))", re.MULTILINE)
KEY_RE = re.compile(r"[A-Za-z_$][\w.$-]*(?=:(?:\s|$))", re.MULTILINE)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _pick(draw: st.DrawFn, items: list[re.Match[str]]) -> re.Match[str] | None:
    return draw(st.sampled_from(items)) if items else None


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> str:
    """One change to a spec's text: a line, a value, a key, a tag, indentation or a line ending."""
    op = draw(st.sampled_from([
        "delete", "duplicate", "swap", "value", "value", "value", "value", "key", "tag", "indent", "insert", "truncate",
        "crlf", "tab",
    ]))
    lines = _lines(text)
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = draw(st.integers(0, max(0, len(lines) - 1)))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "indent":
        delta = draw(st.integers(-4, 4))
        lines[i] = " " * max(0, delta) + (lines[i][-delta:] if delta < 0 and len(lines[i]) >= -delta else lines[i])
    elif op == "insert":
        key = draw(st.sampled_from(["input", "layers", "define", "params", "batch", "name", "constraints", "repeat", "conv",
                                    "residual", "concat", "block", "out", "kernel", "x"]))
        lines.insert(i, " " * draw(st.integers(0, 6)) + draw(st.sampled_from(["", "- "])) + f"{key}: "
                     + draw(yaml_scalars))
    elif op == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    elif op == "crlf":
        return text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\n", "\x85", "\u2028"])))
    elif op == "tab":
        lines[i] = "\t" + lines[i]
    elif op in ("value", "tag"):
        match = _pick(draw, list(VALUE.finditer(text)))
        if match is None:
            return text
        new = draw(yaml_scalars) if op == "value" else f"{draw(st.sampled_from(TAGS))} {match.group()}"
        return text[: match.start()] + new + text[match.end():]
    elif op == "key":
        match = _pick(draw, list(KEY_RE.finditer(text)))
        if match is None:
            return text
        old = match.group()
        new = draw(st.one_of(
            st.just(old[:-1]), st.just(old + old[-1]), st.just(old.upper()), st.just(old[::-1]), words,
            st.sampled_from(["input", "layers", "out", "kernel", "stride", "padding", "dilation", "groups", "bias",
                             "name", "repeat", "residual", "concat", "define", "params", "block", "gate", "split",
                             "shortcut", "body", "paths", "in", "<<", "? x", "$x"]),
        ))
        return text[: match.start()] + new + text[match.end():]
    return "\n".join(lines)


@st.composite
def mutated_spec(draw: st.DrawFn, paths: list[Path] = SPECS) -> tuple[Path, bytes]:
    """An example spec with one to four mutations, then perhaps a byte-level change or a re-encoding."""
    path = draw(st.sampled_from(paths))
    text = TEXTS[path]
    for _ in range(draw(st.integers(1, 4))):
        text = draw(text_mutation(text))
    data = text.encode("utf-8")
    final = draw(st.sampled_from(["none", "none", "none", "none", "flip", "bytes", "latin-1", "utf-16", "utf-16-be",
                                  "utf-32", "bom", "nul"]))
    if final == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    elif final == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif final == "latin-1":
        data = text.replace("name: ", "name: café ", 1).encode("latin-1", errors="replace")
    elif final in ("utf-16", "utf-16-be", "utf-32"):
        data = text.encode(final)
    elif final == "bom":
        data = b"\xef\xbb\xbf" + data
    elif final == "nul":
        data = data.replace(b"\n", b"\n\x00", 1)
    return path, data


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


SUMMARY_FLAGS = st.lists(st.sampled_from([
    ["-f", "json"], ["-f", "json"], ["-f", "csv"], ["-f", "markdown"], ["-f", "table"], ["--strict"], ["--depth", "1"],
    ["--depth", "2"], ["--batch", "3"], ["--dtype", "int8"], ["--optimizer", "sgd"],
]), max_size=3).map(lambda groups: [flag for group in groups for flag in group])


def _ensure_json_flag(flags: list[str]) -> list[str]:
    """The table renderer is the slowest: use it in one run out of several, JSON otherwise."""
    return flags if "-f" in flags else ["-f", "json", *flags]


@fuzz_settings(share=1.0)
@given(spec=mutated_spec(), flags=SUMMARY_FLAGS)
def test_summary_of_a_mutated_example(tmp_path_factory, spec, flags):
    path, data = spec
    target = write(tmp_path_factory.mktemp("spec"), path.name, data)
    invoke(["summary", str(target), *_ensure_json_flag(flags)], positioned=str(target), inputs={"spec": data})


CHECK_FLAGS = st.lists(st.sampled_from([
    ["-f", "json"], ["-f", "github"], ["-f", "sarif"], ["-f", "junit"], ["--fail-on", "info"], ["--strict"],
    ["--max-params", "1M"], ["--max-macs", "1G"], ["--expect-output", "1000"], ["--min-receptive-field", "5"],
    ["--max-layers", "10"], ["--max-activation-memory", "1GiB"], ["--max-params", "x"], ["--expect-output", "0x0"],
]), max_size=3).map(lambda groups: [flag for group in groups for flag in group])


@fuzz_settings(share=0.4)
@given(spec=mutated_spec(), flags=CHECK_FLAGS)
def test_check_of_a_mutated_example(tmp_path_factory, spec, flags):
    path, data = spec
    target = write(tmp_path_factory.mktemp("check"), path.name, data)
    invoke(["check", str(target), *flags], inputs={"spec": data}, report=True)


@fuzz_settings(share=0.2)
@given(spec=mutated_spec(), layer=st.one_of(words, st.sampled_from(["conv1", "c1", "conv2", "s2", "pool1", "fc1"])),
       at=st.one_of(st.none(), cli_values), diff=st.booleans())
def test_explain_and_diff_of_a_mutated_example(tmp_path_factory, spec, layer, at, diff):
    path, data = spec
    target = write(tmp_path_factory.mktemp("explain"), path.name, data)
    if diff:
        invoke(["diff", str(path), str(target), "-f", "json"], inputs={"spec": data})
    else:
        invoke(["explain", str(target), "--layer", layer, *(["--at", at] if at is not None else [])], inputs={"spec": data})


# ---------------------------------------------------------------- layer strings


def _kind_names() -> tuple[list[str], dict[str, list[str]]]:
    from convcalc.layers import registry

    names = registry.spellings()
    fields: dict[str, list[str]] = {}
    for name in names:
        entry = registry.lookup(name)
        kind = getattr(entry, "kind", entry)
        try:
            fields[name] = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
        except TypeError:
            fields[name] = []
    return names, fields


KIND_NAMES, KIND_FIELDS = _kind_names()
ARG_NAMES = sorted({name for names in KIND_FIELDS.values() for name in names}) + ["p", "s", "d", "k", "g", "x", ""]


@st.composite
def layer_string(draw: st.DrawFn) -> str:
    kind = draw(st.one_of(st.sampled_from(KIND_NAMES), st.sampled_from(KIND_NAMES), words, any_text))
    if draw(st.integers(0, 5)) == 0:
        return kind
    args = []
    for _ in range(draw(st.integers(0, 5))):
        value = draw(st.one_of(small_ints, small_ints, cli_values, st.sampled_from(["3x3", "1x7", "[1,2]", "[3,[1]]"])))
        if draw(st.booleans()):
            own = KIND_FIELDS.get(kind) or ARG_NAMES
            args.append(f"{draw(st.sampled_from(own if draw(st.integers(0, 3)) else ARG_NAMES))}={value}")
        else:
            args.append(value)
    return f"{kind}:{','.join(args)}"


input_shapes = st.one_of(
    st.lists(st.integers(1, 64), min_size=1, max_size=4).map(lambda xs: "x".join(map(str, xs))),
    st.lists(st.sampled_from(["3", "32", "0", "-1", "1", "224", "9" * 19, "1e9", "", "x", "1.5"]), min_size=1,
             max_size=5).map("x".join),
    cli_values,
)


@fuzz_settings(share=1.0)
@given(shape=input_shapes, layers=st.lists(layer_string(), min_size=0, max_size=6), flags=SUMMARY_FLAGS)
def test_summary_of_random_layer_strings(shape, layers, flags):
    invoke(["summary", "-i", shape, *layers, *_ensure_json_flag(flags)])


# ---------------------------------------------------------------- teaching commands


def _options(draw: st.DrawFn, names: list[str], values: st.SearchStrategy[str]) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return [part for name in chosen for part in (name, draw(values))]


@st.composite
def explain_or_solve(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        subject = draw(st.one_of(st.sampled_from(["conv", "pool", "params", "rf"]), words))
        options = ["--input", "--kernel", "--stride", "--padding", "--dilation", "--channels", "--filters"]
        args = ["explain", subject, *_options(draw, options, cli_values)]
        if draw(st.integers(0, 3)) == 0:
            args += ["--layers", draw(st.one_of(small_ints, st.sampled_from(["100000000", "1000001", "x", *HUGE])))]
    else:
        options = ["--input", "--output", "--kernel", "--stride", "--padding", "--dilation"]
        unknowns = st.one_of(cli_values, st.just("?"), st.just("same"))
        args = ["solve", *_options(draw, options, unknowns)]
    if draw(st.integers(0, 4)) == 0:
        args += ["--lang", "zh"]
    return args


@fuzz_settings(share=0.6)
@given(args=explain_or_solve())
def test_explain_and_solve_with_random_arguments(args):
    invoke(args)


matrix_cell = st.one_of(small_ints, small_ints, numbers, st.sampled_from(["1.5", "-0.25", "2/3", "1/0", "x", "nan", "1e9"]))


@st.composite
def matrix(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(cli_values)
    channels = draw(st.integers(1, 3))
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    ragged = draw(st.integers(0, 8)) == 0
    grids = []
    for _ in range(channels):
        grid = []
        for _ in range(rows):
            width = draw(st.integers(1, 6)) if ragged else cols
            grid.append(" ".join(draw(matrix_cell) for _ in range(width)))
        grids.append("; ".join(grid))
    return " | ".join(grids)


int_flags = st.one_of(small_ints, small_ints, st.sampled_from(["10000", "50000", "100000", "1000000", "-5", "x", *HUGE]))


@st.composite
def conv_or_pool(draw: st.DrawFn) -> list[str]:
    args = [draw(st.sampled_from(["conv", "pool"])), "--input", draw(matrix()), "--kernel"]
    if args[0] == "conv":
        args += [draw(matrix()), *_options(draw, ["--stride", "--padding", "--dilation"], int_flags)]
        if draw(st.booleans()):
            args += ["--bias", draw(matrix_cell)]
        args += draw(st.sampled_from([[], ["--steps"], ["--flip"], ["--steps", "--flip"]]))
    else:
        args += [draw(int_flags), *_options(draw, ["--stride", "--padding"], int_flags)]
        args += draw(st.sampled_from([[], ["--steps"], ["--mode", "avg"], ["--mode", "avg", "--steps"]]))
    return args


@fuzz_settings(share=0.6)
@given(args=conv_or_pool())
def test_conv_and_pool_with_random_matrices(args):
    invoke(args)


ANSWER = st.one_of(
    yaml_scalars, st.lists(st.lists(small_ints, min_size=1, max_size=3), min_size=1, max_size=3).map(str),
)


@st.composite
def answer_file(draw: st.DrawFn, ids: list[str]) -> bytes:
    keys = draw(st.lists(st.one_of(st.sampled_from(ids), words), max_size=len(ids) + 2))
    lines = [f"{key}: {draw(ANSWER)}" for key in keys]
    if draw(st.integers(0, 5)) == 0:
        return draw(mutated_text(TEXTS[STUDENT]))
    return ("\n".join(lines) + "\n").encode("utf-8")


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        text = draw(text_mutation(text))
    return text.encode("utf-8")


QUIZ_IDS = [f"q{i}" for i in range(1, 9)]
SPEC_IDS = [line.split(":")[0] for line in TEXTS[SPEC_ANSWERS].splitlines() if line and not line.startswith("#")]


@fuzz_settings(share=0.6)
@given(data=st.data())
def test_grade_with_random_keys_and_answers(tmp_path_factory, data):
    draw = data.draw
    folder = tmp_path_factory.mktemp("grade")
    which = draw(st.sampled_from(["quiz", "quiz", "key", "spec"]))
    if which == "spec":
        key = EXAMPLES / "lenet5.yaml"
        answers = draw(answer_file(SPEC_IDS))
    else:
        key = KEY if which == "quiz" else write(folder, "key.yaml", draw(mutated_text(TEXTS[KEY])))
        answers = draw(answer_file(QUIZ_IDS))
    target = write(folder, "answers.yaml", answers)
    fmt = draw(st.sampled_from(["text", "json", "gradescope"]))
    inputs = {"answers": answers, **({"key": key.read_bytes()} if which == "key" else {})}
    invoke(["grade", str(key), str(target), "-f", fmt, *draw(st.sampled_from([[], ["--lang", "zh"]]))], inputs=inputs)


@fuzz_settings(share=0.1)
@given(count=st.one_of(small_ints, st.sampled_from(["200", "201", "x", *HUGE])),
       seed=st.one_of(st.integers().map(str), st.sampled_from(["x", "", *HUGE])),
       level=st.sampled_from(["easy", "medium", "hard", "impossible"]),
       out=st.sampled_from(["new", "new/deeper", "file", ""]))
def test_quiz_with_random_arguments(tmp_path_factory, count, seed, level, out):
    folder = tmp_path_factory.mktemp("quiz")
    (folder / "file").write_text("not a folder\n")
    invoke(["quiz", "--count", count, "--seed", seed, "--level", level, "--out", str(folder / out) if out else ""])


# ---------------------------------------------------------------- memory: one fresh process per input


def _memory_sample() -> int:
    """How many inputs run each in a fresh process, its peak memory measured: CONVCALC_FUZZ_MEMORY=N,
    else 500 under the fuzz profile; none in CI (tests/test_untrusted_input.py runs the reproducers)."""
    text = os.environ.get("CONVCALC_FUZZ_MEMORY", "").strip()
    if text.isdigit():
        return int(text)
    return 500 if settings.get_current_profile_name() == "fuzz" else 0


MEMORY_SAMPLE = _memory_sample()
in_fresh_processes = pytest.mark.skipif(
    MEMORY_SAMPLE == 0, reason="inputs in fresh processes: --hypothesis-profile=fuzz or CONVCALC_FUZZ_MEMORY=N"
)


def measure(args: list[str], *, positioned: str | None = None, report: bool = False,
            inputs: dict[str, bytes] | None = None) -> None:
    """`invoke`'s rules for one input run as `python -m convcalc` in a fresh process, and more: a peak
    below 500 MB (measured by the kernel for the child) and under 5 s of CPU, start-up included."""
    from measured import MEMORY_LIMIT_MB, run_measured

    done = run_measured(args, timeout=WATCHDOG_S)
    CHILDREN["count"] += 1
    if done.peak_mb > CHILDREN["peak_mb"]:
        CHILDREN["peak_mb"], CHILDREN["largest"] = done.peak_mb, args
    if done.seconds > CHILDREN["slowest_s"]:
        CHILDREN["slowest_s"], CHILDREN["cpu_s"], CHILDREN["slowest"] = done.seconds, done.cpu_seconds, args
    outcome = SimpleNamespace(exception=None)
    problem = "hang" if done.code == -signal.SIGKILL else judge(outcome, done.code, done.stdout, done.stderr, positioned, report)
    if problem is None and done.peak_mb >= MEMORY_LIMIT_MB:
        problem = f"peak memory {done.peak_mb:.0f} MB"
    if problem is None and done.cpu_seconds > DEADLINE_MS / 1000:
        problem = f"took {done.cpu_seconds:.1f} s of CPU"
    if problem is not None:
        failed(problem, args, done.code, done.stdout, done.stderr, None, inputs)


@in_fresh_processes
@settings(settings.default, max_examples=max(1, MEMORY_SAMPLE), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_inputs_in_fresh_processes(tmp_path_factory, data):
    """A sample of every test's inputs above, each in its own process."""
    draw = data.draw
    folder = tmp_path_factory.mktemp("fresh")
    kind = draw(st.sampled_from(["summary", "check", "layers", "explain-solve", "conv-pool", "grade"]))
    if kind in ("summary", "check"):
        path, spec = draw(mutated_spec())
        target = str(write(folder, path.name, spec))
        if kind == "summary":
            measure(["summary", target, *_ensure_json_flag(draw(SUMMARY_FLAGS))], positioned=target, inputs={"spec": spec})
        else:
            measure(["check", target, *draw(CHECK_FLAGS)], report=True, inputs={"spec": spec})
    elif kind == "layers":
        layers = draw(st.lists(layer_string(), max_size=6))
        measure(["summary", "-i", draw(input_shapes), *layers, *_ensure_json_flag(draw(SUMMARY_FLAGS))])
    elif kind == "explain-solve":
        measure(draw(explain_or_solve()))
    elif kind == "conv-pool":
        measure(draw(conv_or_pool()))
    else:
        answers = draw(answer_file(QUIZ_IDS))
        measure(["grade", str(KEY), str(write(folder, "answers.yaml", answers)), "-f", "json"], inputs={"answers": answers})


@in_fresh_processes
def test_the_issue_reproducers_in_fresh_processes(tmp_path):
    """Issue 18's adversarial inputs (tests/measured.py), held to the same rules; with the sample
    above in the log's peak."""
    from measured import REPRODUCERS, reproducer_files, resolved

    files = reproducer_files(tmp_path)
    for args, _ in REPRODUCERS.values():
        measure([resolved(arg, files) for arg in args])


# ---------------------------------------------------------------- the harness itself


@pytest.mark.parametrize(
    ("outcome", "allowed"),
    [
        ((0, "ok\n", ""), True),
        ((0, "", ""), False),
        ((2, "", "t.yaml:3:4: error: bad\n"), True),
        ((2, "", "error: bad\n"), True),
        ((2, "", "Traceback (most recent call last):\n"), False),
        ((70, "", "internal error: KeyError: 'x'\n"), False),
    ],
)
def test_the_outcome_rules(monkeypatch, outcome, allowed):
    """The checker accepts exactly the allowed outcomes (it would be worthless if it accepted all)."""

    class Fake:
        def __init__(self) -> None:
            self.exit_code, self.stdout, self.stderr = outcome
            self.exception = None

    monkeypatch.delenv("CONVCALC_FUZZ_COLLECT", raising=False)
    monkeypatch.setattr(CliRunner, "invoke", lambda *args, **kwargs: Fake())
    check: Callable[[], object] = lambda: invoke(["summary", "x"])
    if allowed:
        check()
    else:
        with pytest.raises(AssertionError):
            check()
