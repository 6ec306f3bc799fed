"""What large specs are read and analysed with (issue 12's 100k-layer budget) keeps every meaning:
quick_init's frozen classes, the collector's pause, the memoising spec loader, the layers list
read item by item. Timings live in bench/run.py, never here."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

import pytest
import yaml

from convcalc.engine import analyze
from convcalc.engine.collector import collector_paused
from convcalc.errors import SpecError
from convcalc.quick_init import quick_init
from convcalc.spec import parse_spec
from convcalc.spec.from_yaml import _SpecLoader

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Sample:
    a: int
    b: str = "b"
    c: list[int] = dataclasses.field(default_factory=list, compare=False)
    d: int = dataclasses.field(default=4, kw_only=True)


def test_quick_init_keeps_the_dataclass_contract():
    made = _Sample(1)
    assert (made.a, made.b, made.c, made.d) == (1, "b", [], 4)
    assert _Sample(1, "x", [2], d=5) == _Sample(a=1, b="x", c=[3], d=5)  # c is not compared
    assert hash(_Sample(1)) == hash(_Sample(1)) and _Sample(1).c is not _Sample(1).c  # one new list each
    assert dataclasses.replace(made, b="y") == _Sample(1, "y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.a = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        _Sample(1, "b", [], 5)  # type: ignore[misc]  # d is keyword-only, as dataclass made it
    with pytest.raises(TypeError):
        _Sample()  # type: ignore[call-arg]


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Wide:  # five fields or more: built through its mutable twin
    a: int
    b: int
    c: int
    d: list[int] = dataclasses.field(default_factory=list)
    e: int = dataclasses.field(default=5, kw_only=True)


def test_quick_init_builds_a_wide_class_through_its_twin_and_returns_the_class_itself():
    made = _Wide(1, 2, 3)
    assert type(made) is _Wide and (made.a, made.b, made.c, made.d, made.e) == (1, 2, 3, [], 5)
    assert made == _Wide(1, 2, 3, [], e=5) and made.d is not _Wide(1, 2, 3).d  # one new list each
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.a = 2  # type: ignore[misc]
    assert dataclasses.replace(made, e=6) == _Wide(1, 2, 3, e=6)

    class Sub(_Wide):  # inherits the __init__: its own layout, built through the descriptors
        __slots__ = ("extra",)

    sub = Sub(1, 2, 3, e=7)
    assert type(sub) is Sub and (sub.a, sub.e) == (1, 7)


def test_quick_init_refuses_what_it_cannot_build():
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(slots=True)
    class NotFrozen:  # its own __init__ is faster than quick_init's
        a: int

    for cls in (NoSlots, PostInit, NotFrozen):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_the_collector_pause_restores_the_collector_and_keeps_frozen_objects_frozen():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(1000)]
    assert gc.isenabled() and kept[-1] == [999] and gc.get_count()[0] < 100
    gc.freeze()  # a program that keeps its objects frozen (a pre-fork server) is left as it was
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()  # paused inside a pause, or with the collector off: it stays off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.yaml")), ids=lambda p: p.name)
def test_the_spec_loader_composes_every_node_as_pyyaml_does(path):
    """Same nodes, tags and positions: the cached resolver and the stand-ins for the path-resolver
    hooks change nothing that is composed."""
    text = path.read_text(encoding="utf-8")

    def nodes(root: yaml.Node | None) -> list[tuple[str, str, object, tuple[int, ...]]]:
        found, stack = [], [root] if root is not None else []
        while stack:
            node = stack.pop()
            start, end = node.start_mark, node.end_mark
            where = (start.line, start.column, end.line, end.column)
            found.append((type(node).__name__, node.tag, node.value if isinstance(node.value, str) else None, where))
            if isinstance(node.value, list):
                for child in node.value:
                    stack.extend(child if isinstance(child, tuple) else [child])
        return found

    plain = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert nodes(yaml.compose(text, Loader=_SpecLoader)) == nodes(plain)


def test_the_spec_loader_is_let_go_once_the_document_is_read():
    gc.collect()
    with collector_paused():
        parse_spec("input: [3, 8, 8]\nlayers: [relu, relu]\n")
        with pytest.raises(SpecError):
            parse_spec("input: [3, 8, 8]\nlayers: [relu, {conv: [}\n")
        alive = [o for o in gc.get_objects() if type(o) is _SpecLoader]  # type(): no object is asked anything
    assert alive == []


def test_a_layers_list_shared_by_an_alias_is_read_whole():
    # The layers list is read item by item, letting go of each, only when no alias shares a node:
    # here the block's body is the layers list itself, so both readings must see every item.
    text = "input: [3, 8, 8]\nlayers: &L\n  - relu\n  - blk\ndefine:\n  blk: {layers: *L}\n"
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    assert caught.value.render().startswith("t.yaml:4:5: error: the block 'blk' uses itself (blk → blk)")
    aliased = "input: [3, 8, 8]\nlayers:\n  - &c {conv: {out: 4, kernel: 3}}\n  - relu\n  - *c\n"
    assert [row.name for row in analyze(parse_spec(aliased)).layers] == ["conv1", "relu1", "conv2"]


def test_numbers_are_read_as_pyyaml_reads_them():
    text = "input: [3, 8, 8]\nlayers:\n  - conv: {out: 010, kernel: 0x3, stride: 1_0, padding: 0}\n  - dropout: {p: 0.5}\n"
    first = parse_spec(text).layers[0]
    assert (first.args.out_channels, first.args.kernel_size, first.args.stride, first.args.padding) == (8, 3, 10, 0)
    with pytest.raises(SpecError, match="digits"):
        parse_spec("input: [3, 8, 8]\nlayers:\n  - conv: {out: 1234567890123456789012, kernel: 3}\n")
