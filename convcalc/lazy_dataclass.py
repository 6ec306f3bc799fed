"""`lazy_dataclass`: the class `dataclasses.dataclass` makes, its generated methods compiled on first use.

Compiling `__init__`, `__repr__`, `__eq__`, `__hash__` (one `exec` each, ~50 µs) is most of the
cost of a dataclass, and convcalc declares ~70 of them; a run uses a few of those methods (a
summary builds rows and never prints one with `repr`). Paid at import, it was ~14 ms of the
~78 ms a `convcalc summary net.yaml --format json` took. So a class declared with `lazy_dataclass(...)` gets its fields, slots,
`__match_args__`, `__dataclass_params__` and frozen attributes at once, and each of those four
methods when it is first looked up (called, read off the class, or asked for its signature):

- a frozen class's `__init__` is `quick_init`'s (the same signature, defaults and keyword-only
  markers); a class that is not frozen gets dataclass's own, whose plain attribute stores are
  faster than quick_init's descriptor calls when no `__setattr__` stands in their way;
- the others are `dataclasses.dataclass`'s own, made for a twin of the class (its namespace and
  bases as declared) with only that method switched on, and moved over. They name no class
  (`__eq__` compares `__class__`es, `__repr__` prints `__class__.__qualname__`), so they serve
  the class as they would have served it.

Only slotted dataclasses are made, frozen or not, keyword-only or not; a frozen one also needs
what quick_init needs (every field in `__init__`, no `__post_init__`). Anything else is refused
when the class is made, as are the bases and field orders `dataclass` refuses. mypy checks a class as the dataclass it is (this is `dataclasses.dataclass` to it).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from convcalc.quick_init import quick_init, refuse_unless_quick

if TYPE_CHECKING:
    from dataclasses import dataclass as lazy_dataclass  # a class is type-checked as the dataclass it is

__all__ = ["lazy_dataclass"]

T = TypeVar("T", bound=type)

# The `dataclass` flags that make one generated method and no other (a frozen class's `__init__`
# is quick_init's instead).
_ALONE: dict[str, dict[str, bool]] = {
    "__init__": {"init": True, "repr": False, "eq": False},  # a class that is not frozen: plain stores are fastest
    "__repr__": {"init": False, "repr": True, "eq": False},
    "__eq__": {"init": False, "repr": False, "eq": True},
    "__hash__": {"init": False, "repr": False, "eq": False, "unsafe_hash": True},  # the frozen+eq hash
    "__doc__": {"init": True, "repr": False, "eq": False},  # the signature written into a bare docstring
}


def _twin(cls: type[Any], namespace: dict[str, Any], kw_only: bool, made: str) -> type[Any]:
    """A class declared as `cls` was, made by `dataclass` with only `made` generated."""
    metaclass: Any = type(cls)
    return dataclasses.dataclass(kw_only=kw_only, **_ALONE[made])(metaclass(cls.__name__, cls.__bases__, dict(namespace)))


class _Lazy:
    """A generated method not made yet: looking it up makes it, puts it on the class and returns it."""

    __slots__ = ("cls", "kw_only", "name", "namespace")

    def __init__(self, cls: type[Any], name: str, namespace: dict[str, Any], kw_only: bool) -> None:
        self.cls, self.name, self.namespace, self.kw_only = cls, name, namespace, kw_only

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        if vars(self.cls).get(self.name) is self:
            if self.name == "__init__" and self.cls.__dataclass_params__.frozen:
                quick_init(self.cls)  # a frozen class's own stores each go through its __setattr__
            else:
                setattr(self.cls, self.name, vars(_twin(self.cls, self.namespace, self.kw_only, self.name))[self.name])
        return vars(self.cls)[self.name].__get__(instance, owner)


def _frozen_attributes(cls: type[Any], names: tuple[str, ...]) -> None:
    """The `__setattr__` and `__delattr__` a frozen dataclass gets, as closures (no code compiled),
    and the `__getstate__`/`__setstate__` that pickle and copy a frozen slotted one. (Assigning a
    name that is no field raises FrozenInstanceError, as it does without slots; Python 3.11's
    slotted dataclass fails there inside `super()` instead.)"""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    for name in ("__setattr__", "__delattr__"):  # as dataclass refuses them
        if name in cls.__dict__:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    for method in (__setattr__, __delattr__, __getstate__, __setstate__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        if method.__name__ not in cls.__dict__:
            setattr(cls, method.__name__, method)


def _refuse_bases(cls: type[Any], frozen: bool) -> None:
    """What `dataclass` refuses of a class's dataclass bases, said when the class is made. A frozen
    class over a frozen dataclass is refused too: its skeleton is made unfrozen (so no
    `__setattr__` is compiled), which `dataclass` would refuse with a misleading message."""
    for base in cls.__mro__[-1:0:-1]:
        params = base.__dict__.get("__dataclass_params__")
        if params is None:
            continue
        if params.frozen and not frozen:
            raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
        if frozen and not params.frozen:
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
        if frozen:
            raise TypeError(
                f"lazy_dataclass cannot extend the frozen dataclass {base.__name__}: "
                f"declare {cls.__name__} with dataclasses.dataclass"
            )


def _check_field_order(cls: type[Any]) -> None:
    """`dataclass(init=False)` skips the check its `__init__` would make: a field without a
    default after one with a default (keyword-only fields aside) is refused now, as dataclass
    refuses it, not when `__init__` is first compiled."""
    defaulted = False
    for f in dataclasses.fields(cls):
        if f.kw_only:
            continue
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


if not TYPE_CHECKING:

    def lazy_dataclass(*, frozen: bool = False, slots: bool = False, kw_only: bool = False) -> Callable[[T], T]:
        """`dataclasses.dataclass(frozen=..., slots=True, kw_only=...)`, its methods made on first use."""
        if not slots:
            raise TypeError("lazy_dataclass makes slotted dataclasses (quick_init stores through the slots)")

        def make(cls: T) -> T:
            _refuse_bases(cls, frozen)
            namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
            namespace["__qualname__"] = cls.__qualname__  # as now: a factory renames its class later
            made = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True, kw_only=kw_only)(cls)
            params = copy.copy(vars(made)["__dataclass_params__"])  # what dataclass records, for the flags it has
            params.init = params.repr = params.eq = True
            params.frozen = frozen
            made.__dataclass_params__ = params
            _check_field_order(made)
            if frozen:
                refuse_unless_quick(made)
                _frozen_attributes(made, tuple(f.name for f in dataclasses.fields(made)))
            for name in ("__init__", "__repr__", "__eq__"):  # as dataclass: a method the class defines is kept
                if name not in namespace:
                    setattr(made, name, _Lazy(made, name, namespace, kw_only))
            # as dataclass decides: a __hash__ the class sets is kept (Python's own None, for a class
            # that defines __eq__, does not count); else frozen and equal is hashable, equal alone is not
            if "__hash__" not in namespace or (namespace["__hash__"] is None and "__eq__" in namespace):
                made.__hash__ = _Lazy(made, "__hash__", namespace, kw_only) if frozen else None
            if not namespace.get("__doc__"):  # dataclass writes the signature there
                made.__doc__ = _twin(made, namespace, kw_only, "__doc__").__doc__
            return made

        return make
