"""Receptive fields proven by gradient (issue 17, item 5): `verify` measures every row's field in
PyTorch and compares it with the engine's.

CI runs every example on a small input (its spatial sizes divided by the largest factor the
network still accepts; U-Net, whose crops fix its size, with 4 channels per layer instead —
fields do not depend on channel counts — along one axis). `CONVCALC_FULL_FIELDS=1` runs them at their own sizes
(tens of GiB for U-Net: give it the memory).
"""

from __future__ import annotations

import dataclasses
import math
import os

import pytest
from conftest import EXAMPLES, needs_torch

from convcalc.engine import trace
from convcalc.errors import SpecError
from convcalc.network import Network, map_layers
from convcalc.spec import load_spec
from convcalc.spec.from_cli import parse_layer_strings

pytestmark = needs_torch

ALL_EXAMPLES = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.yaml") if p.parent.name != "homework")
FULL = os.environ.get("CONVCALC_FULL_FIELDS") == "1"
# One backward pass per row: the whole sweep takes many minutes on a CPU, so CI runs these and
# CONVCALC_FULL_FIELDS=1 runs every example (at its own size).
CI_EXAMPLES = ["lenet5.yaml", "lecture/rf_stack.yaml", "lecture/7x7_stride2.yaml", "unet.yaml", "deeplab_aspp.yaml"]


@pytest.fixture(autouse=True)
def _measure_every_size(monkeypatch):
    monkeypatch.setenv("CONVCALC_VERIFY_FIELDS", "full")


def _verify(network: Network, max_memory: int = 2 * 2**30):
    from convcalc.verify.run import verify

    result = verify(network, trace(network), max_memory=max_memory)
    assert result.fields == "checked", result.fields
    return result


def _small(network: Network) -> Network:
    """The network on the smallest input it accepts among its sizes divided by 8, 6, 4, 3, 2."""
    channels, *spatial = network.input_shape
    for factor in (8, 6, 4, 3, 2):
        smaller = dataclasses.replace(network, input_shape=(channels, *(math.ceil(n / factor) for n in spatial)))
        try:
            if trace(smaller).refusal is None:
                return smaller
        except SpecError:
            continue
    thin = _thin(network)
    line = _line(thin)
    try:
        return line if trace(line).refusal is None else thin
    except SpecError:
        return thin


def _line(network: Network) -> Network:
    """The network along its first spatial axis only (a 2-D U-Net as a 1-D one), when every kind
    it uses takes its rank from the input: a field along one axis never depends on the others."""
    channels, first, *_ = network.input_shape
    return dataclasses.replace(network, input_shape=(channels, first))


def _thin(network: Network) -> Network:
    """The same geometry with 4 channels per conv (the field does not depend on channels)."""

    def thin(layer):
        names = {f.name for f in dataclasses.fields(layer.args)}
        changes = {"out_channels": 4, "groups": 1, "in_channels": None, "num_features": None}
        args = dataclasses.replace(layer.args, **{k: v for k, v in changes.items() if k in names})
        return dataclasses.replace(layer, args=args)

    return dataclasses.replace(network, input_shape=(1, *network.input_shape[1:]), layers=map_layers(network.layers, thin))


@pytest.mark.parametrize("spec", ALL_EXAMPLES if FULL else CI_EXAMPLES)
def test_every_example_fields_agree_by_gradient(spec):
    network = load_spec(EXAMPLES / spec)
    result = _verify(network, 64 * 2**30) if FULL else _verify(_small(network), 8 * 2**30)
    assert result.agrees, result.first_divergence.divergence() if result.first_divergence else result.rejected
    measured = [check for check in result.checks if check.field is not None]
    assert measured or spec == "deform.yaml"


def test_the_issue_example_is_measured_size_3_start_0():
    network = parse_layer_strings("1x16x16", ["conv:1,3,2", "convtranspose:1,2,2"])
    conv, up = _verify(network).checks
    assert (conv.field.engine, conv.field.measured, conv.field.agrees) == ((3, 3), (3, 3), True)
    assert (up.field.engine, up.field.measured, up.field.agrees) == ((3, 3), (3, 3), True)


