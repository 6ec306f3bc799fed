"""PyTorch -> spec (torch.fx) and spec -> PyTorch code, as round trips: models written in
interop_models.py import with their parameter counts and every traced layer's output shape
(forward hooks); every example exports to code that builds, runs and imports back to the same
table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, needs_torch

from convcalc.engine import analyze
from convcalc.spec.from_yaml import load_spec, parse_spec

pytestmark = needs_torch
MODELS = ROOT / "tests" / "interop_models.py"
# (model, input shape): the round-trip zoo
ZOO = [("ResNet50", (3, 224, 224)), ("InceptionNet", (3, 64, 64)), ("MobileNetLike", (3, 64, 64)), ("UNetLike", (1, 64, 64))]


def zoo(name: str):
    import interop_models

    return getattr(interop_models, name)()


def imported(model, shape):
    from convcalc.interop.from_torch import import_module
    from convcalc.interop.spec_file import to_spec

    return to_spec(import_module(model, shape, name=type(model).__name__))


def rows(report):
    return [(row.name, row.kind, row.output_shape, row.params, row.buffers) for row in report.layers]


def test_resnet50_imports_to_a_short_spec_with_torchvisions_numbers():
    result = imported(zoo("ResNet50"), (3, 224, 224))
    assert len(result.text.splitlines()) < 80
    assert result.report.totals.params == 25_557_032
    stage_out = {}
    for row in result.report.layers:
        stage_out[row.name.split(".")[0]] = row.output_shape
    assert [stage_out[f"layer{i}"] for i in range(1, 5)] == [
        (1, 256, 56, 56), (1, 512, 28, 28), (1, 1024, 14, 14), (1, 2048, 7, 7)
    ]
    # the stages are repeats of defined blocks, with torchvision's module names kept
    assert "{repeat: 6, name: layer3, first: [bottleneck: {conv1_out: 256, conv2_stride: 2}]" in result.text
    names = [row.name for row in result.report.layers]
    assert "layer1.0.downsample.0" in names and "layer4.2.conv3" in names
    assert analyze(load_spec(EXAMPLES / "resnet50.yaml")).totals.params == result.report.totals.params


@pytest.mark.parametrize(("name", "shape"), ZOO)
def test_import_matches_the_model_layer_by_layer(name, shape):
    """Parameters and buffers equal the module's; each leaf module's output (forward hooks, every
    call) is the shape of the row with its name (a second call is NAME_1)."""
    import torch

    model = zoo(name).eval()
    seen: dict[str, list[tuple[int, ...]]] = {}
    for module_name, module in model.named_modules():
        if not list(module.children()):
            module.register_forward_hook(
                lambda m, i, o, n=module_name: seen.setdefault(n, []).append(tuple(o.shape))
            )
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    before = {name: list(shapes) for name, shapes in seen.items()}  # the import's own run fires the hooks again
    result = imported(model, shape)
    report = result.report
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    assert report.totals.buffers == sum(b.numel() for b in model.buffers())
    by_name = {row.name: row.output_shape for row in report.layers}
    for module_name, shapes in before.items():
        for call, hooked in enumerate(shapes):
            assert by_name[module_name + (f"_{call}" if call else "")] == hooked, module_name
    assert parse_spec(result.text).layers == result.network.layers  # what was written reads back


def test_written_specs_fold_repeats_and_join_kinds():
    text = imported(zoo("MobileNetLike"), (3, 64, 64)).text
    assert "- gate:" in text and "- residual:" in text
    assert imported(zoo("InceptionNet"), (3, 64, 64)).text.count("- concat:") == 1  # one block, used twice
    assert "- concat:" in imported(zoo("UNetLike"), (1, 64, 64)).text


def test_torch_export_takes_over_where_fx_cannot_trace():
    """Control flow on a size: fx refuses, torch.export specialises it; module names and joins survive."""
    model = zoo("ShapeDependent").eval()
    result = imported(model, (3, 16, 16))
    assert result.report.totals.params == sum(p.numel() for p in model.parameters())
    names = [row.name for row in result.report.layers]
    assert names[:4] == ["conv", "bn", "relu", "relu_1"]  # the branch taken on this input, the module called twice
    assert "block.add1" in names and "block.conv3" in names
    assert result.report.output_shape == (1, 4)


def test_a_module_called_twice_shares_its_weights():
    result = imported(zoo("Twice"), (4, 8, 8))
    assert "- conv2d: {name: conv_1, out: 4, kernel: 3, padding: 1, shared: conv}" in result.text
    assert result.report.totals.params == 148


def test_unsupported_operations_are_listed_with_their_source():
    from convcalc.interop.model import ImportProblem

    with pytest.raises(ImportProblem) as caught:
        imported(zoo("Unsupported"), (3, 16, 16))
    lines = caught.value.message.splitlines()
    roll = next(i for i, line in enumerate(Path(MODELS).read_text().splitlines(), 1) if "torch.roll" in line)
    assert lines == [
        "cannot import Unsupported: 2 operations the spec format cannot express",
        f"  roll (interop_models.py:{roll}): roll has no convcalc layer kind (run 'convcalc kinds')",
        f"  unfold (unfold: Unfold at interop_models.py:{roll + 1}): nn.Unfold has no convcalc layer kind (run 'convcalc kinds')",
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n".join(["error: " + lines[0], *lines[1:]]) in readme  # the README quotes this very error


def test_a_product_of_two_computed_tensors_is_not_a_gate():
    from convcalc.interop.model import ImportProblem

    with pytest.raises(ImportProblem, match="mul .*multiplies two computed tensors"):
        imported(zoo("Gated"), (3, 8, 8))


def test_the_import_command_writes_a_spec_that_summary_reads(run, tmp_path):
    out = tmp_path / "resnet.yaml"
    code, stdout, err = run("import", "torch", f"{MODELS}:ResNet50", "--input", "3x224x224", "-o", str(out))
    assert (code, stdout) == (0, "")
    assert err == f"{out}: {len(out.read_text().splitlines())} lines, 25,557,032 parameters, output 1x1000\n"
    code, stdout, _ = run("summary", str(out), "--format", "json")
    assert code == 0 and '"params": 25557032' in stdout
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_import_errors_exit_2(run):
    assert run("import", "torch", "nowhere")[0] == 2
    code, _, err = run("import", "torch", f"{MODELS}:Missing")
    assert code == 2 and "has no callable 'Missing'" in err
    code, _, err = run("import", "torch", f"{MODELS}:Unsupported", "-i", "3x16x16")
    assert code == 2 and err.startswith("error: cannot import")
    code, _, err = run("import", "torch", f"{MODELS}:Twice", "--kwargs", '{"width": 3}')
    assert code == 2 and "Twice(**{'width': 3}) raised TypeError" in err


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
# Not imported back: ZeroPad2d (TensorFlow 'same' padding is exported as pad + conv) has no kind yet;
# torchvision's DeformConv2d does not load here; nn.Module keeps the name 'half' for itself.
NO_IMPORT = {"mobilenet_v1.yaml": "ZeroPad2d", "deform.yaml": "torchvision", "siamese.yaml": "half -> half_",
             # stochastic depth exports as nn.Identity (inference) and imports back as identity; LayerNorm2d,
             # LayerScale and Permute are convcalc's own modules, which the importer does not map back yet
             "convnext_tiny.yaml": "stochastic depth, LayerNorm2d", "efficientnet_v2_s.yaml": "stochastic depth",
             # the importer does not read torch.split back into a split construct yet (reported, not guessed)
             "shufflenet_v2_x1_0.yaml": "torch.split"}


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_every_example_exports_to_torch_code_that_builds_runs_and_imports_back(example, run, tmp_path):
    import torch

    target = tmp_path / f"{Path(example).stem}_model.py"
    code, _, err = run("export", str(EXAMPLES / example), "--to", "torch", "-o", str(target))
    assert (code, err) == (0, "")
    network = load_spec(EXAMPLES / example)
    report = analyze(network)
    source = target.read_text()
    if example == "deform.yaml":
        compile(source, str(target), "exec")  # needs torchvision.ops, whose kernels do not load here
        pytest.skip("torchvision's DeformConv2d does not load next to this torch")
    exported = _load(target)
    model = exported.build().eval()
    with torch.no_grad():
        out = model(torch.zeros(exported.INPUT_SHAPE))
    assert tuple(out.shape) == report.output_shape
    assert sum(p.numel() for p in model.parameters()) == report.totals.params
    if example in NO_IMPORT:
        return
    back = imported(model, network.input_shape)
    assert rows(back.report) == rows(report)


def test_export_to_dsl_round_trips_a_chain(run):
    from convcalc.spec.from_cli import parse_layer_strings

    code, out, _ = run("export", str(EXAMPLES / "lenet5.yaml"), "--to", "dsl")
    assert code == 0
    assert out.startswith("convcalc summary -i 1x32x32 conv:6,5,name=c1 tanh avgpool:2,2,name=s2 ")
    words = out.split()
    back = analyze(parse_layer_strings(words[3], words[4:]))
    assert rows(back) == rows(analyze(load_spec(EXAMPLES / "lenet5.yaml")))


def test_export_to_dsl_refuses_a_graph(run):
    code, _, err = run("export", str(EXAMPLES / "resnet18.yaml"), "--to", "dsl")
    assert code == 2 and "is not a chain" in err


def test_padding_instance_and_response_norms_and_mish_import_by_class_name():
    """nn.ZeroPad2d and its kin, InstanceNorm2d, LocalResponseNorm and Mish map to their kinds by
    class name, PyTorch's last-axis-first padding kept as written; counts equal the module's."""
    from torch import nn

    model = nn.Sequential(nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 4, 3), nn.InstanceNorm2d(4, affine=True),
                          nn.ReflectionPad2d(1), nn.ReplicationPad2d(2), nn.ConstantPad2d(1, 0.5),
                          nn.LocalResponseNorm(3), nn.Mish())
    result = imported(model, (3, 16, 16))
    for line in ("zeropad2d: {name: \"0\", padding: [1, 2, 0, 1]}", "instancenorm2d: {name: \"2\", affine: true}",
                 "reflectionpad2d: {name: \"3\", padding: 1}", "constantpad2d: {name: \"5\", padding: 1, value: 0.5}",
                 "localresponsenorm: {name: \"6\", size: 3}", "mish: {name: \"7\"}"):
        assert line in result.text
    assert result.report.totals.params == sum(p.numel() for p in model.parameters())
    assert result.report.layers[-1].output_shape == (1, 4, 23, 25)


def test_frozen_layers_round_trip_through_pytorch(tmp_path):
    """requires_grad False in PyTorch imports as `trainable: false`, and the exported code freezes
    the same layers: PyTorch's own count of trainable parameters is the engine's both ways."""
    import torch
    from torch import nn

    from convcalc.interop.to_torch_code import torch_code

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 3))
    model[0].requires_grad_(False)
    model[1].requires_grad_(False)
    spec = imported(model, (3, 16, 16))
    assert "trainable: false" in spec.text
    report = spec.report
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert (report.totals.params, report.totals.trainable_params) == (sum(p.numel() for p in model.parameters()), trainable)
    assert trainable == 8 * 9 * 4 + 4

    path = tmp_path / "frozen_model.py"
    path.write_text(torch_code(spec.network), encoding="utf-8")
    loader = importlib.util.spec_from_file_location("frozen_model", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    rebuilt = module.build()
    assert sum(p.numel() for p in rebuilt.parameters() if p.requires_grad) == trainable
    assert rebuilt(torch.zeros(module.INPUT_SHAPE)).shape == (1, 4, 12, 12)
