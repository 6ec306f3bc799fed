"""The one registry of layer kinds.

A kind is registered once, with every spelling it answers to. Spellings are compared after
lower-casing and dropping underscores, so PyTorch's class names (`MaxPool2d` -> `maxpool2d`)
and torch.nn.functional's snake_case (`max_pool2d`) reach the same kind without listing both.

A family module is imported the first time one of its spellings is looked up (`HOMES` says
where each spelling lives), so a spec of convolutions and ReLUs never builds the ~60 classes of
the families it does not use: building a kind's dataclass is most of what importing a family
costs. Listing every kind (`kinds`, `spellings`, `family_spellings`) imports them all first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from convcalc.layers.kind import CompositeKind, KindBase, LayerKind
from convcalc.lazy_dataclass import lazy_dataclass

K = TypeVar("K", bound=KindBase)


@lazy_dataclass(frozen=True, slots=True)
class Entry:
    """A spelling's meaning: the kind, its family (for auto names) and a rank fixed by the name."""

    kind: type[LayerKind | CompositeKind]
    family: str
    rank: int | None  # conv2d fixes 2; conv takes the rank from its input
    display: str | None  # how the report names the kind; None: family + rank from the input


_REGISTRY: dict[str, Entry] = {}
_FOUND: dict[str, Entry] = {}  # spellings as written -> entry, so a 100k-layer spec normalises each once

# Each family module (convcalc.layers.<module>) and the normalised spellings it registers, in the
# order of `convcalc kinds` and the README reference. Adding a kind: register it in its family
# module and add its spellings here (tests/test_kind_contract.py checks that the two agree).
HOMES: dict[str, str] = {
    "conv": "conv conv1d conv2d conv3d convtranspose convtranspose1d convtranspose2d convtranspose3d deconv",
    "composite": "separable separableconv depthwiseseparable spatialseparable deformconv deformconv2d",
    "pool": "maxpool maxpool1d maxpool2d maxpool3d avgpool avgpool1d avgpool2d avgpool3d lppool lppool1d lppool2d "
    "lppool3d adaptiveavgpool adaptiveavgpool1d adaptiveavgpool2d adaptiveavgpool3d adaptivemaxpool "
    "adaptivemaxpool1d adaptivemaxpool2d adaptivemaxpool3d globalavgpool globalmaxpool",
    "resize": "upsample interpolate pixelshuffle pixelunshuffle crop centercrop",
    "pad": "zeropad zeropad1d zeropad2d zeropad3d constantpad constantpad1d constantpad2d constantpad3d reflectionpad "
    "reflectionpad1d reflectionpad2d reflectionpad3d replicationpad replicationpad1d replicationpad2d replicationpad3d",
    "linear": "linear dense fc",
    "norm": "batchnorm batchnorm1d batchnorm2d batchnorm3d layernorm groupnorm layernorm2d layerscale instancenorm "
    "instancenorm1d instancenorm2d instancenorm3d localresponsenorm lrn",
    "reshape": "flatten dropout dropout1d dropout2d dropout3d alphadropout stochasticdepth droppath channelshuffle permute",
    "activation": "sigmoid tanh identity relu relu6 silu hardswish hardsigmoid mish gelu leakyrelu elu softmax logsoftmax "
    "prelu",
}
_HOME = {spelling: module for module, spellings in HOMES.items() for spelling in spellings.split()}
# What each module registered, so a module imported while `_REGISTRY` was swapped for a copy (a
# test's scratch registry) still reaches the registry that is current when it is looked up again.
_REGISTERED: dict[str, list[tuple[str, Entry]]] = {}


def normalize(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def register(family: str, *also: str, ranked: bool = False) -> Callable[[type[K]], type[K]]:
    """Class decorator: `family` (and `also`) name the kind; `ranked` adds family1d/2d/3d."""

    def add(kind: type[K]) -> type[K]:
        if not issubclass(kind, (LayerKind, CompositeKind)):
            raise TypeError(f"{kind.__name__} must subclass LayerKind or CompositeKind")
        kind.family = family
        spellings = {family: Entry(kind, family, None, None if ranked else family)}
        if ranked:
            for rank in (1, 2, 3):
                spellings[f"{family}{rank}d"] = Entry(kind, family, rank, f"{family}{rank}d")
        for name in also:
            spellings[name] = Entry(kind, family, None, name)
        for name, entry in spellings.items():
            key = normalize(name)
            if key in _REGISTRY:
                raise RuntimeError(f"layer kind spelling {name!r} registered twice")
            _REGISTRY[key] = entry
            _REGISTERED.setdefault(kind.__module__, []).append((key, entry))
        _FOUND.clear()
        return kind

    return add


def _load(module: str) -> None:
    """Import a family module (its kinds register themselves) and make sure the current registry
    holds what it registered."""
    name = f"convcalc.layers.{module}"
    __import__(name)  # an import statement's own path (`python -X importtime` lists it; import_module it does not)
    for key, entry in _REGISTERED.get(name, ()):
        _REGISTRY.setdefault(key, entry)


def _load_all() -> None:
    for module in HOMES:
        _load(module)


def lookup(name: str) -> Entry | None:
    entry = _FOUND.get(name)
    if entry is None:
        key = normalize(name)
        entry = _REGISTRY.get(key)
        if entry is None and key in _HOME:
            _load(_HOME[key])
            entry = _REGISTRY.get(key)
        if entry is not None:
            _FOUND[name] = entry
    return entry


def spellings() -> list[str]:
    """Every registered spelling, for "did you mean" suggestions and the docs."""
    _load_all()
    return sorted(_REGISTRY)


_RANK = {f"convcalc.layers.{module}": rank for rank, module in enumerate(HOMES)}


def _family_order(item: tuple[str, Entry]) -> int:
    """A kind's place: its module's in `HOMES` (a kind registered elsewhere comes after them all)."""
    return _RANK.get(item[1].kind.__module__, len(HOMES))


def kinds() -> list[type[LayerKind | CompositeKind]]:
    """Each registered kind once, family by family in `HOMES` order, each family's in registration order."""
    _load_all()
    seen: dict[int, type[LayerKind | CompositeKind]] = {}
    for _, entry in sorted(_REGISTRY.items(), key=_family_order):
        seen.setdefault(id(entry.kind), entry.kind)
    return list(seen.values())


def family_spellings(kind: type[KindBase]) -> list[str]:
    _load_all()
    return [name for name, entry in _REGISTRY.items() if entry.kind is kind]
