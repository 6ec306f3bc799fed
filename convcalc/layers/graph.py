"""Joins: where branches meet. Each join is one registered object holding how it is written in
YAML, its shape and receptive-field rule, and its PyTorch operation, so a new construct is one
class here plus tests.

A path's end is described by `PathEnd`: its tensor and the row that produced it (none for an
identity path), so a mismatch can say which layer made each shape and where it is written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from math import prod
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from convcalc.errors import SpecError
from convcalc.formats import shape_text
from convcalc.layers.rf import AxisRF
from convcalc.layers.tensor import TensorInfo
from convcalc.lazy_dataclass import lazy_dataclass
from convcalc.source import Span

if TYPE_CHECKING:
    from convcalc.layers.rf import Exact
    from convcalc.network import Branches


@lazy_dataclass(frozen=True, slots=True)
class PathEnd:
    """One path of a construct as it reaches the join: its label, output tensor, last row and span."""

    label: str
    tensor: TensorInfo
    producer: str | None  # the dotted name of the path's last row; None: the path is the identity
    span: Span | None


@lazy_dataclass(frozen=True, slots=True)
class Joined:
    """What a join makes of its paths: the output tensor, its MACs, why the fields do not line up."""

    out: TensorInfo
    macs: int
    misaligned: str | None  # why the receptive fields of the paths do not line up, if they don't


class Join(ABC):
    """One construct: its YAML spelling and its rules.

    `yaml_key` is the construct's key in a spec; `keys` are the keys its mapping form accepts,
    the first required (the short form `key: [...]` stands for it); `listed`: the first key holds
    a list of paths (concat) rather than one path; `labels` name the paths in `path` addresses.
    """

    name: ClassVar[str]
    yaml_key: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    labels: ClassVar[tuple[str, ...]]
    path_names: ClassVar[tuple[str, ...]]  # each key's paths, as error messages name them
    listed: ClassVar[bool] = False
    min_paths: ClassVar[int] = 1
    options: ClassVar[tuple[str, ...]] = ()  # keys of the mapping form that are settings, not paths
    hint: ClassVar[str]

    def inputs(self, node: Branches, x: TensorInfo) -> list[TensorInfo]:
        """What each path reads: the input itself, unless the construct splits it."""
        return [x] * len(node.paths)

    def torch_inputs(self, torch: Any, node: Branches, x: Any) -> list[Any]:
        """The same on real tensors (verify)."""
        return [x] * len(node.paths)

    @abstractmethod
    def rule(self, node: Branches, x: TensorInfo, ends: list[PathEnd]) -> Joined:
        """The join row's output; a SpecError that lists every path's shape when they do not fit."""

    @abstractmethod
    def torch(self, torch: Any, x: Any, outs: list[Any]) -> Any:
        """The same join on real tensors (verify)."""

    @abstractmethod
    def source(self, x: str, outs: list[str]) -> str:
        """The join as a PyTorch expression over variable names (`export --to torch`)."""

    def inputs_source(self, node: Branches, x: str, channels: int) -> str | None:
        """The expression that gives each path its input, when it is not `x` itself (a split)."""
        return None


class Add(Join):
    """Residual add: the sum of the paths; an empty path is the identity shortcut."""

    name = "add"
    yaml_key = "residual"
    keys = ("main", "shortcut")
    labels = ("main", "shortcut")
    path_names = ("a residual's 'main'", "a residual's 'shortcut'")
    hint = "residual: {main: [...], shortcut: [...]} (leave out shortcut for the identity)"

    def rule(self, node: Branches, x: TensorInfo, ends: list[PathEnd]) -> Joined:
        # One pass over the paths' tensors (not a generator per question: once per join)
        tensors = [end.tensor for end in ends]
        first = tensors[0]
        shape, layout = first.shape, first.layout
        same_shape = same_layout = True
        nominal = False
        for tensor in tensors:
            same_shape = same_shape and tensor.shape == shape
            same_layout = same_layout and tensor.layout == layout
            nominal = nominal or tensor.nominal
        if not same_shape:
            _mismatch(node, ends, "residual add needs every path to end in the same shape", _add_hint(ends))
        if not same_layout:
            # same shape, different meaning per axis: nothing to say about the field
            return Joined(TensorInfo(shape, None, nominal), 0, None)
        rf, misaligned = _merge([tensor.rf for tensor in tensors])
        return Joined(TensorInfo(shape, rf, nominal, layout), 0, misaligned)

    def torch(self, torch: Any, x: Any, outs: list[Any]) -> Any:
        out = outs[0]
        for other in outs[1:]:
            out = out + other
        return out

    def source(self, x: str, outs: list[str]) -> str:
        return " + ".join(outs)


class Concat(Join):
    """Channel concat: the paths stacked along channels; an empty path is the identity (DenseNet)."""

    name = "concat"
    yaml_key = "concat"
    keys = ("branches",)
    labels = ()  # branch1, branch2, ... as many as written
    path_names = ("a concat branch",)
    listed = True
    min_paths = 2
    hint = "concat: [[...], [...]] with one list of layers per branch ([] is the input itself)"

    def rule(self, node: Branches, x: TensorInfo, ends: list[PathEnd]) -> Joined:
        shapes = [end.tensor.shape for end in ends]
        if len({len(s) for s in shapes}) > 1 or len({s[1:] for s in shapes}) > 1:
            _mismatch(
                node,
                ends,
                "concat stacks channels, so every branch must end in the same spatial size",
                "give every branch the same stride and 'same'-style padding",
            )
        out = (sum(s[0] for s in shapes), *shapes[0][1:])
        if any(end.tensor.layout is not None for end in ends):  # stacked along dim 1, which is spatial here
            return Joined(TensorInfo(out, None, _nominal(ends)), 0, None)
        rf, misaligned = _merge([end.tensor.rf for end in ends])
        return Joined(TensorInfo(out, rf, _nominal(ends)), 0, misaligned)

    def torch(self, torch: Any, x: Any, outs: list[Any]) -> Any:
        return torch.cat(outs, dim=1)

    def source(self, x: str, outs: list[str]) -> str:
        return f"torch.cat([{', '.join(outs)}], 1)"


class Mul(Join):
    """Gate (squeeze-and-excitation): the input times the one path's output, broadcast over space."""

    name = "mul"
    yaml_key = "gate"
    keys = ("layers",)
    labels = ("gate",)
    path_names = ("a gate",)
    hint = "gate: [...] with the layers that compute the gate (input × their output)"

    def rule(self, node: Branches, x: TensorInfo, ends: list[PathEnd]) -> Joined:
        gate = ends[0].tensor.shape
        broadcast = (x.channels, *([1] * len(x.spatial)))
        if gate not in (x.shape, broadcast):
            input_end = PathEnd("input", x, None, None)
            _mismatch(
                node,
                [input_end, *ends],
                f"a gate multiplies its input by the gate's output, which must be {shape_text(broadcast)} "
                f"(one value per channel) or {shape_text(x.shape)}",
                "end the gate with a 1x1 conv back to the input's channels, and a sigmoid",
            )
        # The gate is one value per channel (or per element); the receptive field is the input's own,
        # the gate's global context is documented, not folded in (README: conventions).
        return Joined(TensorInfo(x.shape, x.rf, x.nominal or _nominal(ends), x.layout), prod(x.shape), None)

    def torch(self, torch: Any, x: Any, outs: list[Any]) -> Any:
        return x * outs[0]

    def source(self, x: str, outs: list[str]) -> str:
        return f"{x} * {outs[0]}"


