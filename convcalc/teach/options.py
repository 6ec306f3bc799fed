"""The teaching commands' options, as typed on the command line, into numbers.

Each parser raises a `TeachingError` (a `UsageError` in the language asked for) with the flag's
name, so the CLI only declares options and prints: `--kernel 3,3,1` is `ints(...)`, one positive
`--stride` is `one(...)`, a `solve` unknown (`'?'`) is `known(...)`.
"""

from __future__ import annotations

from convcalc.layers.args import PADDING_MODES, Axes, Padding
from convcalc.limits import RF_LAYERS, check_digits
from convcalc.teach.text import check_limit, teaching_error

SUBJECTS = ("conv", "pool", "convtranspose", "params", "rf")


def ints(text: str | None, what: str, *, lang: str = "en") -> list[int]:
    """'3' or '3,3,1' -> [3] or [3, 3, 1]; non-negative whole numbers only; absent -> []."""
    if text is None:
        return []
    check_digits(text, None)
    try:
        values = [int(part) for part in text.split(",") if part.strip().isascii()]
        if len(values) != len(text.split(",")):
            raise ValueError(text)
    except ValueError:
        raise teaching_error(lang, "err.ints", what=what, text=repr(text)) from None
    if any(v < 0 for v in values):
        raise teaching_error(lang, "err.negative", what=what, text=repr(text))
    return values


def one(values: list[int], what: str, default: int | None = None, *, lang: str = "en") -> int:
    """Exactly one number for --{what} (positive; padding may be 0), or the default when absent."""
    if not values:
        if default is None:
            raise teaching_error(lang, "err.needs", what=what)
        return default
    if len(values) != 1 or values[0] < (0 if what == "padding" else 1):
        key = "err.one_nonnegative" if what == "padding" else "err.one_positive"
        raise teaching_error(lang, key, what=what)
    return values[0]


def one_of(text: str | None, what: str, default: int | None = None, *, lang: str = "en") -> int:
    """`one(ints(text, what), what, default)`: the common case of a single-number option."""
    return one(ints(text, what, lang=lang), what, default, lang=lang)


def per_flag(text: str | None, what: str, rank: int, default: int | None = None, *, lang: str = "en", low: int = 1
             ) -> Axes:
    """One value for every axis, or one per axis (`--kernel 3,5` on a 2-axis `--input 8,8`)."""
    values = ints(text, what, lang=lang)
    if not values:
        if default is None:
            raise teaching_error(lang, "err.needs", what=what)
        return default
    if len(values) not in (1, rank):
        raise teaching_error(lang, "err.per_axis", what=what, count=len(values), rank=rank)
    if min(values) < low:
        raise teaching_error(lang, "err.one_positive" if low else "err.one_nonnegative", what=what)
    return values[0] if len(values) == 1 else tuple(values)


def padding_flag(text: str | None, rank: int, *, allow_modes: bool, lang: str = "en") -> Padding:
    """--padding: a number per axis, or (for a conv) a mode: same, valid, tf_same, same_upper, same_lower."""
    if text is not None and not text.strip().replace(",", "").isdigit():
        mode = text.strip().lower()
        if allow_modes and mode in PADDING_MODES:
            return mode
        raise teaching_error(lang, "err.padding_mode" if allow_modes else "err.ints", what="padding",
                             text=repr(text), modes=", ".join(PADDING_MODES))
    return per_flag(text, "padding", rank, 0, lang=lang, low=0)


def rf_stack(kernel: str | None, stride: str | None, layers: int | None, dilation: str | None = None, *,
             lang: str = "en") -> tuple[list[int], list[int], list[int]]:
    """explain rf's layers: one kernel, stride and dilation per layer (a single value repeats)."""
    kernels = ints(kernel, "kernel", lang=lang)
    if not kernels:
        raise teaching_error(lang, "err.rf_kernel")
    check_limit(lang, RF_LAYERS, max(layers or 0, len(kernels)))  # before one line per layer is allocated
    if layers is not None:
        kernels = kernels * layers if len(kernels) == 1 else kernels
    strides = ints(stride, "stride", lang=lang) or [1]
    strides = strides * len(kernels) if len(strides) == 1 else strides
    dilations = ints(dilation, "dilation", lang=lang) or [1]
    if len(dilations) != 1 and len(kernels) == 1:
        kernels = kernels * len(dilations)
        strides = strides * len(dilations) if len(strides) == 1 else strides
    dilations = dilations * len(kernels) if len(dilations) == 1 else dilations
    if len(strides) != len(kernels) or len(dilations) != len(kernels) or min(kernels + strides + dilations) < 1:
        raise teaching_error(lang, "err.rf_layers")
    size, jump = 1, 1  # the field and its jump grow as the product of the strides: 10,000 strides of 10^10 is 10^100000
    for index, (f, s, d) in enumerate(zip(kernels, strides, dilations), start=1):
        size, jump = size + d * (f - 1) * jump, jump * s
        if max(size, jump) >= 2**63:
            raise teaching_error(lang, "err.rf_too_large", index=index)
    return kernels, strides, dilations


def known(text: str | None, what: str, default: int | None = None, *, lang: str = "en") -> int | str | None:
    """A solve option: a number, '?' (solve for it), or absent (solve for it, unless it has a default)."""
    if text is None:
        return default
    if text.strip() == "?":
        return None
    if what == "output" and text.strip().lower() == "same":
        return "same"
    check_digits(text, None)  # 5,000 digits would pass isdigit() and then fail int()
    if not (text.strip().isascii() and text.strip().isdigit()):  # '3²' and '1\x1e' are digits to str.isdigit
        raise teaching_error(lang, "err.known", what=what, text=repr(text))
    return int(text.strip())


def solve_givens(
    size: str | None, output: str | None, kernel: str | None, stride: str | None, padding: str | None,
    dilation: str | None, output_padding: str | None = None, *, transposed: bool = False, lang: str = "en",
) -> dict[str, int | str | None]:
    """solve's knowns and unknowns (None), checked: enough is given and no size is 0."""
    given = {
        "input": known(size, "input", lang=lang),
        "output": known(output, "output", lang=lang),
        "kernel": known(kernel, "kernel", lang=lang),
        "stride": known(stride, "stride", lang=lang),
        "padding": known(padding, "padding", lang=lang),
        "dilation": known(dilation, "dilation", 1, lang=lang),
    }
    if transposed:
        given["output_padding"] = known(output_padding, "output_padding", lang=lang)
        if given["output"] == "same":
            raise teaching_error(lang, "err.transposed_same")
    elif output_padding is not None:
        raise teaching_error(lang, "err.output_padding_needs_transposed")
    if given["input"] is None and not isinstance(given["output"], int):
        raise teaching_error(lang, "err.solve_needs")
    for key in ("kernel", "stride", "dilation", "input", "output"):
        if given[key] == 0:
            raise teaching_error(lang, "err.at_least_one", what=key)
    return given


def position(at: str, layer: str, output_shape: tuple[int, ...], *, lang: str = "en") -> tuple[int, ...]:
    """--at ROW,COL as an output position of `layer` (one index per spatial axis, from 0)."""
    where = tuple(ints(at, "--at", lang=lang))
    spatial = output_shape[2:]
    if len(where) != len(spatial) or any(p >= n for p, n in zip(where, spatial)):
        raise teaching_error(lang, "err.at", at=at, layer=layer, shape="x".join(map(str, spatial)))
    return where
