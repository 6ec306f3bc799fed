"""The typer app, the options every command shares, and the one error boundary.

Command modules (`summary`, `verify`, `teach`) register on `app` with `@command()`, which puts
each command behind `guarded`: a `ConvcalcError` raised anywhere below becomes its rendered
message on stderr and its exit code, and a command that returns an `ExitCode` exits with it.
This package is the only place that prints.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from enum import Enum
from typing import TYPE_CHECKING, Any, ParamSpec

import typer
from typer.core import TyperCommand

from convcalc.errors import ConvcalcError, ExitCode

if TYPE_CHECKING:
    from rich.console import RenderableType

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec.",
)


def _version(value: bool) -> None:
    if value:
        from convcalc import __version__

        typer.echo(f"convcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print convcalc's version and exit."
    ),
) -> None:
    """Shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec."""


class _Command(TyperCommand):
    """Usage lines as people write them: `convcalc check [OPTIONS] PATHS...`, not typer's
    `{paths}...` (its braces mark a required argument, a notation few readers know)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer's vendored click.Context
        return [re.sub(r"\{([^{}]*)\}", r"\1", piece) for piece in super().collect_usage_pieces(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """click's parser says "Option '-c' requires an argument." without its context, so the
        error came without the usage line and the --help hint every other usage error has."""
        from typer._click.exceptions import UsageError  # loaded with typer.core already

        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            error.ctx = error.ctx or ctx
            raise

P = ParamSpec("P")


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class Dtype(str, Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"


class Optimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    rmsprop = "rmsprop"
    adam = "adam"


class Lang(str, Enum):
    en = "en"
    zh = "zh"


class FailOn(str, Enum):
    """The least severe diagnostic that fails a run (`check`, `summary`): exit 1."""

    error = "error"
    warning = "warning"
    info = "info"


LANG = typer.Option(Lang.en, "--lang", help="Language of the explanation: en or zh (中文).")
BATCH = typer.Option(None, "--batch", "-b", min=1, help="Batch size (default: the spec's, or 1).")
FAIL_ON = typer.Option(
    FailOn.error, "--fail-on",
    help="Exit 1 when a diagnostic at this level or above is found: error (default), warning, or info (any).",
)
STRICT = typer.Option(
    False, "--strict",
    help="A non-whole (N + 2P − F)/S + 1 that leaves input rows or columns unread (a warning) is an error; "
    "one that only skips padding (info) is not. --fail-on warning fails on every warning.",
)


def internal_error_text(bug: Exception, argv: list[str]) -> str:
    """What a person sees when convcalc itself fails: that it is a bug, what to report, and how."""
    command = " ".join(["convcalc", *argv[1:]])
    return (
        f"internal error: {type(bug).__name__}: {bug}\n"
        f"  this is a bug in convcalc, please report it with the spec and the command: {command}\n"
        "  (CONVCALC_DEBUG=1 shows the traceback)"
    )


_JSON_ERRORS: ContextVar[bool] = ContextVar("json_errors", default=False)


def errors_as_json(on: bool = True) -> None:
    """A command run with `--format json` calls this first: from then on a `ConvcalcError` is also
    printed on stdout as `{"error": {...}}` (render.to_json.error_json), so a script that parses
    stdout gets a machine-readable error; stderr and the exit code are unchanged. A command that
    has already printed its JSON turns it off (`on=False`): stdout holds one JSON document."""
    _JSON_ERRORS.set(on)


def guarded(func: Callable[P, ExitCode | None]) -> Callable[P, None]:
    """The error boundary: run a command, map a `ConvcalcError` to stderr text and its exit code.

    A command returns None (exit 0) or an `ExitCode` (e.g. FAILED when the answer is "no").
    Anything else that escapes is a bug in convcalc: it is reported as one, with its own exit
    code, never as a bare traceback (CONVCALC_DEBUG=1 lets the traceback through).
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        token = _JSON_ERRORS.set(False)
        try:
            code = func(*args, **kwargs)
        except ConvcalcError as error:
            if _JSON_ERRORS.get():  # --format json: scripts read the error from stdout too
                from convcalc.render.to_json import error_json

                typer.echo(error_json(error), nl=False)
            typer.echo(error.render(), err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except (typer.Exit, typer.Abort):  # typer's own way out: not a bug
            raise
        except BrokenPipeError:  # `convcalc kinds | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
            raise typer.Exit(0) from None
        except Exception as bug:
            if os.environ.get("CONVCALC_DEBUG") == "1":
                raise
            typer.echo(internal_error_text(bug, sys.argv), err=True)
            raise typer.Exit(int(ExitCode.INTERNAL)) from None
        finally:
            _JSON_ERRORS.reset(token)
        if code:  # ExitCode.OK is 0
            raise typer.Exit(int(code))

    return run


def command(name: str | None = None) -> Callable[[Callable[P, ExitCode | None]], Callable[P, ExitCode | None]]:
    """Register a command on `app`, behind the error boundary; the function itself is returned as is."""

    def register(func: Callable[P, ExitCode | None]) -> Callable[P, ExitCode | None]:
        app.command(name, cls=_Command)(guarded(func))
        return func

    return register


def echo(text: str, *, newline: bool = True) -> None:
    """Data to stdout."""
    typer.echo(text, nl=newline)


def warn(lines: list[str]) -> None:
    """Diagnostics to stderr, one per line, so `--format json | jq` sees only data."""
    for line in lines:
        typer.echo(line, err=True)


def show(output: str | RenderableType) -> None:
    """A renderer's output to stdout: text as it is, a Rich renderable through a console.

    In a terminal the renderable fits the terminal's width. Piped (or under test), stdout has no
    width: the console is as wide as the renderable's full width and at least 120 columns, so
    piped output is stable and never shaped by a terminal that only stderr is attached to.
    """
    if isinstance(output, str):
        typer.echo(output, nl=False)
        return
    from rich.console import Console
    from rich.measure import Measurement

    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}  # no-color.org: no styles at all
    if sys.stdout.isatty():
        Console(**plain).print(output)  # type: ignore[arg-type]  # rich's color_system literal
        return
    console = Console(width=120, **plain)  # type: ignore[arg-type]
    full = Measurement.get(console, console.options.update_width(10**6), output).maximum
    console.width = max(120, full)
    console.print(output)
