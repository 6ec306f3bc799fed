"""ONNX: spec -> export --to onnx (onnx.checker, shape inference) -> import onnx / summary model.onnx,
the same table back; torch.onnx.export's graphs import with every shape cross-checked."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import EXAMPLES, HAS_TORCH, ROOT

from convcalc.engine import analyze
from convcalc.spec.from_yaml import load_spec

onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'convcalc[onnx]')")
from onnx import helper  # after the skip: onnx is optional

MODELS = ROOT / "tests" / "interop_models.py"
# The smaller examples (the large ones write hundreds of MB of zero weights; ResNet-50 is below).
ROUND_TRIP = ["lenet5.yaml", "resnet18.yaml", "googlenet.yaml", "mobilenet_v1.yaml", "mobilenet_v2.yaml",
              "densenet121.yaml", "squeezenet1_1.yaml", "efficientnet_b0.yaml", "deeplab_aspp.yaml", "siamese.yaml", "deform.yaml"]


def rows(report):
    return [(r.name, r.kind, r.path, r.output_shape, r.params, r.buffers, r.macs) for r in report.layers]


@pytest.mark.parametrize("example", ROUND_TRIP)
def test_every_example_round_trips_through_onnx(example, run, tmp_path):
    target = tmp_path / "model.onnx"
    code, _, err = run("export", str(EXAMPLES / example), "--to", "onnx", "-o", str(target))
    assert code == 0 and err.endswith("checked by onnx.checker\n")
    onnx.checker.check_model(onnx.load(str(target)), full_check=True)
    from convcalc.interop.from_onnx import read_onnx

    assert rows(analyze(read_onnx(str(target)))) == rows(analyze(load_spec(EXAMPLES / example)))


def test_a_deformable_conv_exports_as_onnx_deformconv(run, tmp_path):
    target = tmp_path / "deform.onnx"
    assert run("export", str(EXAMPLES / "deform.yaml"), "--to", "onnx", "-o", str(target))[0] == 0
    ops = [node.op_type for node in onnx.load(str(target)).graph.node]
    assert ops.count("DeformConv") == 2


def _table_json(run, path):
    code, out, _ = run("summary", str(path), "--format", "json")
    assert code == 0
    data = json.loads(out)
    data.pop("name")
    for warning in [*data["warnings"], *(w for layer in data["layers"] for w in layer["warnings"])]:
        warning.pop("location", None)  # the spec's line, or none for a .onnx file
    return data


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_resnet50_imported_from_torch_gives_the_same_table_through_summary_onnx(run, tmp_path):
    spec, graph = tmp_path / "resnet50.yaml", tmp_path / "resnet50.onnx"
    assert run("import", "torch", f"{MODELS}:ResNet50", "-o", str(spec))[0] == 0
    assert run("export", str(spec), "--to", "onnx", "-o", str(graph))[0] == 0
    table = _table_json(run, spec)
    assert table["totals"]["params"] == 25_557_032
    assert _table_json(run, graph) == table
    code, out, _ = run("summary", str(graph))
    assert code == 0 and "layer4.2.conv3" in out and "25,557,032" in out


def _graph(nodes, initializers, output_shape, value_info=()):
    graph = helper.make_graph(nodes, "handmade", [helper.make_tensor_value_info("x", 1, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info(nodes[-1].output[0], 1, output_shape)], initializers,
                              value_info=list(value_info))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _zeros(name, shape):
    from math import prod

    return helper.make_tensor(name, 1, shape, bytes(4 * prod(shape)), raw=True)


def test_unsupported_onnx_operators_are_listed_by_node_and_op_type(run, tmp_path):
    model = _graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="stem.conv", kernel_shape=[3, 3]),
         helper.make_node("Transpose", ["c"], ["t"], name="swap", perm=[0, 1, 3, 2]),
         helper.make_node("Softplus", ["t"], ["y"], name="smooth")],
        [_zeros("w", [4, 3, 3, 3])], [1, 4, 6, 6],
    )
    path = tmp_path / "odd.onnx"
    onnx.save(model, str(path))
    code, _, err = run("import", "onnx", str(path))
    assert code == 2
    assert err.splitlines() == [
        "error: cannot import odd.onnx: 2 operations the spec format cannot express",
        "  swap (ONNX Transpose): no convcalc layer kind for ONNX Transpose",
        "  smooth (ONNX Softplus): no convcalc layer kind for ONNX Softplus",
        "  hint: rewrite those parts with supported layers, or see README 'Importing your model'",
    ]


def test_a_shape_that_disagrees_with_shape_inference_is_an_error(run, tmp_path):
    model = _graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
         helper.make_node("Relu", ["c"], ["y"], name="act")],
        [_zeros("w", [4, 3, 3, 3])], [1, 4, 6, 6], [helper.make_tensor_value_info("c", 1, [1, 4, 7, 7])],
    )
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    code, out, err = run("summary", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines()[:2] == [
        "error: bad.onnx: onnx.shape_inference disagrees with convcalc (batch aside):",
        "  conv: convcalc 4x6x6, ONNX 4x7x7",
    ]


def test_onnx_idioms_read_as_one_layer(tmp_path):
    """Pad + Conv is the conv's padding; MatMul + Add a linear layer; Sigmoid·x a SiLU; auto_pad SAME_UPPER kept."""
    from convcalc.interop.from_onnx import import_onnx
    from convcalc.interop.spec_file import to_spec

    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
        helper.make_node("Conv", ["p", "w"], ["c"], name="conv", kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Sigmoid", ["c"], ["s"], name="gate"),
        helper.make_node("Mul", ["c", "s"], ["a"], name="act"),
        helper.make_node("Conv", ["a", "w2"], ["c2"], name="same", kernel_shape=[3, 3], auto_pad="SAME_UPPER"),
        helper.make_node("Flatten", ["c2"], ["f"], name="flat"),
        helper.make_node("MatMul", ["f", "fc_w"], ["m"], name="fc.matmul"),
        helper.make_node("Add", ["m", "fc_b"], ["y"], name="fc"),
    ]
    inits = [helper.make_tensor("pads", 7, [8], [0, 0, 0, 0, 0, 0, 1, 1]), _zeros("w", [4, 3, 3, 3]),
             _zeros("w2", [4, 4, 3, 3]), _zeros("fc_w", [64, 5]), _zeros("fc_b", [5])]
    path = tmp_path / "idioms.onnx"
    onnx.save(_graph(nodes, inits, [1, 5]), str(path))
    report = to_spec(import_onnx(str(path))).report
    assert [(r.name, r.kind, r.output_shape) for r in report.layers] == [
        ("conv", "conv2d", (1, 4, 4, 4)), ("act", "silu", (1, 4, 4, 4)), ("same", "conv2d", (1, 4, 4, 4)),
        ("flat", "flatten", (1, 64)), ("fc", "linear", (1, 5)),
    ]
    assert report.totals.params == 4 * 27 + 4 * 36 + 64 * 5 + 5


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize(("name", "shape"), [("UNetLike", (1, 64, 64)), ("MobileNetLike", (3, 64, 64))])
def test_torch_onnx_exports_import_with_module_names(name, shape, tmp_path):
    """torch.onnx.export (dynamo) folds BatchNorm into the convs; names come from its name scopes."""
    import warnings

    import torch

    sys.path.insert(0, str(ROOT / "tests"))
    import interop_models

    from convcalc.interop.from_onnx import import_onnx
    from convcalc.interop.spec_file import to_spec

    model = getattr(interop_models, name)().eval()
    path = tmp_path / "exported.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, *shape),), str(path), dynamo=True, verbose=False)
    report = to_spec(import_onnx(str(path))).report
    assert report.output_shape == tuple(model(torch.zeros(1, *shape)).shape)
    names = {r.name for r in report.layers}
    if name == "UNetLike":
        assert report.totals.params == sum(p.numel() for p in model.parameters())
        assert {"enc1.0", "up2", "head"} <= names
    else:
        assert "features.1.block.6.fc1" in names


def test_onnx_missing_is_said_plainly(run, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    code, _, err = run("summary", str(tmp_path / "model.onnx"))
    assert (code, err) == (2, "error: reading ONNX needs the onnx package: pip install 'convcalc[onnx]'\n")
    code, _, err = run("export", str(EXAMPLES / "lenet5.yaml"), "--to", "onnx", "-o", str(tmp_path / "x.onnx"))
    assert (code, err) == (2, "error: export --to onnx needs the onnx package: pip install 'convcalc[onnx]'\n")


def test_export_to_onnx_needs_an_output_file(run):
    code, _, err = run("export", str(EXAMPLES / "lenet5.yaml"), "--to", "onnx")
    assert code == 2 and "give -o model.onnx" in err
