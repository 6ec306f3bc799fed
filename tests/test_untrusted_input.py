"""Specs and answer files from other people: tags, recursive aliases, alias bombs and invalid
UTF-8 are refused with a position, before any value is built (issue 18's reproducers)."""

from __future__ import annotations

import time

import pytest

from convcalc.errors import SpecError
from convcalc.spec import load_spec, parse_spec
from convcalc.spec.read import read_yaml_mapping

BASE = "input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3}\n"


def refused(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    return caught.value.render()


@pytest.mark.parametrize(
    ("text", "head"),
    [
        ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: !custom 3}\n",
         "t.yaml:3:28: error: YAML tag '!custom' is not allowed"),
        ("name: !!python/name:os.system\ninput: [3, 8, 8]\nlayers: [relu]\n",
         "t.yaml:1:7: error: YAML tag '!!python/name:os.system' is not allowed"),
        ("input: !!python/object/apply:os.system [echo hi]\nlayers: [relu]\n",
         "t.yaml:1:8: error: YAML tag '!!python/object/apply:os.system' is not allowed"),
        ("input: !foo [3, 8, 8]\nlayers: [relu]\n", "t.yaml:1:8: error: YAML tag '!foo' is not allowed"),
        ("name: !!binary aGVsbG8=\ninput: [3, 8, 8]\nlayers: [relu]\n",
         "t.yaml:1:7: error: YAML tag '!!binary' is not allowed"),
        ("input: [3, 8, 8]\nlayers: !!map {a: 1}\n", None),  # a standard tag written out is fine (then the reader speaks)
    ],
)
def test_tags_are_refused_on_scalars_lists_and_mappings(text, head):
    message = refused(text)
    if head is None:
        assert "tag" not in message
    else:
        assert message.startswith(head), message


def test_python_tags_never_construct_anything(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    text = f"input: !!python/object/apply:os.system ['touch {marker}']\nlayers: [relu]\n"
    refused(text)
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"q1: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(SpecError):
        read_yaml_mapping(str(answers), "answers")
    assert not marker.exists()


def test_a_recursive_alias_is_refused():
    message = refused("input: &a [3, 8, *a]\nlayers: [relu]\n")
    assert message.startswith("t.yaml:1:8: error: this alias refers to a list or mapping that contains it"), message


def test_an_alias_bomb_is_refused_before_it_expands():
    lines = ["a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\ninput: [3, 8, 8]\nlayers: *a8\n"  # 10^9 layers
    start = time.perf_counter()
    message = refused(text)
    assert time.perf_counter() - start < 2
    assert "expands to more than 10,000,000 nodes" in message and "CONVCALC_MAX_YAML_NODES" in message


def test_invalid_utf8_is_reported_at_line_and_column(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(BASE.encode() + b"  - relu: {name: caf\xe9}\n")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert caught.value.render().startswith(f"{spec}:4:21: error: spec file is not valid UTF-8 (byte 0xe9)")


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("-" * 100_000 + "1", "a parameter expression is limited to 1000 characters (this one has 100,001)"),
        ("(" * 30 + "-" * 25 + "$a" + ")" * 30,
         "the expression nests more than 50 signs or parentheses deep"),
        ("$a + " + "9" * 5000, "a parameter expression is limited to 1000 characters"),
        ("$a + 99999999999999999999", "99999999999999999999… is out of range (more than 1e+15)"),
    ],
)
def test_parameter_expressions_are_bounded(expression, problem):
    """Reproducers: RecursionError from 100,000 signs or deep parentheses, ValueError past 4,300 digits."""
    from convcalc.spec.params import substitute

    with pytest.raises(SpecError) as caught:
        substitute(expression, {"a": 3}, None)
    assert caught.value.message.startswith(problem), caught.value.message


NESTED_REPEATS = "input: [3, 8, 8]\nlayers:\n" + "".join(
    "  " * i + "  - repeat: 100\n" + "  " * i + "    layers:\n" for i in range(5)
) + "  " * 5 + "  - relu\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("input: [3, 8, 8]\nlayers:\n  - repeat: 1000000000\n    layers: [relu]\n",
         ("t.yaml:3:13: error: 'repeat: 1000000000' needs 1,000,000,000 expanded layers, more than the limit of 1,000,000\n"
         "      - repeat: 1000000000\n                ^^^^^^^^^^\n"
         "  hint: if this is intended, raise the limit: CONVCALC_MAX_LAYERS=1000000000")),
        ("input: [3, 8, 8]\nlayers:\n  - repeat: 1" + "0" * 100 + "\n    layers: [relu]\n",
         "t.yaml:3:13: error: the number 10000000000000000000… has 101 digits, more than the limit of 18"),
        (NESTED_REPEATS, "t.yaml:5:15: error: 'repeat: 100' needs 100,000,000 expanded layers, more than the limit"),
        ("input: [3, 8, 8]\nlayers:\n  - " + "residual: [" * 490 + "relu" + "]" * 490 + "\n",
         ("t.yaml:3:1105: error: this spec needs 101 levels of nesting (constructs, blocks, repeats), more than the "
         "limit of 100")),
        ("input: [3, 8, 8]\ndefine:\n" + "".join(f"  b{i}:\n    layers: [b{i + 1}]\n" for i in range(2000))
         + "  b2000:\n    layers: [relu]\nlayers: [b0]\n",
         "t.yaml:202:14: error: this spec needs 101 levels of nesting"),
        ("input: [3, 8, 8]\nlayers:\n  - conv: {out: " + "9" * 5000 + ", kernel: 3}\n",
         "t.yaml:3:17: error: the number 99999999999999999999… has 5,000 digits, more than the limit of 18"),
    ],
    ids=["repeat-1e9", "repeat-1e100", "nested-repeats", "residuals-490-deep", "define-chain-2000", "5000-digits"],
)
def test_expansion_is_limited_before_it_happens(text, message):
    start = time.perf_counter()
    assert refused(text).startswith(message)
    assert time.perf_counter() - start < 2


