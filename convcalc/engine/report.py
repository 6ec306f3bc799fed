"""What the engine returns: per-layer results and totals, as plain frozen data.

Numbers stay int (or Fraction inside receptive fields); formatting belongs to renderers.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from convcalc.engine.as_dict import report_dict
from convcalc.errors import Diagnostic
from convcalc.layers.rf import AxisRF
from convcalc.layers.window import Window
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span


@lazy_dataclass(frozen=True, slots=True)
class GroupRef:
    """A group a row sits in (a defined block's use, a repeat): what `--depth` folds rows into."""

    name: str
    kind: str
    path: str
    span: Span | None = field(default=None, compare=False)


@lazy_dataclass(frozen=True, slots=True)
class LayerResult:
    """One row: a layer, or a join (add / concat / mul) where branches meet.

    Shapes and counts include the batch; params do not depend on it. `name` is the dotted name
    (`layer2.0.conv1`); `path` is the position in the spec (`5.0.main.1`); `groups` are the
    enclosing groups, outermost first. A row that `shares` another layer's weights counts no
    parameters of its own.
    """

    index: int
    name: str
    kind: str
    path: str
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    buffers: int
    macs: int
    activations: int
    receptive_field: tuple[AxisRF, ...] | None
    diagnostics: tuple[Diagnostic, ...] = ()
    span: Span | None = field(default=None, compare=False)
    groups: tuple[GroupRef, ...] = ()
    shares: str | None = None
    rf_nominal: bool = False  # after a deformable conv: the field moves with learned offsets
    input_shape: tuple[int, ...] = ()  # what the row reads (a join: its block's input)
    input_from: str | None = None  # the row that produced that input; None: the network's input
    window: Window | None = None  # a sliding window's geometry as the rule resolved it (explain reads it)
    rf_layout: tuple[int, ...] | None = None  # where the field's axes sit in a permuted output (per sample)


@lazy_dataclass(frozen=True, slots=True)
class Totals:
    """The whole network's counts and memory estimate (bytes), for the batch, dtype and optimizer asked."""

    params: int
    trainable_params: int
    buffers: int
    macs: int
    param_bytes: int
    buffer_bytes: int
    activation_bytes: int
    input_bytes: int
    training_bytes: int

    @property
    def flops(self) -> int:
        """FLOPs = 2·MACs: one multiply and one add each."""
        return 2 * self.macs


@lazy_dataclass(frozen=True, slots=True)
class Report:
    """What `analyze` returns: the rows, the totals and the soft problems, and what they were computed for."""

    name: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    layers: tuple[LayerResult, ...]
    totals: Totals
    diagnostics: tuple[Diagnostic, ...]
    batch: int
    dtype: str
    optimizer: str

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, exactly what `--format json` prints (`engine/as_dict.py`)."""
        return report_dict(self)