def test_the_old_transposed_rule_is_caught(monkeypatch):
    """The zero-insertion recurrence (size 4, start −1) against the gradient's 3."""
    from fractions import Fraction

    from convcalc.layers import conv
    from convcalc.layers.rf import AxisRF, exact

    def old(a, w):
        return AxisRF(a.size, exact(Fraction(a.jump) / w.stride), a.start).then(
            w.effective, 1, w.effective - 1 - w.before
        )

    monkeypatch.setattr(conv, "transposed_rf", old)
    network = parse_layer_strings("1x16x16", ["conv:1,3,2", "convtranspose:1,2,2"])
    from convcalc.verify.run import verify

    result = verify(network, trace(network))
    assert not result.agrees
    assert result.first_divergence.divergence() == (
        "convtranspose1 (convtranspose2d): receptive field: output 6 along axis 1: engine said input 5..8, "
        "PyTorch's gradient reaches 6..8"
    )


def test_a_wrong_conv_field_is_caught(monkeypatch):
    from convcalc.layers import rf

    real = rf.AxisRF.then
    monkeypatch.setattr(rf.AxisRF, "then", lambda self, k, s, p, d=1: real(self, k + 1, s, p, d))
    network = parse_layer_strings("1x12x12", ["conv:2,3", "maxpool:2"])
    from convcalc.verify.run import verify

    result = verify(network, trace(network))
    assert result.first_divergence.divergence() == (
        "conv1 (conv2d): receptive field: output 4 along axis 1: engine said input 4..7, PyTorch's gradient reaches 4..6"
    )


def test_fields_can_be_left_out(monkeypatch):
    monkeypatch.setenv("CONVCALC_VERIFY_FIELDS", "0")
    from convcalc.verify.run import verify

    network = parse_layer_strings("1x8x8", ["conv:2,3"])
    result = verify(network, trace(network))
    assert result.fields == "not asked for"
    assert result.checks[0].field is None


def test_unet_decoder_fields_at_every_position():
    """After U-Net's up-convolutions each output position has its own field (a staircase): every
    position of the decoder's rows, along one axis, is the engine's span exactly where it lies
    inside the input, and the largest of them is the engine's size (dec3.conv1: 188). Sample p
    of the batch backpropagates from output position p, so one backward pass measures a row."""
    import torch

    from convcalc.network import walk
    from convcalc.verify.fields import _FieldRunner

    network = _small(load_spec(EXAMPLES / "unet.yaml"))
    assert len(network.input_shape) == 2  # one spatial axis: a sample per output position stays cheap
    n = network.input_shape[1]
    x = (torch.rand((400, *network.input_shape), dtype=torch.float64) + 0.5).requires_grad_(True)
    runner = _FieldRunner(torch, "cpu", trace(network).rows)
    walk(network.layers, x, runner)
    sizes = {}
    for row, out, _, _ in runner.outputs:
        if row.name not in ("dec3.conv1", "dec2.conv2", "head"):
            continue
        (axis,) = row.receptive_field
        length = out.shape[-1]
        picked = out[torch.arange(length), :, torch.arange(length)]  # sample p, output position p
        (grad,) = torch.autograd.grad(picked.sum(), x, retain_graph=True)
        largest = 0
        for p in range(length):
            seen = torch.nonzero(grad[p].abs().sum(0) > 0).flatten()
            low, high = int(seen.min()), int(seen.max())
            if 0 < low and high < n - 1:
                assert (low, high) == axis.span(p), (row.name, p)
                largest = max(largest, high - low + 1)
        sizes[row.name] = (axis.size, largest)
    assert sizes == {"dec3.conv1": (188, 188), "dec2.conv2": (204, 204), "head": (204, 204)}