class Split(Concat):
    """Channel split, the inverse of concat (ShuffleNet V2's `x.chunk(2, dim=1)`): each branch reads
    its own slice of the input's channels, and the branches' outputs are stacked back along
    channels. Without `sections` the channels are cut into one chunk per branch, as torch.chunk
    cuts them (ceil(C/n) each, the last smaller); `sections` is torch.split's
    split_size_or_sections: a size per chunk, or a list of sizes. An empty branch passes its
    slice through.
    """

    name = "split"
    yaml_key = "split"
    keys = ("branches",)
    labels = ()
    path_names = ("a split branch",)
    options = ("sections", "split_size_or_sections")
    hint = "split: [[...], [...]] with one list of layers per slice of the channels ([] passes its slice through)"

    def sizes(self, node: Branches, channels: int) -> list[int]:
        """The channels each branch reads, as torch.chunk or torch.split cuts them."""
        wanted = len(node.paths)
        given = dict(node.options)
        sections = given.get("sections", given.get("split_size_or_sections"))
        if sections is None:
            size, how = -(-channels // wanted), f"torch.chunk into {wanted}"
        elif type(sections) is int and sections > 0:
            size, how = sections, f"sections of {sections}"
        elif isinstance(sections, list) and sections and all(type(s) is int and s > 0 for s in sections):
            if sum(sections) != channels or len(sections) != wanted:
                raise SpecError(
                    f"{node.name} (split): sections {sections} must add up to the {channels} input channels, "
                    f"one per branch ({wanted})",
                    node.span,
                    "give one size per branch, summing to the channels",
                )
            return list(sections)
        else:
            raise SpecError(
                f"{node.name} (split): 'sections' must be a positive integer or a list of them (got {sections!r})",
                node.span,
                self.hint,
            )
        cut = [size] * (channels // size) + ([channels % size] if channels % size else [])
        if len(cut) != wanted:
            raise SpecError(
                f"{node.name} (split): {how} cuts {channels} channels into {len(cut)} "
                f"({', '.join(map(str, cut))}), but the split has {wanted} branches",
                node.span,
                "give one branch per chunk, or 'sections:' with one size per branch",
            )
        return cut

    def inputs(self, node: Branches, x: TensorInfo) -> list[TensorInfo]:
        rf = x.rf if x.layout is None else None  # a split along dim 1 of a permuted tensor cuts a spatial axis
        return [TensorInfo((size, *x.shape[1:]), rf, x.nominal) for size in self.sizes(node, x.channels)]

    def torch_inputs(self, torch: Any, node: Branches, x: Any) -> list[Any]:
        return list(torch.split(x, self.sizes(node, int(x.shape[1])), dim=1))

    def inputs_source(self, node: Branches, x: str, channels: int) -> str | None:
        return f"torch.split({x}, {self.sizes(node, channels)!r}, dim=1)"


JOINS: dict[str, Join] = {join.name: join for join in (Add(), Concat(), Mul(), Split())}
CONSTRUCTS: dict[str, Join] = {join.yaml_key: join for join in JOINS.values()}


def _nominal(ends: list[PathEnd]) -> bool:
    return any(end.tensor.nominal for end in ends)


def _add_hint(ends: list[PathEnd]) -> str:
    identity = [end for end in ends if end.producer is None]
    if identity:
        return "the identity shortcut keeps the input's shape; give the residual a 'shortcut:' (1x1 conv) to change it"
    return "make the paths end in the same channels and size (strides and out channels)"


def _mismatch(node: Branches, ends: list[PathEnd], problem: str, hint: str) -> NoReturn:
    described = []
    for end in ends:
        shape = shape_text(end.tensor.shape)
        if end.producer is not None:
            where = f" ({end.span})" if end.span else ""
            described.append(f"{end.label} ends {shape} at {end.producer}{where}")
        elif end.label == "input":
            described.append(f"input {shape}")
        else:
            described.append(f"{end.label} is the input itself, {shape}")
    raise SpecError(f"{node.name} ({node.join}): {problem}: " + "; ".join(described), node.span, hint)


def _merge(fields: list[tuple[AxisRF, ...] | None]) -> tuple[tuple[AxisRF, ...] | None, str | None]:
    """Every path's field at once (per output, the inputs any path reads), and what disagrees when
    their jumps or centres differ; where the jumps differ no output lines up, and the largest
    path's field stands for the join."""
    known: list[tuple[AxisRF, ...]] = []
    for field in fields:
        if field is None:
            return None, None
        known.append(field)
    merged = tuple([_union(axes) for axes in zip(*known)])
    # Compared axis by axis against the first path (the sets of the message are built only when
    # they differ). After upsampling the centres of neighbouring outputs are not evenly spaced (a
    # k=2, S=2 transposed conv's outputs 0 and 1 share a field), so only regular fields' centres compare.
    # Whether every field is regular is asked in the same pass (one path alone has no centre to
    # disagree with, so its axes need not be asked): a generator over the axes cost as much again.
    first = known[0]
    jumps_agree = centers_agree = regular = True
    for path in known[1:]:
        for a, b in zip(first, path):
            jumps_agree = jumps_agree and a.jump == b.jump
            # a regular field's centre is start + (size − 1)/2: equal centres, equal 2·start + size
            centers_agree = centers_agree and 2 * a.start + a.size == 2 * b.start + b.size
            regular = regular and not a.phases and not b.phases
    problems = []
    if not jumps_agree:
        problems.append(_disagree("jump", {tuple([a.jump for a in f]) for f in known}))
    if regular and not centers_agree:
        problems.append(_disagree("center", {tuple([a.center for a in f]) for f in known}))
    return merged, "; ".join(problems) or None


def _union(axes: tuple[AxisRF, ...]) -> AxisRF:
    merged: AxisRF | None = axes[0]
    for axis in axes[1:]:
        merged = None if merged is None else merged.union(axis)
    return merged if merged is not None else max(axes, key=_size)


_size = attrgetter("size")


def _disagree(what: str, values: set[tuple[Exact, ...]]) -> str:
    return f"{what}s " + " vs ".join(sorted("x".join(map(str, v)) for v in values))
