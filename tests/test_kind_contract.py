"""The layer-kind contract, checked over the whole registry: every kind is a typed rule with a
PyTorch builder beside it (or a stated reason it has none), so no kind can go unverified."""

from __future__ import annotations

import dataclasses

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
