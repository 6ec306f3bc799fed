"""Sliding-window arithmetic shared by convolution and pooling.

Every formula is PyTorch's, quoted in its docstring, and takes one axis at a time.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from convcalc.layers.tensor import AXIS_NAMES, LayerError, Note

UNIT = {"length": "position", "height": "row", "width": "column", "depth": "slice"}


def per_axis(value: Any, rank: int, name: str, *, one_fits_all: bool = True) -> tuple[Any, ...]:
    """Broadcast a scalar to every spatial axis, or check a per-axis list has one per axis.

    A one-value list counts for every axis, as PyTorch expands it (`stride: [2]` on a conv2d),
    except where PyTorch does not: a conv's kernel_size (it shapes the weight) and adaptive
    pooling's output_size pass `one_fits_all=False`.
    """
    if isinstance(value, tuple):
        if len(value) == 1 and one_fits_all and not isinstance(value[0], tuple):
            return value * rank
        if len(value) != rank:
            raise LayerError(
                f"'{name}' has {len(value)} values but the layer has {rank} spatial "
                f"{'axis' if rank == 1 else 'axes'}",
                arg=name,
                hint=f"give one value, or exactly {rank}",
            )
        return value
    return (value,) * rank


def effective_kernel(kernel: int, dilation: int) -> int:
    """A dilated kernel spans d·(k − 1) + 1 input pixels."""
    return dilation * (kernel - 1) + 1


def resolve_padding(
    padding: Any, rank: int, sizes: tuple[int, ...], kernels: tuple[int, ...], strides: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding actually applied, as (before, after) per axis.

    'same' is PyTorch's: stride 1 only, total d·(k − 1), the odd pixel at the end.
    'tf_same' is TensorFlow's SAME: out = ceil(N/S), total = max((out − 1)·S + k_eff − N, 0),
    the odd pixel at the end; ONNX's 'same_upper' is the same rule and 'same_lower' puts the odd
    pixel at the start. 'valid' is no padding.
    """
    if padding == "valid":
        return ((0, 0),) * rank
    if padding == "same":
        if any(s != 1 for s in strides):
            raise LayerError(
                "padding='same' is not supported for strided convolutions (PyTorch refuses it)",
                arg="padding",
                hint="use padding 'tf_same' for TensorFlow's SAME, or an explicit padding",
            )
        return tuple(((k - 1) // 2, (k - 1) - (k - 1) // 2) for k in kernels)
    if padding in ("tf_same", "same_upper", "same_lower"):
        pairs = []
        for n, k, s in zip(sizes, kernels, strides):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            small, large = total // 2, total - total // 2
            pairs.append((large, small) if padding == "same_lower" else (small, large))
        return tuple(pairs)
    if isinstance(padding, tuple) and padding and isinstance(padding[0], tuple):
        return per_axis(padding, rank, "padding")
    return tuple((p, p) for p in per_axis(padding, rank, "padding"))


def conv_out_len(n: int, kernel: int, stride: int, before: int, after: int) -> int:
    """PyTorch Conv: floor((N + P_before + P_after − d·(k − 1) − 1)/S) + 1, `kernel` effective."""
    return (n + before + after - kernel) // stride + 1


def pool_out_len(n: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape.

    out = floor_or_ceil((N + 2P − d·(k − 1) − 1)/S) + 1; under ceil_mode the last window
    must start inside the input or the left padding: if (out − 1)·S >= N + P, drop it.
    """
    span = n + 2 * pad - effective_kernel(kernel, dilation)
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _decimal(value: Fraction) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def asymmetric_padding_note(rank: int, pads: tuple[tuple[int, int], ...]) -> tuple[Note, ...]:
    """When padding differs before and after, say what is applied on each side (an info)."""
    if all(lo == hi for lo, hi in pads):
        return ()
    sides = {1: (("left", "right"),), 2: (("top", "bottom"), ("left", "right")),
             3: (("front", "back"), ("top", "bottom"), ("left", "right"))}[rank]
    applied = ", ".join(f"{a} {lo}, {b} {hi}" for (a, b), (lo, hi) in zip(sides, pads))
    return (Note("asymmetric-padding", f"padding applied: {applied}", arg="padding", severity="info"),)


def non_whole_notes(
    rank: int,
    sizes: tuple[int, ...],
    kernels: tuple[int, ...],
    strides: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    outs: tuple[int, ...],
) -> tuple[Note, ...]:
    """The lecture's rule, (N + 2P − F)/S + 1 must be whole: one note per distinct failure.

    Each note says what PyTorch floors the size to and how many input rows/columns the windows
    never reach. Axes that fail with the same arithmetic share one note ("height and width").
    """
    failures: dict[tuple[str, int, int], list[str]] = {}
    for axis, (n, k, s, (before, after), out) in enumerate(zip(sizes, kernels, strides, pads, outs)):
        if (n + before + after - k) % s == 0:  # whole: the common case, decided without a Fraction
            continue
        exact_out = Fraction(n + before + after - k, s) + 1
        if before == after:
            numerator = f"{n}" + (f" + 2·{before}" if before else "") + f" − {k}"
        else:
            numerator = f"{n} + {before} + {after} − {k}"
        arithmetic = f"({numerator})/{s} + 1 = {_decimal(exact_out)}"
        unseen = max(0, before + n - ((out - 1) * s + k))
        failures.setdefault((arithmetic, out, unseen), []).append(AXIS_NAMES[rank][axis])
    notes = []
    for (arithmetic, out, unseen), axes in failures.items():
        units = [UNIT[a] for a in axes]
        if unseen:
            plural = "s" if unseen > 1 else ""
            count = "" if unseen == 1 else f"{unseen} "
            parts = [f"the last {count}input {u}{plural}" for u in units]
            lost = " and ".join(parts) + (" is" if len(parts) == 1 and unseen == 1 else " are") + " never covered"
        else:
            lost = "only padding is skipped, every input " + " and ".join(units) + " is still covered"
        notes.append(
            Note(
                "non-whole",
                f"{arithmetic} is not whole along the {' and '.join(axes)}: PyTorch floors it to {out}; {lost}",
                arg="stride",
                severity="warning" if unseen else "info",
            )
        )
    return tuple(notes)
