"""The options every command shares, the one error boundary, the commands, and the typer app.

Command modules register with `@command()`, which puts each command behind `guarded`: a
`ConvcalcError` raised anywhere below becomes its rendered message on stderr and its exit code,
and a command that returns an `ExitCode` exits with it. This package is the only place that prints.

Nothing here imports typer until it is needed. `Option` and `Argument` take typer's arguments and
keep them as data; `app`, the typer app, is built the first time it is asked for (the package
imports every command module first) and hands them to typer then. A command declared that way
(`summary`, `kinds`) runs without typer when its command line is plain (`run_plain`): typer's
import and its building of every command's parser cost more than the whole `summary --format
json` of ResNet-50 otherwise does. Any other command line goes to typer, which reads it, words its
errors and prints the help, so neither can differ between the two paths.

The command modules are written without `from __future__ import annotations`. Typer reads every
command's annotations on each run it handles (`typing.get_type_hints`, twice per command), and
a string annotation is compiled and evaluated anew every time: 3.6 of the 8.5 ms in which typer
builds the commands for `--help`. Evaluated once, when each function is defined, they cost next
to nothing and read back as the same types.
"""

from __future__ import annotations

import codecs
import functools
import inspect
import io
import os
import re
import sys
import typing
from collections.abc import Callable
from contextvars import ContextVar
from enum import Enum
from typing import TYPE_CHECKING, Any, ParamSpec

from convcalc.errors import ConvcalcError, ExitCode

if TYPE_CHECKING:
    import typer
    from rich.console import RenderableType


class Param:
    """A parameter declared with `Option` or `Argument`: typer's arguments, held until typer is needed."""

    __slots__ = ("argument", "decls", "default", "settings")

    def __init__(self, argument: bool, default: Any, decls: tuple[str, ...], settings: dict[str, Any]) -> None:
        self.argument = argument
        self.default = default
        self.decls = decls
        self.settings = settings

    def for_typer(self) -> Any:
        import typer

        if self.argument:
            return typer.Argument(self.default, *self.decls, **self.settings)
        return typer.Option(self.default, *self.decls, **self.settings)


def Option(default: Any, *decls: str, **settings: Any) -> Any:
    """`typer.Option(default, *decls, **settings)`, without importing typer (see the module docstring)."""
    return Param(False, default, decls, settings)


def Argument(default: Any, *decls: str, **settings: Any) -> Any:
    """`typer.Argument(default, *decls, **settings)`, without importing typer."""
    return Param(True, default, decls, settings)


def _version(value: bool) -> None:
    if value:
        import typer

        from convcalc import __version__

        echo(f"convcalc {__version__}")
        raise typer.Exit()


def _main(
    version: bool = Option(
        False, "--version", callback=_version, is_eager=True, help="Print convcalc's version and exit."
    ),
) -> None:
    """Shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec."""


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


