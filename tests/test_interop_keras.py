"""Keras JSON configs written by hand from the Keras guides' model definitions (Keras 3's
to_json() layout, and a tf.keras 2 one): totals equal to what model.summary() prints."""

from __future__ import annotations

import pytest
from conftest import ROOT

from convcalc.interop.from_keras import import_keras
from convcalc.interop.spec_file import to_spec

KERAS = ROOT / "tests" / "data" / "keras"


def report(name):
    imported = to_spec(import_keras(str(KERAS / name)))
    return imported.text, imported.report


def shapes(rep):
    return {r.name: r.output_shape for r in rep.layers}


def test_mnist_convnet_has_keras_total():
    """keras.io 'Simple MNIST convnet': Total params 34,826."""
    text, rep = report("mnist_convnet.json")
    assert rep.totals.params == 34_826
    assert shapes(rep)["flatten"] == (1, 1600)  # 5x5x64, channels first here
    assert "# Keras' model.summary(): Total params 34,826, all trainable, as here." in text


def test_functional_toy_resnet_has_keras_total():
    """keras.io 'The Functional API', toy ResNet for CIFAR-10: Total params 223,242."""
    text, rep = report("toy_resnet_cifar10.json")
    assert rep.totals.params == 223_242
    assert shapes(rep)["max_pooling2d"] == (1, 64, 9, 9)
    assert shapes(rep)["add_1"] == (1, 64, 9, 9)
    assert text.count("- residual:") == 2
    assert rep.output_shape == (1, 10)


def test_keras2_batchnorm_totals_correspond():
    """BatchNorm's moving mean and variance: Keras' non-trainable parameters, buffers here."""
    text, rep = report("tf_keras2_sequential.json")
    assert rep.totals.params == 32_986
    assert ("# Keras' model.summary(): Total params 33,050 = Trainable 32,986 (the parameters here) + "
            "Non-trainable 64 (BatchNorm moving mean and variance: buffers here).") in text
    assert shapes(rep)["conv2d_1"] == (1, 64, 14, 14)  # ZeroPadding2D ((0, 1), (0, 1)) folded into the conv
    assert shapes(rep)["separable_conv2d.pointwise"] == (1, 64, 14, 14)
    assert shapes(rep)["conv2d_transpose"] == (1, 16, 56, 56)  # 'same': N·S


def test_unsupported_keras_layers_are_named(tmp_path):
    from convcalc.interop.model import ImportProblem

    path = tmp_path / "odd.json"
    path.write_text(
        '{"class_name": "Sequential", "config": {"name": "odd", "layers": ['
        '{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 8, 8, 3]}},'
        '{"class_name": "Reshape", "config": {"name": "reshape", "target_shape": [64, 3]}},'
        '{"class_name": "Dense", "config": {"name": "dense", "units": 4}}]}}'
    )
    with pytest.raises(ImportProblem) as caught:
        import_keras(str(path))
    assert caught.value.message.splitlines() == [
        "cannot import odd.json: 2 operations the spec format cannot express",
        "  reshape (Keras Reshape): Keras Reshape has no convcalc layer kind",
        "  dense (Keras Dense): its input is not known (a layer of several inputs or outputs?)",
    ]


def test_the_import_command_writes_the_spec(run, tmp_path):
    out = tmp_path / "mnist.yaml"
    code, stdout, err = run("import", "keras", str(KERAS / "mnist_convnet.json"), "-o", str(out))
    assert (code, stdout) == (0, "")
    assert err == f"{out}: 15 lines, 34,826 parameters, output 1x10\n"
    assert run("summary", str(out))[0] == 0


def test_a_json_without_an_input_shape_needs_one(run, tmp_path):
    path = tmp_path / "noshape.json"
    path.write_text('{"class_name": "Sequential", "config": {"name": "n", "layers": ['
                    '{"class_name": "Flatten", "config": {"name": "flatten"}}]}}')
    code, _, err = run("import", "keras", str(path))
    assert code == 2 and "give --input HxWxC" in err
    code, out, _ = run("import", "keras", str(path), "--input", "4x4x2")
    assert code == 0 and "input: [2, 4, 4]" in out


def test_depthwise_concat_gate_and_bilinear_upsampling(tmp_path):
    """A Functional graph with DepthwiseConv2D, Concatenate (channels), Multiply (a gate) and UpSampling2D."""
    def node(cls, name, inputs, **config):
        history = [{"class_name": "__keras_tensor__", "config": {"keras_history": [i, 0, 0]}} for i in inputs]
        args = [history] if len(history) > 1 else history
        return {"class_name": cls, "name": name, "config": {"name": name, **config},
                "inbound_nodes": [{"args": args, "kwargs": {}}]}

    layers = [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [None, 16, 16, 8]},
         "inbound_nodes": []},
        node("DepthwiseConv2D", "dw", ["in"], kernel_size=3, padding="same", depth_multiplier=2, use_bias=False),
        node("Conv2D", "pw", ["in"], filters=8, kernel_size=1, activation="relu"),
        node("Concatenate", "cat", ["dw", "pw"], axis=-1),
        node("GlobalAveragePooling2D", "squeeze", ["cat"], keepdims=True),
        node("Conv2D", "excite", ["squeeze"], filters=24, kernel_size=1, activation="sigmoid"),
        node("Multiply", "scale", ["cat", "excite"]),
        node("UpSampling2D", "up", ["scale"], size=2, interpolation="bilinear"),
    ]
    path = tmp_path / "graph.json"
    import json

    path.write_text(json.dumps({"class_name": "Functional", "config": {
        "name": "graph", "layers": layers, "input_layers": [["in", 0, 0]], "output_layers": [["up", 0, 0]]}}))
    rep = to_spec(import_keras(str(path))).report
    assert shapes(rep)["dw"] == (1, 16, 16, 16) and shapes(rep)["cat"] == (1, 24, 16, 16)
    assert shapes(rep)["scale"] == (1, 24, 16, 16) and rep.output_shape == (1, 24, 32, 32)
    assert rep.totals.params == 3 * 3 * 16 + (8 * 8 + 8) + (24 * 24 + 24)
