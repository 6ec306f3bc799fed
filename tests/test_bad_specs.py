"""The corpus of broken inputs (tests/bad_specs/): each one's exact message and exit code.

- `NAME.yaml` is run as `convcalc summary tests/bad_specs/NAME.yaml -f json`, unless its first line
  is `# args: ...` (`{spec}` stands for the file), e.g. `# args: check {spec}` or
  `# args: grade examples/homework/key.yaml {spec}` for an answer file;
- `q1_answer.txt` is the answer file the one-question keys (`grade_key_*.yaml`) are graded with;
- `commands.yaml` maps NAME to a command line (teaching commands, layer strings);
- `NAME.expected` (`cmd_NAME.expected` for a command line) holds the exit code on its first line,
  then stderr exactly (for `check`, which reports on stdout, and for exit 0: then `--- stdout` and stdout).

Every input must end in a convcalc message (exit 1 or 2, never 70), in under 5 s; a few are
handled rather than refused (an absurd student answer is graded wrong, exit 0), and their
expected files pin stdout too. After a
deliberate change of wording, `pytest tests/test_bad_specs.py --update-goldens` rewrites the
expected files; review the diff. The corpus grows with every defect the fuzz suite
(tests/test_fuzz.py) finds: add the reproducer here with its message.
"""

from __future__ import annotations

import shlex
import signal
import time
from pathlib import Path

import pytest
import yaml
from goldens import check_golden, stale_goldens
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "bad_specs"
SPECS = sorted(CORPUS.glob("*.yaml"))
SPECS.remove(CORPUS / "commands.yaml")
COMMANDS: dict[str, list[str]] = yaml.safe_load((CORPUS / "commands.yaml").read_text(encoding="utf-8"))
MIN_SIZE = 80


def spec_args(path: Path) -> list[str]:
    shown = path.relative_to(ROOT).as_posix()
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if first.startswith("# args: "):
        return [shown if word == "{spec}" else word for word in shlex.split(first.removeprefix("# args: "))]
    return ["summary", shown, "-f", "json"]


def outcome(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    from convcalc.cli import app

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CONVCALC_DEBUG", raising=False)
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"convcalc {shlex.join(args)} hangs")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(20)
    try:
        start = time.perf_counter()
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        seconds = time.perf_counter() - start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert seconds < 5, f"convcalc {shlex.join(args)} took {seconds:.1f} s"
    assert result.exit_code in (0, 1, 2), f"convcalc {shlex.join(args)}: exit {result.exit_code}\n{result.stderr}"
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    text = f"{result.exit_code}\n{result.stderr}"
    if args[0] == "check" or result.exit_code == 0:  # check reports on stdout; exit 0: what was made of it
        text += f"--- stdout\n{result.stdout}"
    return text


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.stem)
def test_a_broken_file(path, monkeypatch, update_goldens):
    text = outcome(spec_args(path), monkeypatch)
    check_golden(path.with_suffix(".expected"), text, update_goldens)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_broken_command_line(name, monkeypatch, update_goldens):
    text = outcome(COMMANDS[name], monkeypatch)
    check_golden(CORPUS / f"cmd_{name}.expected", text, update_goldens)


def test_the_corpus_is_large_and_has_no_stale_files():
    expected = [path.with_suffix(".expected") for path in SPECS]
    expected += [CORPUS / f"cmd_{name}.expected" for name in COMMANDS]
    assert len(expected) >= MIN_SIZE
    inputs = [*SPECS, CORPUS / "commands.yaml", CORPUS / "q1_answer.txt"]
    assert stale_goldens(CORPUS, [*expected, *inputs]) == []
    assert not set(COMMANDS) & {path.stem for path in SPECS}, "a name is both a file and a command line"