LANG = Option(Lang.en, "--lang", help="Language of the explanation: en or zh (中文).")
BATCH = Option(None, "--batch", "-b", min=1, help="Batch size (default: the spec's, or 1).")
FAIL_ON = Option(
    FailOn.error, "--fail-on",
    help="Exit 1 when a diagnostic at this level or above is found: error (default), warning, or info (any).",
)
STRICT = Option(
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


def _typer_signal(error: Exception) -> bool:
    """typer's own way out (`typer.Exit`, `typer.Abort`), raised in a command: not a bug. Only a
    process that has imported typer can raise one."""
    typer = sys.modules.get("typer")
    return typer is not None and isinstance(error, (typer.Exit, typer.Abort))


def guarded(func: Callable[P, ExitCode | None]) -> Callable[P, None]:
    """The error boundary: run a command, map a `ConvcalcError` to stderr text and its exit code.

    A command returns None (exit 0) or an `ExitCode` (e.g. FAILED when the answer is "no").
    Anything else that escapes is a bug in convcalc: it is reported as one, with its own exit
    code, never as a bare traceback (CONVCALC_DEBUG=1 lets the traceback through). The exit is
    `SystemExit`, which typer (click) lets through unchanged, so the boundary needs no typer.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        token = _JSON_ERRORS.set(False)
        try:
            code = func(*args, **kwargs)
        except ConvcalcError as error:
            if _JSON_ERRORS.get():  # --format json: scripts read the error from stdout too
                from convcalc.render.to_json import error_json

                echo(error_json(error), newline=False)
            echo(error.render(), err=True)
            raise SystemExit(int(error.exit_code)) from None
        except BrokenPipeError:  # `convcalc kinds | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
            raise SystemExit(0) from None
        except Exception as bug:
            if _typer_signal(bug) or os.environ.get("CONVCALC_DEBUG") == "1":
                raise
            echo(internal_error_text(bug, sys.argv), err=True)
            raise SystemExit(int(ExitCode.INTERNAL)) from None
        finally:
            _JSON_ERRORS.reset(token)
        if code:  # ExitCode.OK is 0
            raise SystemExit(int(code))

    return run


# Every command registered so far: its name (None: typer's, from the function) and its guarded callback.
_COMMANDS: list[tuple[str | None, Callable[..., None]]] = []
_BUILT: list[typer.Typer] = []  # the typer app, once built


def command(name: str | None = None) -> Callable[[Callable[P, ExitCode | None]], Callable[P, ExitCode | None]]:
    """Register a command, behind the error boundary; the function itself is returned as is."""

    def register(func: Callable[P, ExitCode | None]) -> Callable[P, ExitCode | None]:
        callback = guarded(func)
        _COMMANDS.append((name, callback))
        if _BUILT:
            _add(_BUILT[0], name, callback)
        return func

    return register


def _for_typer(callback: Callable[..., Any]) -> Callable[..., Any]:
    """`callback` with its `Option` and `Argument` declarations as typer's (its `__signature__`,
    which typer reads; `inspect.signature` follows `guarded`'s wrapper to the command itself)."""
    signature = inspect.signature(callback)
    parameters = [
        p.replace(default=p.default.for_typer()) if isinstance(p.default, Param) else p
        for p in signature.parameters.values()
    ]
    callback.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return callback


@functools.cache
def _command_class() -> type[Any]:
    from typer.core import TyperCommand

    class Command(TyperCommand):
        """Usage lines as people write them: `convcalc check [OPTIONS] PATHS...`, not typer's
        `{paths}...` (its braces mark a required argument, a notation few readers know)."""

        def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer's vendored click.Context
            return [re.sub(r"\{([^{}]*)\}", r"\1", piece) for piece in super().collect_usage_pieces(ctx)]

        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            """click's parser says "Option '-c' requires an argument." without its context, so the
            error came without the usage line and the --help hint every other usage error has."""
            from typer._click.exceptions import UsageError  # loaded with typer.core already

            try:
                result: list[str] = super().parse_args(ctx, args)
            except UsageError as error:
                error.ctx = error.ctx or ctx
                raise
            return result

    return Command


def _add(app: typer.Typer, name: str | None, callback: Callable[..., None]) -> None:
    app.command(name, cls=_command_class())(_for_typer(callback))


def typer_app() -> typer.Typer:
    """The typer app with every command registered (and each one registered later), built once.

    The package (`convcalc.cli`) calls this after importing every command module, in --help's order."""
    if not _BUILT:
        import typer

        built = typer.Typer(
            add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
            no_args_is_help=True,
            pretty_exceptions_enable=False,
            help="Shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec.",
        )
        built.callback()(_for_typer(_main))
        _BUILT.append(built)
        for name, callback in _COMMANDS:
            _add(built, name, callback)
    return _BUILT[0]


def __getattr__(name: str) -> Any:
    """`app`: the typer app with every command, which the package (it lists the command modules) builds."""
    if name == "app":
        return sys.modules[__name__.rpartition(".")[0]].app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- plain command lines, without typer


def _plain_kind(hint: Any) -> Any:
    """How a plain command line gives a value of this type: "flag", str, int, an Enum class, or
    "many" (a list of strings); None: a type this reader leaves to typer."""
    args = typing.get_args(hint)
    if args and type(None) in args and len(args) == 2:  # X | None
        hint = args[0] if args[1] is type(None) else args[1]
    if hint is bool:
        return "flag"
    if hint in (str, int) or (isinstance(hint, type) and issubclass(hint, Enum)):
        return hint
    if typing.get_origin(hint) is list and typing.get_args(hint) == (str,):
        return "many"
    return None


_PLAIN_SETTINGS = {"help", "metavar", "show_default", "min", "max", "hidden", "rich_help_panel"}


def _plain_value(kind: Any, text: str, settings: dict[str, Any]) -> tuple[bool, Any]:
    """`text` as typer converts it for a parameter of this kind; (False, None) where typer would
    refuse it (and say why)."""
    if kind is str:
        return True, text
    if kind is int:
        try:
            number = int(text)  # click's INT is int(text)
        except ValueError:
            return False, None
        low, high = settings.get("min"), settings.get("max")
        return (low is None or number >= low) and (high is None or number <= high), number
    members = {str(member.value): member for member in kind}  # an Enum: its values, case as written
    return text in members, members.get(text)


def _read_plain(callback: Callable[..., Any], args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments typer would call `callback` with for `args`, or None when the command
    line is not plain: an option or form this reader does not know (`-qf json`, `--`, `--help`),
    a value typer would refuse, or a parameter declared some other way. None costs nothing but
    typer's start-up: typer then reads the line itself."""
    hints = typing.get_type_hints(callback)
    values: dict[str, Any] = {}
    options: dict[str, tuple[str, Any, dict[str, Any]]] = {}
    positional: list[tuple[str, Any, Param]] = []
    for name, parameter in inspect.signature(callback).parameters.items():
        declared, kind = parameter.default, _plain_kind(hints.get(name))
        if not isinstance(declared, Param) or kind is None or not set(declared.settings) <= _PLAIN_SETTINGS:
            return None
        if declared.argument:
            if declared.decls or kind == "flag" or (kind == "many" and positional):
                return None
            positional.append((name, kind, declared))
            continue
        if kind == "many" or not declared.decls or any("/" in d or not d.startswith("-") for d in declared.decls):
            return None
        values[name] = declared.default
        options.update((decl, (name, kind, declared.settings)) for decl in declared.decls)
    given: list[str] = []
    rest = list(args)
    while rest:
        token = rest.pop(0)
        if token == "-" or not token.startswith("-"):
            given.append(token)
            continue
        key, equals, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if key not in options or (equals and options[key][1] == "flag"):
            return None
        name, kind, settings = options[key]
        if kind == "flag":
            values[name] = True
            continue
        if not equals:
            if not rest:
                return None
            attached = rest.pop(0)  # as click: the next word, whatever it looks like (--columns -kind)
        ok, values[name] = _plain_value(kind, attached, settings)
        if not ok:
            return None
    for name, kind, declared in positional:
        if kind == "many":
            if not given and declared.default is ...:
                return None
            values[name], given = list(given), []
        elif given:
            ok, values[name] = _plain_value(kind, given.pop(0), declared.settings)
            if not ok:
                return None
        elif declared.default is ...:
            return None
        else:
            values[name] = declared.default
    return None if given else values


def run_plain(argv: list[str]) -> bool:
    """Run a command line here, without typer, when typer would read it the same way (see
    `_read_plain`); False when it is typer's to run. Shell completion, Windows (typer expands
    wildcards there) and a command with a parameter of another kind are always typer's."""
    if not argv or os.environ.get("_CONVCALC_COMPLETE") or sys.platform.startswith("win"):
        return False
    found = [callback for name, callback in _COMMANDS if (name or callback.__name__.lower().replace("_", "-")) == argv[0]]
    values = _read_plain(found[-1], argv[1:]) if found else None
    if values is None:
        return False
    try:
        found[-1](**values)
    except KeyboardInterrupt:  # as click: exit 130, no traceback
        raise SystemExit(130) from None
    return True


def _plain_stream(stream: Any) -> bool:
    """click.echo writes to this stream as it is: a text stream with its encoding (not ASCII) and
    its errors set. Any other stream click rewraps, so echo leaves it to click."""
    if not isinstance(stream, io.TextIOWrapper) or stream.errors is None:
        return False
    try:
        return codecs.lookup(stream.encoding).name != "ascii"
    except LookupError:
        return False


def _write(text: str, err: bool) -> None:
    """What `typer.echo(text, nl=False, err=err)` (click.echo) does, without importing typer where
    click would write the text as it is: no ANSI escape in it (click strips them when the stream
    is no terminal) and a plain text stream, on POSIX. Anything else is click's to write."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # no stream attached (pythonw): click writes nothing either
        return
    if "\x1b" in text or sys.platform.startswith("win") or not _plain_stream(stream):
        import typer

        typer.echo(text, nl=False, err=err)
        return
    if text:
        stream.write(text)
    stream.flush()


def echo(text: str, *, newline: bool = True, err: bool = False) -> None:
    """Data to stdout (`err`: a message to stderr)."""
    _write(text + "\n" if newline else text, err)


def warn(lines: list[str]) -> None:
    """Diagnostics to stderr, one per line, so `--format json | jq` sees only data."""
    for line in lines:
        _write(line + "\n", True)


def plain_output() -> bool:
    """Whether Rich would print to stdout with no styles at the piped width (`show`): stdout is no
    terminal (`show` then draws at least 120 columns wide), Rich does not take it for one (its
    TTY_COMPATIBLE and FORCE_COLOR settings), and it takes UTF-8 (or Rich would draw ASCII
    boxes). A summary table may then be printed as text (`render.plain_table`), the same text,
    without loading Rich."""
    stream = sys.stdout
    if stream is None or sys.platform.startswith("win") or not (stream.encoding or "").lower().startswith("utf"):
        return False
    if stream.isatty():  # `show` fits the table to the terminal, whatever Rich makes of the settings below
        return False
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    force = os.environ.get("FORCE_COLOR")
    return force is None or force == ""


def show(output: str | RenderableType) -> None:
    """A renderer's output to stdout: text as it is, a Rich renderable through a console.

    In a terminal the renderable fits the terminal's width. Piped (or under test), stdout has no
    width: the console is as wide as the renderable's full width and at least 120 columns
    (`PIPED_MIN_WIDTH`), so
    piped output is stable and never shaped by a terminal that only stderr is attached to.
    """
    if isinstance(output, str):
        _write(output, False)
        return
    from rich.console import Console
    from rich.measure import Measurement

    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}  # no-color.org: no styles at all
    if sys.stdout.isatty():
        Console(**plain).print(output)  # type: ignore[arg-type]  # rich's color_system literal
        return
    from convcalc.render.plain_table import PIPED_MIN_WIDTH

    console = Console(width=PIPED_MIN_WIDTH, **plain)  # type: ignore[arg-type]
    full = Measurement.get(console, console.options.update_width(10**6), output).maximum
    console.width = max(PIPED_MIN_WIDTH, full)
    console.print(output)
