"""The layer-kind contract: what every registered kind provides, checked by mypy and by a test.

A kind is a frozen, keyword-only dataclass whose fields are PyTorch's argument names. It is one
of two things:

- a `LayerKind`: one row of the table. `infer` is its shape, parameter, MAC and receptive-field
  rule; `to_torch` builds the PyTorch module `verify` runs (or the class says in `torch_reason`
  why there is none, and `verify` reports the row as not checkable, never as passed);
- a `CompositeKind`: one spec line that stands for several rows (`separable`, `deform_conv`).
  `expand` returns its parts, each a `LayerKind` of its own.

Both live beside their rule in the family module, so adding a kind is one place. PyTorch is
never imported here: `to_torch` receives the `torch.nn` module from `verify`.

Kinds are declared with `kind_dataclass(frozen=True, slots=True, kw_only=True)`: the same class
`dataclasses.dataclass` makes, its generated methods compiled when first used (`lazy_dataclass`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from convcalc.lazy_dataclass import lazy_dataclass

if TYPE_CHECKING:
    from dataclasses import dataclass as kind_dataclass  # a kind is type-checked as the dataclass it is

    from convcalc.layers.tensor import Expansion, Outcome, TensorInfo
    from convcalc.layers.torch_modules import SourceModule

__all__ = ["CompositeKind", "Kind", "KindBase", "LayerKind", "NotCheckable", "TorchBuild", "kind_dataclass"]

T = TypeVar("T", bound=type)


if not TYPE_CHECKING:

    def kind_dataclass(*, frozen: bool, slots: bool, kw_only: bool) -> Callable[[T], T]:
        """`dataclasses.dataclass(frozen=True, slots=True, kw_only=True)`, for layer kinds: made by
        `lazy_dataclass`, so a kind's methods are compiled when first used (a spec uses a few of
        the ~60 kinds: the others never pay it)."""
        if not (frozen and slots and kw_only):
            raise TypeError("a layer kind is a frozen, slotted, keyword-only dataclass")
        return lazy_dataclass(frozen=True, slots=True, kw_only=True)


class NotCheckable(Exception):
    """A kind with no PyTorch counterpart here: verify reports the row, never passes it."""


@lazy_dataclass(frozen=True, slots=True)
class TorchBuild:
    """What a kind's `to_torch` needs: `torch.nn`, the per-sample input shape (C, *spatial), the
    rank the spelling or the input fixed, and the spelling as written (`dropout2d`, `alphadropout`).

    `make` builds one of convcalc's own source-defined modules (layers/torch_modules.py); the
    exporter passes `custom` to record the call (and copy the class) instead of running it.
    """

    nn: Any
    shape: tuple[int, ...]
    rank: int
    spelling: str
    custom: Callable[[SourceModule, tuple[Any, ...]], Any] | None = None

    def make(self, module: SourceModule, *args: Any) -> Any:
        if self.custom is not None:
            return self.custom(module, args)
        return module.instantiate(self.nn, *args)


class KindBase(ABC):
    """What every registered kind declares: its family (set by `register`), positional order and example."""

    __slots__ = ()
    family: ClassVar[str]
    positional: ClassVar[tuple[str, ...]]
    example: ClassVar[str]


class LayerKind(KindBase):
    """A kind that is one row: a rule, and a PyTorch builder or the reason it has none."""

    __slots__ = ()
    torch_reason: ClassVar[str | None] = None
    # The rule handles a permuted (channels-last) tensor itself: element-wise layers, linear on the
    # last axis, layer norm, permute. Any other kind sees such a tensor positionally, as PyTorch
    # does, with its receptive field unknown (the spatial axes are no longer where it looks).
    layout_aware: ClassVar[bool] = False

    @abstractmethod
    def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
        """The layer's effect on one sample; raises `LayerError` when the layer is impossible."""

    def to_torch(self, build: TorchBuild) -> Any:
        """The torch.nn module for this layer; a kind without one sets `torch_reason`."""
        raise NotCheckable(self.torch_reason or f"PyTorch has no module for '{self.family}'")

    @classmethod
    def has_torch_builder(cls) -> bool:
        return cls.to_torch is not LayerKind.to_torch


class CompositeKind(KindBase):
    """A kind that stands for several rows, each a `LayerKind` (its `expand`'s parts)."""

    __slots__ = ()

    @abstractmethod
    def expand(self, x: TensorInfo, rank: int | None) -> Expansion:
        """The parts this layer stands for, and notes about the whole (a parameter saving)."""


Kind = LayerKind | CompositeKind
