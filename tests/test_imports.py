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
