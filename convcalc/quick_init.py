"""A faster `__init__` for the frozen, slotted dataclasses made once (or more) per layer.

A frozen dataclass's generated `__init__` stores each field with `object.__setattr__`, which
looks the name up through the class's MRO on every call: a 20-field row took ~2 µs to build
(~4 µs with keywords), a large share of analysing a 100k-layer spec. `quick_init` replaces it
with one that stores each field through its slot descriptor directly, same signature, defaults
and keyword-only markers; the class stays frozen (assignment still raises), equal and hashable
exactly as before. Only what these classes use is supported: a frozen dataclass with
`__slots__`, every field in `__init__` and no `__post_init__`; anything else is refused when the
class is made. (A class that is not frozen gains nothing: its own `__init__`'s plain attribute
stores are faster than descriptor calls.) `lazy_dataclass` makes a frozen class's `__init__` this way.
"""

from __future__ import annotations

import dataclasses
from types import MemberDescriptorType
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


class _Factory:
    """Stands for "not given" where the field's default comes from a factory; a signature shows
    it as dataclass's own stand-in shows, `<factory>`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def refuse_unless_quick(cls: type) -> None:
    """Raise TypeError unless quick_init can build `cls`'s `__init__` (see the module's docstring)."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"quick_init needs a slotted dataclass, not {cls.__name__}")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"quick_init does not run {cls.__name__}.__post_init__")
    if not vars(cls)["__dataclass_params__"].frozen:
        raise TypeError(f"quick_init is for frozen dataclasses: {cls.__name__}'s own __init__ is faster")
    for f in dataclasses.fields(cls):
        if not f.init:
            raise TypeError(f"quick_init needs every field of {cls.__name__} in __init__ ({f.name} is not)")
        _slot(cls, f.name)


def quick_init(cls: C) -> C:
    """Class decorator, applied after (above) `@dataclass(frozen=True, slots=True)`."""
    refuse_unless_quick(cls)
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    positional_types: dict[str, Any] = {}
    keyword_types: dict[str, Any] = {}
    for number, f in enumerate(dataclasses.fields(cls)):
        (keyword_types if f.kw_only else positional_types)[f.name] = f.type
        setter = f"_set{number}"
        names[setter] = _slot(cls, f.name).__set__
        param = f.name
        if f.default is not dataclasses.MISSING:
            names[f"_default{number}"] = f.default
            param += f"=_default{number}"
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory{number}"] = f.default_factory
            param += "=_FACTORY"
            body.append(f"    if {f.name} is _FACTORY: {f.name} = _factory{number}()")
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    {setter}(self, {f.name})")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n" + "\n".join(body or ["    pass"])  # from field names alone
    exec(source, names)  # noqa: S102
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**positional_types, **keyword_types, "return": None}  # dataclass's, in its order
    setattr(cls, "__init__", init)  # noqa: B010  (mypy refuses assigning a method)
    return cls


def _slot(cls: type, name: str) -> MemberDescriptorType:
    """The member descriptor of the slot that holds field `name` (a base class's, if inherited)."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            if not isinstance(found, MemberDescriptorType):
                break
            return found
    raise TypeError(f"quick_init needs a slot for {cls.__name__}.{name}")
