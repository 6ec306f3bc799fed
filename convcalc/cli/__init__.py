"""The command line: `main` (the `convcalc` entry point) and `app`, the typer app.

`app.py` holds the shared options, the one error boundary and the commands; each command module
registers its commands when imported. Command modules import from `cli.app` only, never from each
other or from this package, so every module imports alone with no cycle.

`main` imports the modules whose commands are declared without typer (`summary`) and runs a plain
command line of theirs itself (`app.run_plain`). Anything else, and `app` when it is first asked
for, imports every command module and typer.
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Any

from convcalc.cli import app as _commands  # no typer: the shared options, the boundary, the registry

# Importing `cli.app` set this package's attribute `app` to that module; `app`, asked of this
# package, is the typer app, which `__getattr__` builds on first use.
globals().pop("app")

_COMMAND_MODULES = ("summary", "teach", "verify", "check", "pictures", "interop")  # import order is --help's order
_PLAIN_MODULES = ("summary",)  # their commands are declared with cli.app's Option and Argument: no typer

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    """`app`: every command module imported (registering its commands), then the typer app built."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in _COMMAND_MODULES:
        __import__(f"{__name__}.{module}")  # an import statement's path: `python -X importtime` lists it
    built = globals()["app"] = _commands.typer_app()
    return built


def main() -> None:
    """The `convcalc` entry point (pyproject's `convcalc.cli:main`).

    One command runs and the process ends, so CPython's cycle collector is left off while it
    runs: the imports, the spec and the report are long-lived and make no garbage cycles, and
    reference counting still frees everything else (bench/run.py measures the difference).
    For the same reason what the process holds is frozen when it exits (`gc.freeze`, an atexit
    hook): the interpreter's shutdown still runs in full (atexit hooks, flushing, every module
    torn down and its objects freed), but its closing collections no longer walk every object
    the command made only to find the cycles among memory the process is handing back.
    """
    atexit.register(gc.freeze)
    gc.disable()
    try:
        for module in _PLAIN_MODULES:
            __import__(f"{__name__}.{module}")
        if not _commands.run_plain(sys.argv[1:]):
            __getattr__("app")(prog_name="convcalc")
    finally:
        gc.enable()
