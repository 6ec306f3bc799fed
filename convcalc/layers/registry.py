"""The one registry of layer kinds.

A kind is registered once, with every spelling it answers to. Spellings are compared after
lower-casing and dropping underscores, so PyTorch's class names (`MaxPool2d` -> `maxpool2d`)
and torch.nn.functional's snake_case (`max_pool2d`) reach the same kind without listing both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from convcalc.layers.kind import CompositeKind, KindBase, LayerKind
from convcalc.quick_init import quick_init

K = TypeVar("K", bound=KindBase)


@dataclass(frozen=True, slots=True)
class Entry:
    """A spelling's meaning: the kind, its family (for auto names) and a rank fixed by the name."""

    kind: type[LayerKind | CompositeKind]
    family: str
    rank: int | None  # conv2d fixes 2; conv takes the rank from its input
    display: str | None  # how the report names the kind; None: family + rank from the input


_REGISTRY: dict[str, Entry] = {}
_FOUND: dict[str, Entry] = {}  # spellings as written -> entry, so a 100k-layer spec normalises each once


def normalize(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def register(family: str, *also: str, ranked: bool = False) -> Callable[[type[K]], type[K]]:
    """Class decorator: `family` (and `also`) name the kind; `ranked` adds family1d/2d/3d."""

    def add(kind: type[K]) -> type[K]:
        if not issubclass(kind, (LayerKind, CompositeKind)):
            raise TypeError(f"{kind.__name__} must subclass LayerKind or CompositeKind")
        kind.family = family
        try:
            quick_init(kind)  # one instance per layer of a spec: built often
        except TypeError:
            pass  # a kind quick_init cannot build (no slots, a __post_init__) keeps dataclass's __init__
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
        _FOUND.clear()
        return kind

    return add


def lookup(name: str) -> Entry | None:
    entry = _FOUND.get(name)
    if entry is None:
        entry = _REGISTRY.get(normalize(name))
        if entry is not None:
            _FOUND[name] = entry
    return entry


def spellings() -> list[str]:
    """Every registered spelling, for "did you mean" suggestions and the docs."""
    return sorted(_REGISTRY)


def kinds() -> list[type[LayerKind | CompositeKind]]:
    """Each registered kind once, in registration order."""
    seen: dict[int, type[LayerKind | CompositeKind]] = {}
    for entry in _REGISTRY.values():
        seen.setdefault(id(entry.kind), entry.kind)
    return list(seen.values())


def family_spellings(kind: type[KindBase]) -> list[str]:
    return [name for name, entry in _REGISTRY.items() if entry.kind is kind]
