"""The teaching commands' options, as typed on the command line, into numbers.

Each parser raises `UsageError` with the flag's name, so the CLI only declares options and
prints: `--kernel 3,3,1` is `ints(...)`, one positive `--stride` is `one(...)`, a `solve`
unknown (`?`) is `known(...)`.
"""

from __future__ import annotations

from convcalc.errors import UsageError
from convcalc.limits import EXPLAIN_LAYERS, check_digits

SUBJECTS = ("conv", "pool", "params", "rf")


def ints(text: str | None, what: str) -> list[int]:
    """'3' or '3,3,1' -> [3] or [3, 3, 1]; non-negative whole numbers only; absent -> []."""
    if text is None:
        return []
    check_digits(text, None)
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(f"{what} must be whole numbers separated by commas (got {text!r})") from None
    if any(v < 0 for v in values):
        raise UsageError(f"{what} must not be negative (got {text!r})")
    return values


def one(values: list[int], what: str, default: int | None = None) -> int:
    """Exactly one number for --{what} (positive; padding may be 0), or the default when absent."""
    if not values:
        if default is None:
            raise UsageError(f"this explanation needs {what}", hint=f"add --{what} N")
        return default
    if len(values) != 1 or values[0] < (0 if what == "padding" else 1):
        raise UsageError(f"--{what} takes one {'non-negative' if what == 'padding' else 'positive'} number here")
    return values[0]


def one_of(text: str | None, what: str, default: int | None = None) -> int:
    """`one(ints(text, what), what, default)`: the common case of a single-number option."""
    return one(ints(text, what), what, default)


def rf_stack(kernel: str | None, stride: str | None, layers: int | None) -> tuple[list[int], list[int]]:
    """explain rf's layers: one kernel and one stride per layer (a single value repeats)."""
    kernels = ints(kernel, "kernel")
    if not kernels:
        raise UsageError("explain rf needs --kernel", hint="convcalc explain rf --kernel 3 --layers 3")
    if layers is not None and len(kernels) == 1:
        EXPLAIN_LAYERS.check(layers, None, f"--layers {layers}", "asks for")  # before the list is built
        kernels = kernels * layers
    EXPLAIN_LAYERS.check(len(kernels), None, "--kernel", "lists")
    strides = ints(stride, "stride") or [1]
    strides = strides * len(kernels) if len(strides) == 1 else strides
    if len(strides) != len(kernels) or min(kernels + strides) < 1:
        raise UsageError("give one positive --stride per layer, or one for all", hint="--kernel 3,3,3 --stride 1,2,1")
    return kernels, strides


def known(text: str | None, what: str, default: int | None = None) -> int | str | None:
    """A solve option: a number, '?' (solve for it), or absent (solve for it, unless it has a default)."""
    if text is None:
        return default
    if text.strip() == "?":
        return None
    if what == "output" and text.strip().lower() == "same":
        return "same"
    check_digits(text, None)
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise UsageError(f"--{what} must be a whole number or '?' (got {text!r})")
    return int(text.strip())


def solve_givens(
    size: str | None, output: str | None, kernel: str | None, stride: str | None, padding: str | None,
    dilation: str | None,
) -> dict[str, int | str | None]:
    """solve's knowns and unknowns (None), checked: enough is given and no size is 0."""
    given = {
        "input": known(size, "input"),
        "output": known(output, "output"),
        "kernel": known(kernel, "kernel"),
        "stride": known(stride, "stride"),
        "padding": known(padding, "padding"),
        "dilation": known(dilation, "dilation", 1),
    }
    if given["input"] is None and not isinstance(given["output"], int):
        raise UsageError("solve needs the input size or a numeric output size", hint="--input 32 --output 16 ...")
    for key in ("kernel", "stride", "dilation", "input"):
        if given[key] == 0:
            raise UsageError(f"--{key} must be at least 1")
    return given


def position(at: str, layer: str, output_shape: tuple[int, ...]) -> tuple[int, ...]:
    """--at ROW,COL as an output position of `layer` (one index per spatial axis, from 0)."""
    where = tuple(ints(at, "--at"))
    spatial = output_shape[2:]
    if len(where) != len(spatial) or any(p >= n for p, n in zip(where, spatial)):
        raise UsageError(
            f"--at {at} is not an output position of {layer}, whose output is {'x'.join(map(str, spatial))}",
            hint="positions count from 0, one per spatial axis: --at ROW,COL",
        )
    return where
