"""A dataflow graph (any importer's) to the spec's tree: chains, joins and named scopes.

Each `GraphNode` reads tensors (`inputs`) and is either layers (`leaves`, usually one; none for a
no-op such as `contiguous()`) or a join (add, concat, mul). The tree follows from dominators:
the paths into a join start at the join's immediate dominator (the fork), and each path is
itself a chain built the same way. A graph that is not series-parallel (a tensor feeding two
joins at different depths) cannot be a spec: that node is reported, not guessed at.

Scopes come last: each leaf and join carries its module path (`('layer1', '0')`); runs of
consecutive items inside the same module become a `Scope` named after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from convcalc.interop.model import Fork, Item, Leaf, Scope, Unsupported

Path = tuple[str, ...]


@dataclass(slots=True)
class GraphNode:
    id: str
    inputs: tuple[str, ...]
    scope: Path = ()
    leaves: tuple[Leaf, ...] = ()
    join: str | None = None
    name: str = ""  # a join's name
    where: str = ""  # source location, for problems


@dataclass(slots=True)
class _Placed:
    """An item before scoping: its own module path, and a fork's paths of placed items."""

    scope: Path
    leaf: Leaf | None = None
    join: str = ""
    name: str = ""
    paths: list[list[_Placed]] = field(default_factory=list)

    def inner_scopes(self) -> list[Path]:
        if self.leaf is not None:
            return [self.scope]
        return [scope for path in self.paths for item in path for scope in item.inner_scopes()]


class NotATree(Exception):
    def __init__(self, problem: Unsupported) -> None:
        super().__init__(str(problem))
        self.problem = problem


def to_tree(nodes: Sequence[GraphNode], source: str, output: str, scope_types: Mapping[Path, str]) -> tuple[Item, ...]:
    """The items computing `output` from `source` (the graph's input), scoped by module path."""
    by_id = {node.id: node for node in nodes}
    order = {node_id: index for index, node_id in enumerate([source, *(n.id for n in nodes)])}
    idom: dict[str, str | None] = {source: None}
    depth = {source: 0}
    for node in nodes:
        preds = [p for p in node.inputs if p in idom]
        if not preds:  # not reachable from the input (a constant): its consumer reports it
            continue
        dom = preds[0]
        for other in preds[1:]:
            dom = _common(dom, other, idom, depth)
        idom[node.id] = dom
        depth[node.id] = depth[dom] + 1
    builder = _Builder(by_id, idom, depth, order)
    placed = builder.chain(source, output)
    return _scoped(placed, 0, scope_types)


def _common(a: str, b: str, idom: Mapping[str, str | None], depth: Mapping[str, int]) -> str:
    while a != b:
        if depth[a] < depth[b]:
            a, b = b, a
        parent = idom[a]
        assert parent is not None
        a = parent
    return a


class _Builder:
    def __init__(
        self, nodes: Mapping[str, GraphNode], idom: Mapping[str, str | None], depth: Mapping[str, int],
        order: Mapping[str, int],
    ) -> None:
        self.nodes, self.idom, self.depth, self.order = nodes, idom, depth, order
        self.used: set[str] = set()

    def fail(self, node: GraphNode, why: str) -> NotATree:
        return NotATree(Unsupported(node.name or node.id, node.where, why))

    def chain(self, start: str, end: str) -> list[_Placed]:
        items: list[_Placed] = []
        at = end
        while at != start:
            node = self.nodes.get(at)
            if node is None or at not in self.depth or self.depth[at] <= self.depth[start]:
                culprit = self.nodes.get(end) or self.nodes[at]
                raise self.fail(culprit, "its inputs branch off where no residual, concat or gate can join them")
            if at in self.used:
                raise self.fail(node, "its output feeds two places that no residual, concat or gate joins")
            self.used.add(at)
            if node.join is None:
                if len(node.inputs) != 1:
                    raise self.fail(node, f"reads {len(node.inputs)} tensors; a layer reads one")
                items[:0] = [_Placed(node.scope, leaf) for leaf in node.leaves]
                at = node.inputs[0]
                continue
            fork = self.idom[at]
            assert fork is not None
            paths = [self.chain(fork, inp) for inp in node.inputs]
            items.insert(0, self.join(node, paths))
            at = fork
        return items

    def join(self, node: GraphNode, paths: list[list[_Placed]]) -> _Placed:
        assert node.join is not None
        if node.join == "add":
            if len(paths) < 2 or sum(1 for p in paths if not p) > 1:
                raise self.fail(node, "adds a tensor to itself")
            paths.sort(key=lambda p: not p)  # an identity path is the shortcut, never the main path
        elif node.join == "mul":
            empty = [p for p in paths if not p]
            if len(paths) != 2 or len(empty) != 1:
                raise self.fail(node, "multiplies two computed tensors; a gate multiplies its input by one path's output")
            paths = [next(p for p in paths if p)]
        return _Placed(node.scope, join=node.join, name=node.name, paths=paths)


def _prefix(scopes: Sequence[Path]) -> Path:
    if not scopes:
        return ()
    common = scopes[0]
    for scope in scopes[1:]:
        size = 0
        while size < min(len(common), len(scope)) and common[size] == scope[size]:
            size += 1
        common = common[:size]
    return common


def _effective(item: _Placed) -> Path:
    """Where an item belongs: a leaf's module; a join's, or (a join written in a forward that is
    not any block's, as exported code does) the module its paths share."""
    if item.leaf is not None:
        return item.scope
    inner = _prefix(item.inner_scopes())
    if not item.scope:
        return inner
    return _prefix([item.scope, inner])


def _scoped(items: Sequence[_Placed], level: int, types: Mapping[Path, str]) -> tuple[Item, ...]:
    return unique_names(_grouped(items, level, types))


def unique_names(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Explicit names once per scope (a fork's paths share it): a repeat gets `_1`, `_2`, ..."""
    taken: set[str] = set()

    def fix(item: Item) -> Item:
        if isinstance(item, Fork):
            item = Fork(item.join, tuple(tuple(fix(i) for i in path) for path in item.paths), item.name)
        if not item.name:
            return item
        name, count = item.name, 0
        while name in taken:
            count += 1
            name = f"{item.name}_{count}"
        taken.add(name)
        return replace(item, name=name)

    return tuple(fix(item) for item in items)


def _grouped(items: Sequence[_Placed], level: int, types: Mapping[Path, str]) -> tuple[Item, ...]:
    out: list[Item] = []
    run: list[_Placed] = []
    run_key: Path = ()

    def flush() -> None:
        if run:
            out.append(Scope(run_key[-1], _scoped(run, level + 1, types), types.get(run_key, "")))
            run.clear()

    for item in items:
        scope = _effective(item)
        if len(scope) > level:
            key = scope[: level + 1]
            if run and key != run_key:
                flush()
            run_key = key
            run.append(item)
            continue
        flush()
        if item.leaf is not None:
            out.append(item.leaf)
        else:
            paths = tuple(_scoped(path, level, types) for path in item.paths)
            out.append(Fork(item.join, paths, item.name))
    flush()
    return tuple(out)
