"""The CLI package: every module imports alone, command modules depend on `cli.app` only, every
command sits behind the one error boundary, and diagnostics reach stderr in every format."""

from __future__ import annotations

import ast
import inspect
import pkgutil
import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT

import convcalc.cli
from convcalc.cli.app import Format, app, guarded
from convcalc.cli.verify import VerifyFormat
from convcalc.errors import ConvcalcError, ExitCode, SpecError, TorchMissing, UsageError
from convcalc.render.dispatch import REPORT_RENDERERS, VERIFY_RENDERERS

CLI_MODULES = ["convcalc.cli"] + sorted(m.name for m in pkgutil.iter_modules(convcalc.cli.__path__, "convcalc.cli."))
COMMAND_MODULES = [m for m in CLI_MODULES if m not in ("convcalc.cli", "convcalc.cli.app")]
LECTURE_WARNING = (
    "lecture/7x7_stride3.yaml:5:39: warning: conv1 (conv2d): (7 − 3)/3 + 1 = 2.33 is not whole along the height and "
    "width: PyTorch floors it to 2; the last input row and the last input column are never covered\n"
)


def test_the_package_has_its_modules():
    assert CLI_MODULES == [
        "convcalc.cli", "convcalc.cli.app", "convcalc.cli.check", "convcalc.cli.interop", "convcalc.cli.pictures",
        "convcalc.cli.summary", "convcalc.cli.teach",
        "convcalc.cli.verify",
    ]


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_cli_module_imports_first_in_a_fresh_interpreter(module):
    """Imported first, each module must load without tripping over a half-initialised one."""
    code = f"import {module}; from convcalc.cli import app, main; print(len(app.registered_commands))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert int(out) == len(app.registered_commands) == 15


def _cli_imports(module: str) -> set[str]:
    path = ROOT / (module.replace(".", "/") + ".py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("convcalc.cli"):
            found |= {node.module} if node.module != "convcalc.cli" else {f"convcalc.cli.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("convcalc.cli")}
    return found


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_command_modules_import_only_the_app(module):
    """No cycle by construction: commands depend on cli.app, never on each other or the package."""
    assert _cli_imports(module) <= {"convcalc.cli.app"}


def test_the_app_module_imports_no_command():
    assert _cli_imports("convcalc.cli.app") == set()


def test_every_command_is_behind_the_error_boundary():
    boundary = guarded(lambda: None).__code__  # every guarded command runs this same code
    grouped = [info for group in app.registered_groups for info in group.typer_instance.registered_commands]
    assert len(grouped) == 3  # import torch|onnx|keras
    for info in [*app.registered_commands, *grouped]:
        assert info.callback is not None
        assert info.callback.__code__ is boundary, info.callback.__name__


def test_command_annotations_are_evaluated_where_defined():
    """Typer evaluates a string annotation anew on every run it handles (cli.app's docstring):
    the commands' annotations are types already."""
    grouped = [info for group in app.registered_groups for info in group.typer_instance.registered_commands]
    for info in [*app.registered_commands, *grouped]:
        command = inspect.unwrap(info.callback)
        strings = [name for name, hint in command.__annotations__.items() if isinstance(hint, str)]
        assert not strings, f"{command.__module__}.{command.__name__}: {strings}"


def test_the_entry_point_resolves():
    assert 'convcalc = "convcalc.cli:run"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "convcalc", "kinds"], check=False, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("conv")


def test_format_choices_are_the_renderers():
    assert [f.value for f in Format] == list(REPORT_RENDERERS)
    assert [f.value for f in VerifyFormat] == list(VERIFY_RENDERERS)


@pytest.mark.parametrize(
    ("error", "code"),
    [(SpecError("x"), ExitCode.BAD_INPUT), (UsageError("x"), ExitCode.BAD_INPUT), (TorchMissing(), ExitCode.BAD_INPUT)],
)
def test_each_error_carries_its_exit_code(error, code):
    assert isinstance(error, ConvcalcError)
    assert error.exit_code is code


def test_errors_render_the_same_way():
    assert UsageError("give one spec file", hint="like this").render() == "error: give one spec file\n  hint: like this"
    assert TorchMissing().render() == "verify needs PyTorch: pip install 'convcalc[torch]'"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_diagnostics_go_to_stderr_with_their_place_in_every_format(fmt, run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, _, err = run("summary", "lecture/7x7_stride3.yaml", "--format", fmt)
    assert (code, err) == (0, LECTURE_WARNING)  # json, csv and markdown also carry it as data on stdout


def test_the_table_marks_the_row_but_keeps_the_message_off_stdout(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    _, out, err = run("summary", "lecture/7x7_stride3.yaml")
    assert "conv1 ⚠" in out
    assert "warning:" not in out and "never covered" not in out
    assert err == LECTURE_WARNING


def test_infos_reach_stderr_in_table_mode_too(run, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, _, err = run("summary", "alexnet.yaml")
    assert code == 0
    assert err.startswith("alexnet.yaml:6:54: info: conv1 (conv2d): (224 + 2·2 − 11)/4 + 1 = 55.25 is not whole")


def test_a_usage_error_exits_2_through_the_boundary(run):
    assert run("explain", "conv", "--input", "7") == (2, "", "error: this explanation needs kernel\n  hint: add --kernel N\n")


def test_solve_without_a_solution_exits_failed(run):
    code, out, _ = run("solve", "--input", "7", "--output", "3", "--kernel", "2", "--stride", "4", "--padding", "0")
    assert code == ExitCode.FAILED
    assert out


def test_an_unexpected_exception_is_a_bug_report_with_its_own_exit_code(run, monkeypatch):
    """Never a bare traceback, never exit 1 or 2 (which mean 'no' and 'bad input')."""
    from convcalc.errors import ExitCode
    from convcalc.spec import read

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(read, "read_networks", broken)
    code, out, err = run("summary", "-i", "3x8x8", "relu")
    assert (code, out) == (ExitCode.INTERNAL, "")
    assert err.startswith("internal error: ZeroDivisionError: division by zero\n  this is a bug in convcalc, please report it")
    assert "Traceback" not in err
