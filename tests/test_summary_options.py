"""summary's options for scripts: --quiet, --fail-on (shared with check), --strict, and errors as
JSON on stdout under --format json."""

from __future__ import annotations

import importlib
import json

import pytest
from conftest import EXAMPLES


@pytest.fixture(autouse=True)
def in_examples(monkeypatch):
    monkeypatch.chdir(EXAMPLES)


def test_quiet_leaves_stderr_empty_and_stdout_as_it_was(run):
    loud = run("summary", "lecture/7x7_stride3.yaml", "--format", "csv")
    quiet = run("summary", "lecture/7x7_stride3.yaml", "--format", "csv", "--quiet")
    assert loud[2].startswith("lecture/7x7_stride3.yaml:5:39: warning: ")
    assert quiet == (0, loud[1], "")


@pytest.mark.parametrize(
    ("spec", "level", "code"),
    [
        ("lecture/7x7_stride3.yaml", "error", 0),  # the default: a warning does not fail
        ("lecture/7x7_stride3.yaml", "warning", 1),
        ("resnet50.yaml", "warning", 0),  # infos only: only padding is skipped
        ("resnet50.yaml", "info", 1),
        ("vgg16.yaml", "info", 0),
    ],
)
def test_fail_on(run, spec, level, code):
    exit_code, out, _ = run("summary", spec, "--format", "json", "--fail-on", level)
    assert exit_code == code
    assert json.loads(out)["layers"]  # the report is printed whatever the verdict


def test_strict_fails_on_unread_input_not_on_skipped_padding(run):
    """ResNet-50's stride-2 layers only skip padding (infos): --strict accepts them."""
    assert run("summary", "resnet50.yaml", "--strict", "--format", "json")[0] == 0
    code, out, err = run("summary", "lecture/7x7_stride3.yaml", "--strict")
    assert (code, out) == (2, "")
    assert err.startswith("lecture/7x7_stride3.yaml:5:39: error: conv1 (conv2d): (7 − 3)/3 + 1 = 2.33 is not whole")


def test_check_strict_also_spares_infos(run):
    assert run("check", "resnet50.yaml", "--strict")[0] == 0
    assert run("check", "lecture/7x7_stride3.yaml", "--strict")[0] == 1


def test_fail_on_is_one_option_shared_by_check_and_summary():
    app_module, check, summary = (importlib.import_module(f"convcalc.cli.{name}") for name in ("app", "check", "summary"))
    assert check.FailOn is summary.FailOn is app_module.FailOn
    assert [level.value for level in app_module.FailOn] == ["error", "warning", "info"]


def test_json_errors_on_stdout(run):
    code, out, err = run("summary", "-i", "3x7x7", "conv:1,9", "--format", "json")
    assert code == 2
    error = json.loads(out)["error"]
    assert list(error) == ["message", "location", "hint", "exit_code", "text"]
    assert error["location"] == {"file": "<layers>", "line": 1, "column": 8}
    assert (error["exit_code"], error["text"]) == (2, err.rstrip("\n"))  # the very text on stderr
    assert err.startswith(f"<layers>:1:8: error: {error['message']}\n")
    assert err.endswith(f"  hint: {error['hint']}\n")


def test_json_error_without_a_place(run):
    code, out, err = run("summary", "missing.yaml", "--format", "json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["location"] is None
    assert error["message"] == "cannot read spec file 'missing.yaml': No such file or directory"
    assert err == "error: cannot read spec file 'missing.yaml': No such file or directory\n  hint: check the path\n"


def test_other_formats_keep_stdout_empty_on_error(run):
    assert run("summary", "missing.yaml", "--format", "csv")[:2] == (2, "")
