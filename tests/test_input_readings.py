"""Input that people write by habit is never silently misread (issue 17, items 1 and 6).

A torchinfo habit (a leading batch 1), a Keras habit (channels last, Keras' argument and layer
names) and a spec with several independent mistakes: each gets an error that names the reading
and the fix, and all independent mistakes of one spec are reported in one run.
"""

from __future__ import annotations

import textwrap

import pytest

LEADING_ONE_CLI = """\
<layers>:1:1: error: the input 1x3x32x32 has a leading 1: conv1 (conv) would read it as one channel of a 3x32x32 volume, a conv3d
    conv:8,3
    ^^^^
  hint: if the 1 is a batch axis, leave it out (-i 3x32x32) and give the batch with --batch; if it is a single-channel volume, write 'conv3d' to say so
"""

LEADING_ONE_YAML = """\
spec.yaml:1:8: error: the input 1x3x224x224 has a leading 1: conv1 (conv) would read it as one channel of a 3x224x224 volume, a conv3d
    input: [1, 3, 224, 224]
           ^^^^^^^^^^^^^^^^
  hint: if the 1 is a batch axis, leave it out (input: [3, 224, 224]) and give the batch with 'batch:' (or --batch); if it is a single-channel volume, write 'conv3d' to say so
"""


def _spec(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(text)
    return "spec.yaml"


def test_a_leading_batch_one_on_the_command_line_is_not_a_conv3d(run):
    assert run("summary", "-i", "1x3x32x32", "conv:8,3") == (2, "", LEADING_ONE_CLI)


def test_a_leading_batch_one_in_a_spec_is_not_a_conv3d(run, tmp_path, monkeypatch):
    spec = _spec(tmp_path, monkeypatch, "input: [1, 3, 224, 224]\nlayers:\n  - relu\n  - conv: {out: 64, kernel: 7}\n")
    assert run("summary", spec) == (2, "", LEADING_ONE_YAML)


def test_conv3d_says_the_volume_is_meant(run):
    code, out, _ = run("summary", "-i", "1x3x32x32", "conv3d:8,3", "conv:4,1", "--format", "json")
    assert code == 0
    assert '"kind": "conv3d"' in out


def test_a_spelt_2d_kind_on_a_batched_input_points_at_the_batch(run):
    code, _, err = run("summary", "-i", "1x3x32x32", "conv2d:8,3")
    assert code == 2
    assert err.endswith(
        "  hint: the leading 1 looks like a batch axis: leave it out of the input and use 'batch:' or --batch\n"
    )


@pytest.mark.parametrize("shape", ["3x1x32x32", "2x3x32x32"])
def test_other_volumes_are_read_as_written(run, shape):
    code, _, _ = run("summary", "-i", shape, "conv:8,1", "--format", "json")
    assert code == 0


CHANNELS_LAST = """\
spec.yaml:4:29: error: conv2 (conv): kernel 2x2 is larger than the padded input 30x1
      - conv: {out: 64, kernel: 2}
                                ^
  hint: use a smaller kernel, more padding, or a larger input
  hint: the input 32x32x3 looks like H×W×C, channels last (Keras' habit); convcalc reads channels first, as PyTorch does: write 3x32x32
"""


def test_channels_last_input_is_named_when_a_layer_fails(run, tmp_path, monkeypatch):
    spec = _spec(
        tmp_path, monkeypatch,
        "input: [32, 32, 3]\nlayers:\n  - conv: {out: 64, kernel: 3}\n  - conv: {out: 64, kernel: 2}\n",
    )
    assert run("summary", spec) == (2, "", CHANNELS_LAST)


def test_a_channels_first_failure_gets_no_layout_hint(run):
    _, _, err = run("summary", "-i", "3x8x8", "conv:4,11")
    assert "channels last" not in err


KERAS = """\
input: [3, 32, 32]
layers:
  - Conv2D: {filters: 32, kernel_size: 3, strides: 2, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Activation: relu
  - flatten
  - dense: {units: 10}
  - rleu
"""

KERAS_ERRORS = """\
spec.yaml:3:14: error: conv2d has no argument 'filters'
      - Conv2D: {filters: 32, kernel_size: 3, strides: 2, activation: relu}
                 ^^^^^^^
  hint: 'filters' is Keras' name; PyTorch's is 'out_channels' (or 'out')
spec.yaml:3:43: error: conv2d has no argument 'strides'
      - Conv2D: {filters: 32, kernel_size: 3, strides: 2, activation: relu}
                                              ^^^^^^^
  hint: 'strides' is Keras' name; PyTorch's is 'stride' (or 's')
spec.yaml:3:55: error: conv2d has no argument 'activation'
      - Conv2D: {filters: 32, kernel_size: 3, strides: 2, activation: relu}
                                                          ^^^^^^^^^^
  hint: 'activation' is a Keras argument; PyTorch layers take no activation argument: add the activation as the next layer ('- relu')
spec.yaml:4:5: error: unknown layer kind 'MaxPooling2D'
      - MaxPooling2D: {pool_size: 2}
        ^^^^^^^^^^^^
  hint: 'MaxPooling2D' is a Keras layer; in PyTorch's terms write 'maxpool2d'
spec.yaml:5:5: error: unknown layer kind 'Activation'
      - Activation: relu
        ^^^^^^^^^^
  hint: 'Activation' is a Keras layer; in PyTorch's terms write the activation itself, as a layer of its own ('- relu')
spec.yaml:7:13: error: dense has no argument 'units'
      - dense: {units: 10}
                ^^^^^
  hint: 'units' is Keras' name; PyTorch's is 'out_features' (or 'out')
spec.yaml:8:5: error: unknown layer kind 'rleu'
      - rleu
        ^^^^
  hint: did you mean 'relu'?
7 errors
"""


def test_keras_names_get_pytorch_names_and_every_error_comes_in_one_run(run, tmp_path, monkeypatch):
    spec = _spec(tmp_path, monkeypatch, KERAS)
    assert run("summary", spec) == (2, "", KERAS_ERRORS)


STUDENT = """\
input: [3, 32, 32]
define:
  block:
    params: [c]
    layers:
      - conv: {out: $c, kernel: 3, stide: 1}
layers:
  - block: {c: 16}
  - block: {c: 32}
  - conv: {out: 8, kernel: 0, padding: -1}
  - ReLU()
  - linear: {in_features: 10}
"""

STUDENT_ERRORS = """\
spec.yaml:6:36: error: conv has no argument 'stide'
          - conv: {out: $c, kernel: 3, stide: 1}
                                       ^^^^^
  hint: did you mean 'stride'?
spec.yaml:10:28: error: conv: 'kernel_size' must be a positive integer or one per axis (got 0)
      - conv: {out: 8, kernel: 0, padding: -1}
                               ^
spec.yaml:10:40: error: conv: 'padding' must be a non-negative integer, one per axis, [before, after] pairs per axis, or one of 'same', 'valid', 'tf_same', 'same_upper', 'same_lower' (got -1): negative padding (cropping, which F.pad allows) is a deliberate limit of the format; use crop instead
      - conv: {out: 8, kernel: 0, padding: -1}
                                           ^^
spec.yaml:11:5: error: unknown layer kind 'ReLU()'
      - ReLU()
        ^^^^^^
  hint: did you mean 'relu'?
spec.yaml:12:5: error: linear needs 'out_features' (or 'out')
      - linear: {in_features: 10}
        ^^^^^^
  hint: example: linear:10
5 errors
"""


def test_independent_errors_are_all_reported_once_in_file_order(run, tmp_path, monkeypatch):
    """A block used twice repeats its body's error once; layers after an error are still checked."""
    spec = _spec(tmp_path, monkeypatch, STUDENT)
    assert run("summary", spec) == (2, "", STUDENT_ERRORS)


def test_shape_errors_stop_at_the_first(run, tmp_path, monkeypatch):
    spec = _spec(
        tmp_path, monkeypatch,
        "input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 11}\n  - conv: {out: 4, kernel: 11}\n",
    )
    code, _, err = run("summary", spec)
    assert code == 2
    assert err.count("error:") == 1


def test_grouped_errors_read_as_the_first_to_the_api(tmp_path):
    import convcalc
    from convcalc.errors import SpecErrors

    with pytest.raises(SpecErrors) as caught:
        convcalc.load(textwrap.dedent(KERAS))
    assert isinstance(caught.value, convcalc.SpecError)
    assert caught.value.message == "conv2d has no argument 'filters'"
    assert len(caught.value.errors) == 7
