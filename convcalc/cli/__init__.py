"""The command line: `app` (typer) and `main` (the `convcalc` entry point).

`app.py` holds the app, the shared options and the one error boundary; each command module
registers its commands on `app` when imported here. Command modules import from `cli.app` only,
never from each other or from this package, so every module imports alone with no cycle.
"""

from __future__ import annotations

import gc

from convcalc.cli import summary, teach, verify  # import order is --help's order

from convcalc.cli import check  # isort: skip  # check, schema, diff: after the main job, teaching and verify
from convcalc.cli import pictures  # isort: skip  # diagram, report
from convcalc.cli import interop  # isort: skip  # import, export: in their own help panel
from convcalc.cli.app import app

__all__ = ["app", "main"]
_COMMANDS = (summary, teach, verify, check, pictures, interop)  # imported for their registrations on `app`


def main() -> None:
    """The `convcalc` entry point (pyproject's `convcalc.cli:main`).

    One command runs and the process ends, so CPython's cycle collector is left off while it
    runs: the imports, the spec and the report are long-lived and make no garbage cycles, and
    reference counting still frees everything else (bench/run.py measures the difference).
    """
    gc.disable()
    try:
        app(prog_name="convcalc")
    finally:
        gc.enable()
