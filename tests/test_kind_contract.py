"""The layer-kind contract, checked over the whole registry: every kind is a typed rule with a
PyTorch builder beside it (or a stated reason it has none), so no kind can go unverified."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from convcalc.layers import kinds
from convcalc.layers.composite import DeformConvCore
from convcalc.layers.kind import CompositeKind, LayerKind
from convcalc.layers.registry import family_spellings

SIMPLE = [kind for kind in kinds() if issubclass(kind, LayerKind)]
# Parts that only composites create are kinds too: they are run and verified as rows.
PARTS = [DeformConvCore]


@pytest.mark.parametrize("kind", SIMPLE + PARTS, ids=lambda k: k.__name__)
def test_every_layer_kind_has_a_torch_builder_or_a_reason(kind):
    assert kind.has_torch_builder() or kind.torch_reason, (
        f"{kind.__name__} has neither to_torch() nor torch_reason: verify could not check it"
    )


@pytest.mark.parametrize("kind", kinds(), ids=lambda k: k.__name__)
def test_every_kind_is_a_frozen_keyword_only_dataclass_of_one_contract(kind):
    assert issubclass(kind, LayerKind) != issubclass(kind, CompositeKind)  # exactly one of the two
    params = kind.__dataclass_params__
    assert params.frozen and dataclasses.is_dataclass(kind)
    assert all(f.kw_only for f in dataclasses.fields(kind))
    assert kind.family == family_spellings(kind)[0].replace("_", "")
    assert kind.example and isinstance(kind.positional, tuple)


def test_a_deleted_builder_is_caught(monkeypatch):
    """What the registry walk above guards against, shown: without its builder a kind fails it."""
    from convcalc.layers.activation import Tanh

    monkeypatch.setattr(Tanh, "to_torch", LayerKind.to_torch)
    assert not Tanh.has_torch_builder() and not Tanh.torch_reason


def test_the_registry_knows_where_each_spelling_lives():
    """`registry.HOMES` (which family module to import for a spelling, so a spec loads only the
    families it uses) lists exactly the spellings each family module registers."""
    from convcalc.layers import registry

    kinds()  # every family imported
    registered = {key: entry.kind.__module__ for key, entry in registry._REGISTRY.items()}
    homes = {name: f"convcalc.layers.{module}" for module, names in registry.HOMES.items() for name in names.split()}
    assert registered == homes


def test_a_spec_imports_only_the_families_it_uses():
    import subprocess
    import sys

    code = (
        "import sys, convcalc\n"
        "convcalc.analyze('input: [3, 8, 8]\\nlayers:\\n  - conv: {out: 4, kernel: 3}\\n  - relu\\n')\n"
        "print(' '.join(m for m in sys.modules if m.startswith('convcalc.layers.')))\n"
    )
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split())
    assert {"convcalc.layers.conv", "convcalc.layers.activation"} <= loaded
    assert not loaded & {"convcalc.layers.pool", "convcalc.layers.composite", "convcalc.layers.resize", "convcalc.layers.pad"}


def test_a_kind_dataclass_is_the_dataclass_dataclass_makes():
    """`kind_dataclass` compiles a kind's methods on first use; the class behaves as
    `dataclass(frozen=True, slots=True, kw_only=True)` makes it, before and after."""
    import copy
    import inspect

    from convcalc.layers.args import arg, positive_int
    from convcalc.layers.kind import kind_dataclass

    def declare(decorator):
        @decorator(frozen=True, slots=True, kw_only=True)
        class Toy(LayerKind):
            example: ClassVar[str] = "toy"
            size: int = arg(positive_int, doc="a size")
            scale: float = 1.0
            tags: tuple[str, ...] = ()

            def infer(self, x, rank):
                return x

        return Toy

    lazy, real = declare(kind_dataclass), declare(dataclasses.dataclass)
    for attribute in ("__dataclass_params__", "__match_args__", "__slots__", "__doc__"):
        assert str(getattr(lazy, attribute)) == str(getattr(real, attribute)), attribute
    assert [(f.name, f.default, f.kw_only, dict(f.metadata)) for f in dataclasses.fields(lazy)] == [
        (f.name, f.default, f.kw_only, dict(f.metadata)) for f in dataclasses.fields(real)
    ]
    made = []
    for cls in (lazy, real):
        one, two = cls(size=2, tags=("a",)), cls(size=2, tags=("a",))
        with pytest.raises(TypeError) as missing:
            cls(scale=2.0)
        with pytest.raises(dataclasses.FrozenInstanceError) as frozen:
            one.size = 3
        with pytest.raises(dataclasses.FrozenInstanceError):
            del one.scale
        made.append((
            repr(one), one == two, one != cls(size=3), hash(one) == hash(two), str(missing.value), str(frozen.value),
            repr(copy.deepcopy(one)), copy.copy(one) == one, repr(dataclasses.replace(one, size=5)),
            str(inspect.signature(cls)),
        ))
    assert made[0] == made[1]
    assert made[0][0] == "test_a_kind_dataclass_is_the_dataclass_dataclass_makes.<locals>.declare.<locals>.Toy(size=2, scale=1.0, tags=('a',))"
