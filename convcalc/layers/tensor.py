"""What flows between layers (`TensorInfo`) and what a layer's rules return (`Outcome`).

Shapes here exclude the batch axis: every per-sample count is multiplied by the batch once,
in the engine, so no layer has to think about it.
"""

from __future__ import annotations

from dataclasses import field
from math import prod
from typing import TYPE_CHECKING

from convcalc.formats import shape_text
from convcalc.lazy_dataclass import lazy_dataclass

if TYPE_CHECKING:
    from convcalc.layers.kind import LayerKind
    from convcalc.layers.rf import AxisRF
    from convcalc.layers.window import Window

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@lazy_dataclass(frozen=True, slots=True)
class TensorInfo:
    """A tensor's per-sample shape (C, *spatial) and the receptive field of its first element.

    `rf` is None once the channel-first spatial layout is gone (after flatten or linear on a
    spatial tensor): every element then depends on the whole input.
    """

    shape: tuple[int, ...]
    rf: tuple[AxisRF, ...] | None
    nominal: bool = False  # the field passed a deformable conv: its offsets are learned, the field is nominal
    # Where the rf's axes sit in `shape` after a permute moved the channels (ConvNeXt's channels-last
    # block: (H, W, C) has layout (0, 1)); None is channel-first, (C, *spatial).
    layout: tuple[int, ...] | None = None
    producer: str | None = field(default=None, compare=False)  # the row that made it (set by the engine)

    @property
    def channel_axis(self) -> int:
        """The per-sample position of the one axis that is not spatial (0 unless permuted)."""
        if self.layout is None:
            return 0
        return next(i for i in range(len(self.shape)) if i not in self.layout)

    @property
    def spatial(self) -> tuple[int, ...]:
        return self.shape[1:]

    @property
    def channels(self) -> int:
        return self.shape[0]


@lazy_dataclass(frozen=True, slots=True)
class Note:
    """A soft problem a layer rule found; the engine adds the layer's name and position."""

    code: str
    message: str
    arg: str | None = None
    severity: str = "warning"  # "info": worth knowing, nothing is lost


@lazy_dataclass(frozen=True, slots=True)
class Outcome:
    """One layer's effect, per sample: output tensor, weights, buffers, MACs, notes.

    `weights` are the shapes of the parameter tensors, as PyTorch's module would hold them
    (conv: (K, C/g, *F) then the bias (K,)); the parameter count follows from them, and
    weight sharing compares them.
    """

    out: TensorInfo
    weights: tuple[tuple[int, ...], ...] = ()
    buffers: int = 0
    macs: int = 0
    notes: tuple[Note, ...] = ()
    display: str | None = None  # the kind as shown when the rank came from the input
    window: Window | None = None  # a sliding window's geometry, as the rule resolved it

    @property
    def params(self) -> int:
        if not self.weights:
            return 0  # most layers: asked once per row
        return sum(map(prod, self.weights))


@lazy_dataclass(frozen=True, slots=True)
class Part:
    """One layer of a composite kind: its name inside the composite, its rule, how it is shown.

    `label` is the kind as the table shows it (`conv2d`), `rank` the spatial rank it works on.
    `reads_input`: the part reads the composite's input rather than the previous part's output
    (a deformable conv's offset predictor does). `extra_inputs` name earlier parts whose outputs
    the part's PyTorch module also takes (a deformable conv reads the predicted offsets).
    """

    name: str
    args: LayerKind
    label: str
    rank: int | None
    reads_input: bool = False
    extra_inputs: tuple[str, ...] = ()


@lazy_dataclass(frozen=True, slots=True)
class Expansion:
    """What a composite kind (separable, deform_conv, ...) stands for: its parts and notes."""

    parts: tuple[Part, ...]
    notes: tuple[Note, ...] = ()


class LayerError(Exception):
    """An impossible layer. `arg` names the argument to point at, when one is to blame."""

    def __init__(self, message: str, *, arg: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.arg = arg
        self.hint = hint


def bias_shape(bias: bool, out: int) -> tuple[tuple[int, ...], ...]:
    """The bias tensor's shape, when the layer has one."""
    return ((out,),) if bias else ()


def affine_shapes(affine: bool, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """A normalisation's learned scale γ and shift β, when it has them."""
    return (shape, shape) if affine else ()


def spatial_rank(x: TensorInfo, rank: int | None, family: str) -> int:
    """The number of spatial axes a windowed layer works on, checked against its input.

    `rank` is fixed by spellings such as conv2d; the short form (`conv`) takes the input's.
    """
    have = len(x.shape) - 1  # len(x.spatial), without slicing
    if rank is None:
        if have not in (1, 2, 3):
            raise LayerError(
                f"{family} needs an input of shape (C, L), (C, H, W) or (C, D, H, W), got {shape_text(x.shape)}",
                hint="window layers come before flatten; check the input shape",
            )
        return have
    if have != rank:
        layout = {1: "(C, L)", 2: "(C, H, W)", 3: "(C, D, H, W)"}[rank]
        hint = f"write '{family}' to take the rank from the input, or fix the input shape"
        if have == rank + 1 and x.channels == 1:
            hint = "the leading 1 looks like a batch axis: leave it out of the input and use 'batch:' or --batch"
        raise LayerError(f"{family}{rank}d needs an input of shape {layout}, got {shape_text(x.shape)}", hint=hint)
    return rank


def check_channels(expected: int | None, actual: int, arg: str) -> None:
    """An optional declared channel count (in_channels, num_features, ...) must match the input."""
    if expected is not None and expected != actual:
        raise LayerError(
            f"expects {expected} input channel{'s' if expected != 1 else ''} but its input has {actual}",
            arg=arg,
            hint=f"set {arg} to {actual} or fix the layer before it",
        )


def batched_axis(dim: int, rank: int, name: str) -> int:
    """A PyTorch dim (counting the batch axis as 0, negatives from the end) as a per-sample index."""
    full = rank + 1
    if not -full <= dim < full:
        raise LayerError(f"'{name}' {dim} is out of range for a {full}-d tensor (batch included)", arg=name)
    index = dim % full
    if index == 0:
        raise LayerError(
            f"'{name}' {dim} is the batch axis: reaching across the batch is a deliberate limit of the format, "
            "whose shapes are per sample",
            arg=name,
            hint="dims count the batch as 0; per-sample axes start at 1",
        )
    return index - 1
