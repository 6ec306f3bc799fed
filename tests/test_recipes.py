"""The README's extension recipes, done: a new layer kind and a new construct, each added the way
the Design section says (one class, registered in one place) and seen to work end to end — the
YAML reader, the engine and, with torch, `verify` — with no other module touched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from conftest import needs_torch

from convcalc.engine import analyze, trace
from convcalc.errors import SpecError
from convcalc.layers import graph, registry
from convcalc.layers.args import arg, positive_int
from convcalc.layers.kind import LayerKind, TorchBuild
from convcalc.layers.tensor import LayerError, Outcome, TensorInfo
from convcalc.spec import parse_spec


@pytest.fixture
def scratch_registry(monkeypatch):
    """Registrations made by a test are undone after it, so the real registry stays as shipped."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def _channel_shuffle() -> type[LayerKind]:
    @registry.register("toyshuffle")
    @dataclass(frozen=True, slots=True, kw_only=True)
    class ToyShuffle(LayerKind):
        """Channel shuffle (torch.nn.ChannelShuffle): channels regrouped, shape kept."""

        positional: ClassVar[tuple[str, ...]] = ("groups",)
        example: ClassVar[str] = "toyshuffle:2"
        groups: int = arg(positive_int, doc="number of groups")

        def infer(self, x: TensorInfo, rank: int | None) -> Outcome:
            if x.channels % self.groups:
                raise LayerError(f"groups={self.groups} does not divide {x.channels} channels", arg="groups")
            return Outcome(out=x)

        def to_torch(self, build: TorchBuild) -> Any:
            return build.nn.ChannelShuffle(self.groups)

    return ToyShuffle


RECIPE_KIND = """\
input: [4, 8, 8]
layers:
  - conv: {out: 6, kernel: 3}
  - toyshuffle: {groups: 4}
"""


def test_a_kind_added_by_the_recipe_reaches_the_reader_and_the_engine(scratch_registry):
    _channel_shuffle()
    report = analyze(parse_spec("input: [4, 8, 8]\nlayers:\n  - toyshuffle: 2\n", "k.yaml"))
    assert [row.kind for row in report.layers] == ["toyshuffle"]
    assert report.output_shape == (1, 4, 8, 8)
    with pytest.raises(SpecError) as refused:
        analyze(parse_spec(RECIPE_KIND, "k.yaml"))
    assert refused.value.render() == (
        "k.yaml:4:26: error: toyshuffle1 (toyshuffle): groups=4 does not divide 6 channels\n"
        "      - toyshuffle: {groups: 4}\n"
        "                             ^"
    )


@needs_torch
def test_a_kind_added_by_the_recipe_is_verified(scratch_registry):
    from convcalc.verify.run import verify

    _channel_shuffle()
    network = parse_spec("input: [4, 8, 8]\nlayers:\n  - conv: {out: 8, kernel: 3}\n  - toyshuffle: 2\n", "k.yaml")
    result = verify(network, trace(network))
    assert result.agrees and [c.status for c in result.checks] == ["agrees", "agrees"]


class Subtract(graph.Join):
    """A construct added by the recipe: main minus shortcut (same shapes, like a residual add)."""

    name = "sub"
    yaml_key = "difference"
    keys = ("main", "shortcut")
    labels = ("main", "shortcut")
    path_names = ("a difference's 'main'", "a difference's 'shortcut'")
    hint = "difference: {main: [...], shortcut: [...]}"

    def rule(self, node: Any, x: TensorInfo, ends: list[graph.PathEnd]) -> graph.Joined:
        return graph.Add().rule(node, x, ends)

    def torch(self, torch: Any, x: Any, outs: list[Any]) -> Any:
        return outs[0] - outs[1]

    def source(self, x: str, outs: list[str]) -> str:
        return f"{outs[0]} - {outs[1]}"


RECIPE_JOIN = """\
input: [3, 8, 8]
layers:
  - difference:
      main: [{conv: {out: 3, kernel: 3, padding: 1}}]
"""


@pytest.fixture
def with_subtract(monkeypatch):
    join = Subtract()
    monkeypatch.setitem(graph.JOINS, join.name, join)
    monkeypatch.setitem(graph.CONSTRUCTS, join.yaml_key, join)


def test_a_construct_added_by_the_recipe_is_read_and_analysed(with_subtract):
    report = analyze(parse_spec(RECIPE_JOIN, "j.yaml"))
    assert [(row.name, row.kind, row.output_shape) for row in report.layers] == [
        ("conv1", "conv2d", (1, 3, 8, 8)),
        ("sub1", "sub", (1, 3, 8, 8)),
    ]


@needs_torch
def test_a_construct_added_by_the_recipe_is_verified(with_subtract):
    from convcalc.verify.run import verify

    network = parse_spec(RECIPE_JOIN, "j.yaml")
    assert verify(network, trace(network)).agrees