def test_a_limit_can_be_raised(monkeypatch):
    text = "input: [3, 8, 8]\nlayers:\n  - repeat: 2000\n    layers: [relu]\n"
    monkeypatch.setenv("CONVCALC_MAX_LAYERS", "1000")
    assert "more than the limit of 1,000" in refused(text)
    monkeypatch.setenv("CONVCALC_MAX_LAYERS", "2000")
    assert len(parse_spec(text, "t.yaml").layers) == 2000


@pytest.mark.parametrize(
    ("args", "head"),
    [
        (["-i", "3x8x8", "conv:9999999999999999999999999,3"],
         "<layers>:1:6: error: the number 99999999999999999999… has 25 digits, more than the limit of 18"),
        (["-i", "3x8x8", "upsample:scale_factor=1e999"],
         "<layers>:1:23: error: upsample: 'scale_factor' must be a positive number or one per axis (got inf)"),
        (["-i", "3x8x8", "upsample:scale_factor=nan"],
         "<layers>:1:23: error: upsample: 'scale_factor' must be a positive number or one per axis (got 'nan')"),
        (["-i", "3x" + "9" * 5000 + "x8", "relu"],
         "error: the number 99999999999999999999… has 5,000 digits, more than the limit of 18"),
    ],
    ids=["long-int", "inf", "nan", "5000-digit-shape"],
)
def test_numbers_on_the_command_line_are_parsed_safely(run, args, head):
    code, out, err = run("summary", *args)
    assert (code, out) == (2, "")
    assert err.startswith(head), err


def test_non_finite_numbers_in_a_spec_are_refused():
    message = refused("input: [3, 8, 8]\nlayers:\n  - upsample: {scale_factor: .inf}\n")
    assert message.startswith("t.yaml:3:30: error: upsample: 'scale_factor' must be a positive number or one per axis (got inf)")


def analysed_refusal(text: str) -> str:
    from convcalc.engine import analyze

    with pytest.raises(SpecError) as caught:
        analyze(parse_spec(text, "t.yaml"))
    return caught.value.render()


def test_sizes_are_bounded_so_totals_stay_exact():
    """Reproducer: `input: [3, 10**100, 10**100]` reported 6.4e201 parameters; sizes past the
    tensor limit are refused before the work, with the limit and how to raise it."""
    message = analysed_refusal("input: [3, 100000, 100000]\nbatch: 1000\nlayers: [relu]\n")
    assert message.startswith(
        "t.yaml:1:1: error: the input 1000x3x100000x100000 needs 30,000,000,000,000 elements in one tensor "
        "(batch included), more than the limit of 1,000,000,000,000"
    )
    assert "CONVCALC_MAX_ELEMENTS=30000000000000" in message
    grown = analysed_refusal("input: [3, 1000, 1000]\nlayers:\n  - conv: {out: 10000000, kernel: 1}\n")
    assert grown.startswith("t.yaml:3:5: error: conv1 (conv2d): its output 1x10000000x1000x1000 needs")


def test_totals_past_two_to_the_63_are_refused():
    """10^12 input features into 10^7 outputs: every tensor within limits, 10^19 weights, 1.6e20 bytes to train, past 2^63."""
    message = analysed_refusal("input: [1000000000000]\nlayers:\n  - linear: 10000000\n")
    assert message.startswith("t.yaml:1:1: error: this network's totals reach 1.60e+20, past 2^63"), message


@pytest.fixture(scope="module")
def reproducer_folder(tmp_path_factory):
    from measured import reproducer_files

    return reproducer_files(tmp_path_factory.mktemp("reproducers"))


def test_the_issue_reproducers_in_a_fresh_process(reproducer_folder):
    """Issue 18's adversarial inputs, each as `python -m convcalc` in its own process: exit 2 with
    a clear message (at the spec's position where there is one), within the CPU budget (start-up
    included) and far below 500 MB at the peak, measured by the kernel for the child."""
    from measured import MEMORY_LIMIT_MB, REPRODUCERS, resolved, run_measured

    failures = []
    for name, (args, head) in REPRODUCERS.items():
        done = run_measured([resolved(arg, reproducer_folder) for arg in args], timeout=30)
        expected = resolved(head, reproducer_folder)
        if (done.code, done.stdout) != (2, "") or not done.stderr.startswith(expected) or "Traceback" in done.stderr:
            failures.append(f"{name}: exit {done.code}, stdout {done.stdout[:200]!r}, stderr {done.stderr[:400]!r}")
        elif done.peak_mb >= MEMORY_LIMIT_MB or done.cpu_seconds >= 2:
            failures.append(f"{name}: {done.cpu_seconds:.2f} s of CPU, peak {done.peak_mb:.0f} MB")
    assert not failures, "\n".join(failures)
