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
`dataclasses.dataclass` makes, its generated methods compiled when first called (see there).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from convcalc.quick_init import quick_init

if TYPE_CHECKING:
    from dataclasses import dataclass as kind_dataclass  # a kind is type-checked as the dataclass it is

    from convcalc.layers.tensor import Expansion, Outcome, TensorInfo
    from convcalc.layers.torch_modules import SourceModule

__all__ = ["CompositeKind", "Kind", "KindBase", "LayerKind", "NotCheckable", "TorchBuild", "kind_dataclass"]

T = TypeVar("T", bound=type)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Template:
    """What `dataclass(frozen=True, slots=True, kw_only=True)` records in `__dataclass_params__`
    (read off this class, for `kind_dataclass` to give each kind the very same parameters)."""


_PARAMS = vars(_Template)["__dataclass_params__"]
_LAZY = ("__init__", "__repr__", "__eq__", "__hash__")


def _frozen_attributes(cls: type[Any], names: tuple[str, ...]) -> None:
    """The `__setattr__` and `__delattr__` a frozen dataclass gets, as closures (no code compiled)."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:  # pickling and copying a frozen slotted dataclass
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    for method in (__setattr__, __delattr__, __getstate__, __setstate__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        if method.__name__ not in cls.__dict__:
            setattr(cls, method.__name__, method)


def _materialize(cls: type[Any], namespace: dict[str, Any], lazy: tuple[str, ...]) -> None:
    """Compile `cls`'s generated methods: `dataclasses.dataclass` makes them for a twin of the class
    (its namespace and bases as declared), and they are moved over. They name no class (`__eq__`
    compares `__class__`es, `__repr__` prints `__class__.__qualname__`), so they serve `cls` as they
    would have served it."""
    metaclass: Any = type(cls)
    twin: type[Any] = dataclass(frozen=True, slots=True, kw_only=True)(metaclass(cls.__name__, cls.__bases__, dict(namespace)))
    for name in lazy:
        setattr(cls, name, twin.__dict__[name])
    if not namespace.get("__doc__"):
        cls.__doc__ = twin.__doc__
    if "__init__" in lazy:  # one instance per layer of a spec: built often, so built fast
        quick_init(cls)


def _lazy_method(cls: type[Any], name: str, namespace: dict[str, Any], lazy: tuple[str, ...]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__[name] is method:
            _materialize(cls, namespace, lazy)
        return getattr(cls, name)(self, *args, **kwargs)

    method.__name__, method.__qualname__ = name, f"{cls.__qualname__}.{name}"
    return method


if not TYPE_CHECKING:

    def kind_dataclass(*, frozen: bool, slots: bool, kw_only: bool) -> Callable[[T], T]:
        """`dataclasses.dataclass(frozen=True, slots=True, kw_only=True)`, for layer kinds.

        The class is the one `dataclass` makes (its fields, slots, parameters, frozen attributes),
        but `__init__`, `__repr__`, `__eq__` and `__hash__` are compiled the first time one is
        called, by `dataclass` itself, and `__init__` is then made fast by `quick_init`. Compiling them is most of the cost of a dataclass, and a
        spec uses a few of the ~60 kinds: the others never pay it. mypy checks a kind as the
        dataclass it is (this is `dataclasses.dataclass` to it).
        """
        if not (frozen and slots and kw_only):
            raise TypeError("a layer kind is a frozen, slotted, keyword-only dataclass")

        def make(cls: T) -> T:
            namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
            namespace["__qualname__"] = cls.__qualname__  # as now: a factory renames its class later
            # as dataclass decides: a method the class defines is kept, and so is a __hash__ it sets
            # (Python's own None, for a class that defines __eq__, does not count)
            explicit_hash = "__hash__" in namespace and not (namespace["__hash__"] is None and "__eq__" in namespace)
            lazy = tuple(n for n in _LAZY if (not explicit_hash if n == "__hash__" else n not in namespace))
            made = dataclass(init=False, repr=False, eq=False, slots=True, kw_only=True)(cls)
            made.__dataclass_params__ = _PARAMS
            _frozen_attributes(made, tuple(f.name for f in dataclasses.fields(made)))
            for name in lazy:
                setattr(made, name, _lazy_method(made, name, namespace, lazy))
            if not namespace.get("__doc__"):  # dataclass writes the signature there: it needs __init__
                _materialize(made, namespace, lazy)
            return made

        return make


class NotCheckable(Exception):
    """A kind with no PyTorch counterpart here: verify reports the row, never passes it."""


@dataclass(frozen=True, slots=True)
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
