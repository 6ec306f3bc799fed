"""The command line: `app` (typer) and `main` (the `convcalc` entry point).

`app.py` holds the app, the shared options and the one error boundary; each command module
registers its commands on `app` when imported here. Command modules import from `cli.app` only,
never from each other or from this package, so every module imports alone with no cycle.
"""

from __future__ import annotations

from convcalc.cli import interop, summary, teach, verify  # import order is --help's order (interop: its own panel)
from convcalc.cli.app import app

__all__ = ["app", "main"]
_COMMANDS = (summary, teach, verify, interop)  # imported for their registrations on `app`


def main() -> None:
    """The `convcalc` entry point (pyproject's `convcalc.cli:main`)."""
    app(prog_name="convcalc")
