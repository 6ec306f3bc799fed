"""convcalc verify: every example agrees with PyTorch, a wrong engine rule is caught, the memory
guard refuses before allocating, and a missing torch is one clear line."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import EXAMPLES, needs_torch

ALL_EXAMPLES = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.yaml") if p.parent.name != "homework")


@needs_torch
@pytest.mark.parametrize("spec", ALL_EXAMPLES)
def test_every_example_verifies(spec, run):
    code, out, err = run("verify", str(EXAMPLES / spec), "--format", "json")
    payload = json.loads(out)
    assert (code, payload["agrees"], payload["first_divergence"]) == (0, True, None), err
    for layer in payload["layers"]:  # only a deformable conv may lack a PyTorch module (torchvision's)
        assert layer["agrees"] or (layer["status"], layer["kind"]) == ("not checkable", "deformconv2d"), layer


@needs_torch
def test_a_wrong_engine_rule_is_caught(run, monkeypatch):
    from convcalc.layers import conv

    real = conv.conv_out_len
    monkeypatch.setattr(conv, "conv_out_len", lambda n, k, s, lo, hi: real(n, k, s, lo, hi) + 1)
    code, out, _ = run("verify", str(EXAMPLES / "lenet5.yaml"))
    assert code == 1
    assert "✗ first divergence: c1 (conv2d): engine said output shape 1x6x29x29, PyTorch produced 1x6x28x28" in out


@needs_torch
def test_a_wrong_parameter_count_is_caught(run, monkeypatch):
    from convcalc.layers import linear
    from convcalc.layers.tensor import Outcome

    real = linear.Linear.infer
    monkeypatch.setattr(
        linear.Linear, "infer", lambda self, x, rank: Outcome(**{**_fields(real(self, x, rank)), "weights": ((1,),)})
    )
    code, out, _ = run("verify", str(EXAMPLES / "lenet5.yaml"), "--format", "json")
    payload = json.loads(out)
    assert code == 1
    assert payload["first_divergence"] == "c5 (linear): engine said parameters 1, PyTorch produced 48,120"


def _fields(outcome):
    return {name: getattr(outcome, name) for name in outcome.__dataclass_fields__}


def test_memory_guard_refuses_before_allocating(run):
    code, out, err = run("verify", str(EXAMPLES / "vgg16.yaml"), "--batch", "64", "--max-memory", "1GiB")
    # VGG-16's weights plus its largest live pair (conv1_1's and conv1_2's 64x224x224 outputs), float32
    estimate = (138_357_544 + 2 * 64 * 64 * 224 * 224) * 4
    assert (code, out) == (2, "")
    assert err == (
        f"error: verify would need about {estimate:,} bytes ({estimate / 2**30:.2f} GiB) at batch 64, more than "
        "--max-memory 1,073,741,824\n  hint: raise --max-memory, or lower --batch\n"
    )


def test_without_torch_it_says_so(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    code, out, err = run("verify", str(EXAMPLES / "lenet5.yaml"))
    assert (code, out, err) == (2, "", "verify needs PyTorch: pip install 'convcalc[torch]'\n")


IMPOSSIBLE = """\
input: [3, 8, 8]
layers:
  - conv: {out: 4, kernel: 3}
  - relu
  - conv: {name: big, out: 4, kernel: 11}
"""


@needs_torch
def test_a_layer_both_reject_is_a_bad_spec(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(IMPOSSIBLE)
    code, out, err = run("verify", "spec.yaml", "--format", "json")
    payload = json.loads(out[: out.rindex("}") + 1])
    assert code == 2
    assert [layer["status"] for layer in payload["layers"]] == ["agrees", "agrees"]
    assert payload["rejected"]["torch_agrees"] is True
    assert "Kernel size can't be greater than actual input size" in payload["rejected"]["torch_error"]
    assert err.startswith("spec.yaml:5:39: error: big (conv): kernel 11x11 is larger than the padded input 6x6")


@needs_torch
def test_a_layer_only_the_engine_rejects_is_a_disagreement(run, monkeypatch):
    from convcalc.layers import linear
    from convcalc.layers.tensor import LayerError

    def refuse(self, x, rank):
        raise LayerError("refused by a deliberately broken rule")

    monkeypatch.setattr(linear.Linear, "infer", refuse)
    code, out, _ = run("verify", str(EXAMPLES / "lenet5.yaml"), "--format", "json")
    payload = json.loads(out)
    assert code == 1
    assert payload["agrees"] is False
    assert payload["verdict"] == (
        "✗ c5 (linear): the engine rejected this layer: refused by a deliberately broken rule, "
        "PyTorch accepted it and produced 1x120"
    )


@needs_torch
def test_a_kind_without_a_torch_module_is_not_checkable(run, monkeypatch):
    from convcalc.layers.activation import Tanh
    from convcalc.layers.kind import LayerKind

    monkeypatch.setattr(Tanh, "to_torch", LayerKind.to_torch)  # as if its builder were deleted
    code, out, _ = run("verify", str(EXAMPLES / "lenet5.yaml"), "--format", "json")
    payload = json.loads(out)
    statuses = {layer["name"]: layer["status"] for layer in payload["layers"]}
    assert code == 0
    assert statuses["tanh1"] == statuses["tanh4"] == "not checkable"
    assert statuses["c3"] == statuses["output"] == "agrees"  # the run goes on with the engine's shape
    assert not any(layer["agrees"] for layer in payload["layers"] if layer["status"] == "not checkable")
    assert payload["verdict"] == (
        "✓ 8 layers agree; 4 not checkable, neither passed nor failed (tanh: PyTorch has no module for 'tanh')"
    )


FIRST_IMPOSSIBLE = """\
input: [3, 7, 7]
layers:
  - conv: {out: 1, kernel: 1000}
"""


@needs_torch
def test_a_first_layer_both_reject_is_a_bad_spec_not_a_disagreement(run, tmp_path, monkeypatch):
    """Reproducer: exit 1 with "agrees": false and a ✓ verdict; it is exit 2 with the engine's message."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(FIRST_IMPOSSIBLE)
    code, out, err = run("verify", "spec.yaml", "--format", "json")
    payload = json.loads(out)
    assert code == 2
    assert (payload["agrees"], payload["layers"], payload["rejected"]["torch_agrees"]) == (True, [], True)
    assert payload["verdict"].startswith("✓ conv1 (conv): the engine rejected this layer: kernel 1000x1000 is larger")
    assert err.startswith("spec.yaml:3:28: error: conv1 (conv): kernel 1000x1000 is larger than the padded input 7x7")
