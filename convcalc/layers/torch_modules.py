"""Small torch.nn modules for kinds PyTorch has no class for (permute, LayerNorm2d, layer scale,
TensorFlow's SAME average pooling).

Each is Python source (`SourceModule`), so the same class serves two readers: `verify` runs it
(the source is executed once with torch in scope) and `export --to torch` copies it into the
exported file, so the exported model is the very module verify checked. Kinds ask for one with
`TorchBuild.make(MODULE, *args)`; torch is imported only when a module is built, so importing
convcalc never loads it.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from convcalc.lazy_dataclass import lazy_dataclass


@lazy_dataclass(frozen=True, slots=True)
class SourceModule:
    """A torch.nn.Module subclass written as source: `name` is the class, `source` defines it."""

    name: str
    source: str
    _built: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)

    def instantiate(self, nn: Any, *args: Any) -> Any:
        """The class, defined once per `torch.nn` it is given, called with `args`."""
        cls = self._built.get(id(nn))
        if cls is None:
            import torch
            import torch.nn.functional as F  # PyTorch's own convention

            scope: dict[str, Any] = {"nn": nn, "torch": torch, "F": F}
            # The class is convcalc's own constant source above, never anything read from input.
            exec(compile(self.source, f"<convcalc {self.name}>", "exec"), scope)  # noqa: S102
            cls = self._built[id(nn)] = scope[self.name]
        return cls(*args)


PERMUTE = SourceModule("Permute", '''
class Permute(nn.Module):
    """x.permute(*dims), as torchvision.ops.misc.Permute."""

    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(*self.dims)
''')

LAYERNORM2D = SourceModule("LayerNorm2d", '''
class LayerNorm2d(nn.LayerNorm):
    """torchvision's LayerNorm2d: LayerNorm over the channels of an NCHW tensor."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''')

LAYER_SCALE = SourceModule("LayerScale", '''
class LayerScale(nn.Module):
    """x times a learned tensor of `shape` (ConvNeXt's layer_scale: (C, 1, 1))."""

    def __init__(self, shape: tuple[int, ...], init: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full(tuple(shape), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale
''')

SAME_AVG_POOL = SourceModule("SameAvgPool", '''
class SameAvgPool(nn.Module):
    """TensorFlow's SAME average pooling: pad, pool without padding, and divide each window by
    its real input elements (the windowed sum of a zero-padded mask of ones), as TF excludes the
    padding from the average."""

    def __init__(self, rank: int, kernel, stride, pads: tuple[int, ...]) -> None:
        super().__init__()
        self.pool = getattr(nn, f"AvgPool{rank}d")(kernel, stride, 0)
        self.pads = tuple(pads)  # F.pad order: last axis first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        return self.pool(F.pad(x, self.pads)) / self.pool(F.pad(ones, self.pads))
''')

SOURCE_MODULES = (PERMUTE, LAYERNORM2D, LAYER_SCALE, SAME_AVG_POOL)


def same_pool(build: Any, kind: str, pads: tuple[tuple[int, int], ...], kernel: Any, stride: Any, dilation: Any) -> Any:
    """TensorFlow's SAME (or ONNX's SAME_UPPER/LOWER) pooling: pad, then pool without padding.

    Max pads with −inf, so padding never wins; average excludes the padding (SAME_AVG_POOL).
    `build` is the kind's TorchBuild.
    """
    nn, rank = build.nn, build.rank
    flat = tuple(p for pair in reversed(pads) for p in pair)  # F.pad order: last axis first
    if kind == "max":
        pool = getattr(nn, f"MaxPool{rank}d")(kernel, stride, 0, dilation)
        return nn.Sequential(getattr(nn, f"ConstantPad{rank}d")(flat, float("-inf")), pool)
    return build.make(SAME_AVG_POOL, rank, kernel, stride, flat)
