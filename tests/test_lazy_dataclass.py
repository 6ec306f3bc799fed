"""`lazy_dataclass` makes the class `dataclasses.dataclass` makes: each declaration below is made
both ways and every observable answer compared, before and after its methods are first used."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any, ClassVar

import pytest

from convcalc.lazy_dataclass import lazy_dataclass


def declare(decorator: Any, **flags: Any) -> list[type]:
    """The same classes, made by `decorator`."""

    @decorator(slots=True, **flags)
    class Plain:
        """Fields with defaults, a factory, and fields left out of repr and of comparison."""

        size: int
        tags: tuple[str, ...] = ()
        seen: list[int] = dataclasses.field(default_factory=list, compare=False)
        secret: str = dataclasses.field(default="s", repr=False)
        late: int = dataclasses.field(default=0, kw_only=True)
        unit: ClassVar[str] = "px"

        def doubled(self) -> int:
            return 2 * self.size

    @decorator(slots=True, **flags)
    class Bare:
        a: int
        b: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    @decorator(slots=True, **flags)
    class Custom:
        """Methods the class defines are kept."""

        a: int

        def __repr__(self) -> str:
            return "custom"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Custom)

    @decorator(slots=True, **flags)
    class Hashed:
        """A hash the class sets is kept."""

        a: int

        def __hash__(self) -> int:
            return 7

    return [Plain, Bare, Custom, Hashed]


FLAGS = [{"frozen": True}, {"frozen": True, "kw_only": True}, {}]


def observe(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """Everything about `cls` and two of its instances, as text (the twin's names differ only by identity)."""
    seen: list[Any] = [
        str(cls.__dataclass_params__),  # type: ignore[attr-defined]
        cls.__match_args__,  # type: ignore[attr-defined]
        cls.__slots__,  # type: ignore[attr-defined]
        cls.__doc__,
        str(inspect.signature(cls)),  # asked first: the signature is there before any instance
        cls.__init__.__annotations__,  # type: ignore[misc]
        cls.__hash__ is None,
        [(f.name, f.default, f.kw_only, f.compare, f.repr, f.init, f.hash) for f in dataclasses.fields(cls)],
    ]
    one, two = cls(*args, **kwargs), cls(*args, **kwargs)
    first = dataclasses.fields(cls)[0].name
    other = dataclasses.replace(one, **{first: 5})
    seen += [repr(one), one == two, one != other, one == other, one == object(), repr(other)]
    if cls.__hash__ is not None:
        seen.append(hash(one) == hash(two))
    else:
        with pytest.raises(TypeError) as unhashable:
            hash(one)
        seen.append(str(unhashable.value))
    for bad in ((), (1, 2, 3, 4, 5, 6), ("x",) * 9):
        with pytest.raises(TypeError) as wrong:
            cls(*bad)
        seen.append(str(wrong.value))
    for change in (lambda: setattr(one, first, 1), lambda: delattr(one, first)):
        try:
            change()
            seen.append(("changed", repr(one)))
        except Exception as error:  # noqa: BLE001  (which error, and its words, are what is compared)
            seen.append((type(error).__name__, str(error)))
    seen += [repr(copy.copy(two)), copy.deepcopy(two) == two]
    if cls.__match_args__:  # type: ignore[attr-defined]
        match two:
            case cls(first):  # type: ignore[misc]
                seen.append(("matched", first))
    name, cls.__qualname__ = cls.__qualname__, "_Pickled"  # pickle finds a class by its name
    globals()["_Pickled"] = cls
    try:
        seen.append(repr(pickle.loads(pickle.dumps(two))))
    finally:
        cls.__qualname__ = name
    return seen


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_a_lazy_dataclass_is_the_dataclass_dataclass_makes(flags):
    lazy, real = declare(lazy_dataclass, **flags), declare(dataclasses.dataclass, **flags)
    calls = {"Plain": ((3, ("a",)), {"late": 1}), "Bare": ((1,), {}), "Custom": ((1,), {}), "Hashed": ((1,), {})}
    for made, twin in zip(lazy, real):
        args, kwargs = calls[made.__name__]
        if flags.get("kw_only"):
            names = [f.name for f in dataclasses.fields(twin)]
            args, kwargs = (), {**dict(zip(names, args)), **kwargs}
        assert observe(made, args, kwargs) == observe(twin, args, kwargs), made.__name__


def test_a_lazy_dataclass_compiles_a_method_only_when_it_is_used():
    (plain, *_) = declare(lazy_dataclass, frozen=True)
    lazy = {name for name in ("__init__", "__repr__", "__eq__", "__hash__") if not inspect.isfunction(vars(plain)[name])}
    assert lazy == {"__init__", "__repr__", "__eq__", "__hash__"}
    plain(1) == plain(1)  # noqa: B015  (comparing is what is tested)
    assert not inspect.isfunction(vars(plain)["__repr__"]) and not inspect.isfunction(vars(plain)["__hash__"])
    assert inspect.isfunction(vars(plain)["__init__"]) and inspect.isfunction(vars(plain)["__eq__"])


def test_lazy_dataclass_refuses_what_it_cannot_make():
    with pytest.raises(TypeError):
        lazy_dataclass(frozen=True)  # not slotted

    def post_init(cls: Any) -> None:
        cls.__post_init__ = lambda self: None

    def own_setattr(cls: Any) -> None:
        cls.__setattr__ = lambda self, name, value: None

    for change, flags in ((post_init, {"frozen": True}), (own_setattr, {"frozen": True})):
        class Declared:
            a: int

        change(Declared)
        with pytest.raises(TypeError):
            lazy_dataclass(slots=True, **flags)(Declared)


def test_a_class_that_is_not_frozen_is_built_by_dataclass_own_init():
    """Its stores go through a `__setattr__` of its own, and its `__post_init__` runs, as dataclass does it."""
    seen: list[tuple[str, object]] = []

    @lazy_dataclass(slots=True)
    class Watched:
        a: int
        b: list[int] = dataclasses.field(default_factory=list)

        def __setattr__(self, name: str, value: object) -> None:
            seen.append((name, value))
            object.__setattr__(self, name, value)

        def __post_init__(self) -> None:
            seen.append(("post", self.a))

    made = Watched(1)
    assert (made.a, made.b) == (1, []) and seen == [("a", 1), ("b", []), ("post", 1)]


def test_what_dataclass_refuses_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @lazy_dataclass(frozen=True, slots=True)
        class Order:
            """A field without a default after one with a default."""

            a: int = 1
            b: int  # type: ignore[misc]

    @lazy_dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordsOnly:  # keyword-only fields may come in any order, as in dataclass
        """Keyword-only."""

        a: int = 1
        b: int

    assert KeywordsOnly(b=2).a == 1

    @lazy_dataclass(frozen=True, slots=True)
    class Frozen:
        """A frozen base."""

        a: int

    @lazy_dataclass(slots=True)
    class Thawed:
        """A base that is not frozen."""

        a: int

    for base, flags, message in (
        (Frozen, {}, "cannot inherit non-frozen dataclass from a frozen one"),
        (Thawed, {"frozen": True}, "cannot inherit frozen dataclass from a non-frozen one"),
        (Frozen, {"frozen": True}, "cannot extend the frozen dataclass Frozen"),
    ):
        with pytest.raises(TypeError, match=message):
            lazy_dataclass(slots=True, **flags)(type("Child", (base,), {"__annotations__": {"b": int}, "__doc__": "x"}))
