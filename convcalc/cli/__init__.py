"""The command line: `main` (the `convcalc` entry point) and `app`, the typer app.

`app.py` holds the shared options, the one error boundary and the commands; each command module
registers its commands when imported. Command modules import from `cli.app` only, never from each
other or from this package, so every module imports alone with no cycle.

`main` imports the modules whose commands are declared without typer (`summary`) and runs a plain
command line of theirs itself (`app.run_plain`). Anything else, and `app` when it is first asked
for, imports every command module and typer.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

from convcalc.cli import app as _commands  # no typer: the shared options, the boundary, the registry
from convcalc.quick_exit import exits_quickly

# Importing `cli.app` set this package's attribute `app` to that module; `app`, asked of this
# package, is the typer app, which `__getattr__` builds on first use.
globals().pop("app")

_COMMAND_MODULES = ("summary", "teach", "verify", "check", "pictures", "interop")  # import order is --help's order
_PLAIN_MODULES = ("summary",)  # their commands are declared with cli.app's Option and Argument: no typer

__all__ = ["app", "main", "run"]


def __getattr__(name: str) -> Any:
    """`app`: every command module imported (registering its commands), then the typer app built."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in _COMMAND_MODULES:
        __import__(f"{__name__}.{module}")  # an import statement's path: `python -X importtime` lists it
    built = globals()["app"] = _commands.typer_app()
    return built


def main() -> None:
    """Run the command line in `sys.argv`: one command, then return (or raise SystemExit).

    One command runs and the process ends, so CPython's cycle collector is left off while it
    runs: the imports, the spec and the report are long-lived and make no garbage cycles, and
    reference counting still frees everything else (bench/run.py measures the difference).
    Before the collector is back on, what the command made moves to the oldest generation, so
    that its next run does not walk a report kept for the quick exit (`run`) as young objects.
    """
    gc.disable()
    try:
        for module in _PLAIN_MODULES:
            __import__(f"{__name__}.{module}")
        if not _commands.run_plain(sys.argv[1:]):
            __getattr__("app")(prog_name="convcalc")
    finally:
        if gc.get_freeze_count() == 0:  # as engine.collector does; a caller's frozen objects stay so
            gc.freeze()  # everything to the permanent generation, then to the oldest one: a walk of
            gc.unfreeze()  # a kept 100k-layer report as young objects costs 0.3-0.6 s
        gc.enable()


def run() -> None:
    """The `convcalc` program: pyproject's console script (`convcalc.cli:run`) and `python -m
    convcalc`. It is `main` as the whole process, so once the command has finished the process
    ends without the interpreter's teardown (`quick_exit.exits_quickly`): output flushed, every
    atexit hook run, the exit status as before, and the command's large objects
    (`keep_until_exit`) never freed one by one (0.1-0.2 s for 100k layers).

    Only these two entry points exit quickly: a program that calls `main` itself may go on after
    it (and end with its own status), so `main` leaves the process to it. Where the process
    still shuts down in full (a traceback, Ctrl-C outside a command, an atexit hook registered
    before `run`, as coverage's) the speed of the last moments is not the point.
    """
    with exits_quickly():
        main()
