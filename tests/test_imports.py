"""Import hygiene, checked in fresh interpreters: the engine stays free of third-party code and
every module imports on its own."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import convcalc

MODULES = sorted(m.name for m in pkgutil.walk_packages(convcalc.__path__, "convcalc.") if m.name != "convcalc.__main__")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


@pytest.mark.parametrize("target", ["convcalc", "convcalc.engine", "convcalc.layers"])
def test_core_imports_nothing_third_party(target):
    loaded = loaded_after(f"import {target}")
    assert not loaded & {"yaml", "rich", "typer", "click", "torch", "numpy"}


def test_the_cli_does_not_import_torch_or_numpy():
    loaded = loaded_after("import convcalc.cli")
    assert not loaded & {"torch", "numpy"}


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_alone(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)


def test_json_summary_loads_neither_rich_nor_torch():
    """`--format json` never needs Rich (the table alone does): a CLI run, in a fresh interpreter."""
    code = (
        "import contextlib, io, sys\n"
        "from convcalc.cli import main\n"
        "sys.argv = ['convcalc', 'summary', 'examples/resnet50.yaml', '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main()\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=root).stdout
    assert not set(out.split()) & {"rich", "torch", "numpy"}


def test_a_json_summary_of_resnet50_imports_only_what_it_uses():
    """Issue 12's cold-start budget: `summary --format json` as a process runs it (stdout a pipe),
    with none of typer, pathlib (urllib.parse, ipaddress) or fractions (decimal, numbers) loaded
    by convcalc: ResNet-50 makes no Fraction. What the interpreter loaded before (an editable
    install's finder imports pathlib) does not count."""
    code = (
        "import atexit, sys\n"
        "before = set(sys.modules)\n"
        "atexit.register(lambda: sys.stderr.write('\\nloaded: ' + ' '.join(sorted(set(sys.modules) - before))))\n"
        "from convcalc.cli import main\n"
        "sys.argv = ['convcalc', 'summary', 'examples/resnet50.yaml', '--format', 'json']\n"
        "sys.exit(main())\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=root)
    loaded = set(done.stderr.rpartition("\nloaded: ")[2].split())
    assert "convcalc.engine" in loaded
    assert not loaded & {"typer", "click", "rich", "pathlib", "fractions", "decimal", "numbers", "torch", "numpy"}
