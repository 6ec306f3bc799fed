"""Bad input: the exact message (position, caret, hint) and exit code 2, never a traceback."""

from __future__ import annotations

import textwrap

import pytest

CASES = {
    "broken_yaml": (
        "name: x\ninput: [3, 32, 32\nlayers:\n  - relu\n",
        """\
        spec.yaml:3:7: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts at 2:8)
            layers:
                  ^
          hint: check indentation, colons and brackets
        """,
    ),
    "stride_zero": (
        "input: [3, 32, 32]\nlayers:\n  - conv: {out: 8, kernel: 3}\n  - maxpool: {kernel: 3, stride: 0}\n",
        """\
        spec.yaml:4:34: error: maxpool: 'stride' must be a positive integer or one per axis (got 0)
              - maxpool: {kernel: 3, stride: 0}
                                             ^
        """,
    ),
    "bool_for_int": (
        "input: [3, 32, 32]\nlayers:\n  - conv: {out: 8, kernel: true}\n",
        """\
        spec.yaml:3:28: error: conv: 'kernel_size' must be a positive integer or one per axis (got true)
              - conv: {out: 8, kernel: true}
                                       ^^^^
          hint: true and false are not numbers; write an integer
        """,
    ),
    "kernel_too_big": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {name: conv2, out: 8, kernel: 11}\n",
        """\
        spec.yaml:3:41: error: conv2 (conv): kernel 11x11 is larger than the padded input 8x8
              - conv: {name: conv2, out: 8, kernel: 11}
                                                    ^^
          hint: use a smaller kernel, more padding, or a larger input
        """,
    ),
    "unknown_argument": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {out: 8, kernel: 3, strid: 2}\n",
        """\
        spec.yaml:3:31: error: conv has no argument 'strid'
              - conv: {out: 8, kernel: 3, strid: 2}
                                          ^^^^^
          hint: did you mean 'stride'?
        """,
    ),
    "unknown_kind": (
        "input: [3, 8, 8]\nlayers:\n  - rleu\n",
        """\
        spec.yaml:3:5: error: unknown layer kind 'rleu'
              - rleu
                ^^^^
          hint: did you mean 'relu'?
        """,
    ),
    "groups_do_not_divide": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {out: 8, kernel: 3, groups: 2}\n",
        """\
        spec.yaml:3:39: error: conv1 (conv): groups=2 does not divide in_channels=3
              - conv: {out: 8, kernel: 3, groups: 2}
                                                  ^
          hint: in_channels must be a multiple of groups
        """,
    ),
    "channel_mismatch": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {in: 1, out: 8, kernel: 3}\n",
        """\
        spec.yaml:3:16: error: conv1 (conv): expects 1 input channel but its input has 3
              - conv: {in: 1, out: 8, kernel: 3}
                           ^
          hint: set in_channels to 3 or fix the layer before it
        """,
    ),
    "arguments_not_indented": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {out: 8}\n    kernel: 3\n",
        """\
        spec.yaml:3:5: error: a layer is a mapping with one key, its kind; got 2 keys (conv, kernel)
              - conv: {out: 8}
                ^
          hint: indent the arguments under the kind: '- conv: {out: 6, kernel: 5}'
        """,
    ),
    "pool_padding_over_half": (
        "input: [3, 8, 8]\nlayers:\n  - maxpool: {kernel: 2, padding: 2}\n",
        """\
        spec.yaml:3:35: error: maxpool1 (maxpool): padding 2 is more than half the kernel 2; PyTorch allows at most 1
              - maxpool: {kernel: 2, padding: 2}
                                              ^
          hint: use padding <= 1, or a larger kernel
        """,
    ),
    "missing_required": (
        "input: [3, 8, 8]\nlayers:\n  - conv: {kernel: 3}\n",
        """\
        spec.yaml:3:5: error: conv needs 'out_channels' (or 'out')
              - conv: {kernel: 3}
                ^^^^
          hint: example: conv:64,3,p=1
        """,
    ),
    "missing_input": (
        "layers:\n  - relu\n",
        """\
        spec.yaml:1:1: error: the spec has no 'input:'
            layers:
            ^
          hint: add 'input: [C, H, W]'
        """,
    ),
    "unknown_top_key": (
        "input: [3, 8, 8]\nlayer:\n  - relu\n",
        """\
        spec.yaml:2:1: error: unknown top-level key 'layer'
            layer:
            ^^^^^
          hint: did you mean 'layers'?
        """,
    ),
    "duplicate_name": (
        "input: [3, 8, 8]\nlayers:\n  - relu: {name: a}\n  - relu: {name: a}\n",
        """\
        spec.yaml:4:18: error: layer name 'a' is used twice
              - relu: {name: a}
                             ^
          hint: give each layer its own name
        """,
    ),
    "conv_after_flatten": (
        "input: [3, 8, 8]\nlayers:\n  - flatten\n  - conv2d: {out: 4, kernel: 3}\n",
        """\
        spec.yaml:4:5: error: conv1 (conv2d): conv2d needs an input of shape (C, H, W), got 192
              - conv2d: {out: 4, kernel: 3}
                ^^^^^^
          hint: write 'conv' to take the rank from the input, or fix the input shape
        """,
    ),
}


GRAPH_CASES = {
    "residual_shape_mismatch": (
        'input: [3, 32, 32]\nlayers:\n  - conv: {out: 16, kernel: 3, padding: 1}\n  - residual:\n      main:\n        - conv: {out: 32, kernel: 3, padding: 1}\n        - relu\n',
        """\
        spec.yaml:4:5: error: add1 (add): residual add needs every path to end in the same shape: main ends 32x32x32 at relu1 (spec.yaml:7:11); shortcut is the input itself, 16x32x32
              - residual:
                ^^^^^^^^
          hint: the identity shortcut keeps the input's shape; give the residual a 'shortcut:' (1x1 conv) to change it
""",
    ),
    "concat_size_mismatch": (
        'input: [3, 32, 32]\nlayers:\n  - concat:\n      - [conv: {out: 8, kernel: 3, stride: 2, padding: 1}]\n      - [conv: {out: 8, kernel: 1}]\n',
        """\
        spec.yaml:3:5: error: concat1 (concat): concat stacks channels, so every branch must end in the same spatial size: branch1 ends 8x16x16 at conv1 (spec.yaml:4:10); branch2 ends 8x32x32 at conv2 (spec.yaml:5:10)
              - concat:
                ^^^^^^
          hint: give every branch the same stride and 'same'-style padding
""",
    ),
    "gate_channels": (
        'input: [8, 16, 16]\nlayers:\n  - gate: [adaptiveavgpool: 1, conv: {out: 4, kernel: 1}, sigmoid]\n',
        """\
        spec.yaml:3:5: error: mul1 (mul): a gate multiplies its input by the gate's output, which must be 8x1x1 (one value per channel) or 8x16x16: input 8x16x16; gate ends 4x1x1 at sigmoid1 (spec.yaml:3:59)
              - gate: [adaptiveavgpool: 1, conv: {out: 4, kernel: 1}, sigmoid]
                ^^^^
          hint: end the gate with a 1x1 conv back to the input's channels, and a sigmoid
""",
    ),
    "block_missing_parameter": (
        'input: [3, 32, 32]\ndefine:\n  block:\n    params: {out: ~, stride: 1}\n    layers:\n      - conv: {out: $out, kernel: 3, stride: $stride}\nlayers:\n  - block: {stride: 2}\n',
        """\
        spec.yaml:8:5: error: the block 'block' needs a value for 'out' (no default; the block is defined at line 3)
              - block: {stride: 2}
                ^^^^^
          hint: write 'block: {out: ...}'
""",
    ),
    "block_unknown_parameter": (
        'input: [3, 32, 32]\ndefine:\n  block:\n    params: {out: ~, stride: 1}\n    layers:\n      - conv: {out: $out, kernel: 3, stride: $stride}\nlayers:\n  - block: {out: 8, strde: 2}\n',
        """\
        spec.yaml:8:21: error: the block 'block' has no parameter 'strde'
              - block: {out: 8, strde: 2}
                                ^^^^^
          hint: did you mean 'stride'?
""",
    ),
    "unknown_dollar_parameter": (
        'input: [3, 32, 32]\ndefine:\n  block:\n    params: [out]\n    layers:\n      - conv: {out: $out * $width, kernel: 3}\nlayers:\n  - block: {out: 8}\n',
        """\
        spec.yaml:6:21: error: unknown parameter '$width'
                  - conv: {out: $out * $width, kernel: 3}
                                ^^^^^^^^^^^^^
          hint: parameters in scope: $out
""",
    ),
    "block_uses_itself": (
        'input: [3, 32, 32]\ndefine:\n  a:\n    layers: [b]\n  b:\n    layers: [relu, a]\nlayers:\n  - a\n',
        """\
        spec.yaml:6:20: error: the block 'a' uses itself (a → b → a)
                layers: [relu, a]
                               ^
          hint: a block cannot contain itself
""",
    ),
    "incompatible_share": (
        'input: [3, 32, 32]\nlayers:\n  - conv: {name: c1, out: 8, kernel: 3, padding: 1}\n  - conv: {name: c2, out: 8, kernel: 3, padding: 1, shared: c1}\n',
        """\
        spec.yaml:4:61: error: c2 (conv2d) cannot share the weights of c1 (conv2d): it needs weights 8x8x3x3, 8, c1 has 8x3x3x3, 8
              - conv: {name: c2, out: 8, kernel: 3, padding: 1, shared: c1}
                                                                        ^^
          hint: a shared layer needs the same kind, channels and kernel as the layer it shares
""",
    ),
    "share_of_a_later_layer": (
        'input: [3, 32, 32]\nlayers:\n  - conv: {name: c1, out: 3, kernel: 3, padding: 1, shared: c2}\n  - conv: {name: c2, out: 3, kernel: 3, padding: 1}\n',
        """\
        spec.yaml:3:61: error: c1 (conv2d) shares the weights of 'c2', which is not a layer before it
              - conv: {name: c1, out: 3, kernel: 3, padding: 1, shared: c2}
                                                                        ^^
          hint: name a layer that runs earlier, by its full dotted name as the table shows it
""",
    ),
    "arithmetic_on_a_list": (
        'input: [3, 32, 32]\ndefine:\n  block:\n    params: {k: [1, 7]}\n    layers:\n      - conv: {out: $k * 2, kernel: 3}\nlayers:\n  - block\n',
        """\
        spec.yaml:6:21: error: $k is [1, 7], and arithmetic needs integers (in '$k * 2')
                  - conv: {out: $k * 2, kernel: 3}
                                ^^^^^^
          hint: write integers and $parameters with + - * // % / and parentheses, e.g. $mid * 4
""",
    ),
}


@pytest.mark.parametrize("case", [*CASES, *GRAPH_CASES])
def test_spec_errors_are_exact(case, run, tmp_path, monkeypatch):
    """Layers, and graphs: joins show each path's shape and where it was made; blocks name the
    missing or unknown parameter."""
    text, expected = {**CASES, **GRAPH_CASES}[case]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(text)
    code, out, err = run("summary", "spec.yaml")
    assert (code, out) == (2, "")
    assert err == textwrap.dedent(expected)


LAYER_STRING_CASES = {
    "unknown_argument": (
        ["-i", "3x32x32", "conv:10,5,p=2,q=1"],
        """\
        <layers>:1:15: error: conv has no argument 'q'
            conv:10,5,p=2,q=1
                          ^
          hint: conv accepts: out_channels, kernel_size, stride, padding, dilation, groups, bias, in_channels
        """,
    ),
    "linear_on_unflattened": (
        ["-i", "3x32", "linear:10,in=5"],
        """\
        <layers>:1:14: error: linear1 (linear): expects 5 input features but its input's last axis has 32
            linear:10,in=5
                         ^
          hint: add a flatten before it
        """,
    ),
    "too_many_positionals": (
        ["-i", "3x7x7", "conv:1,3,2,1,5"],
        """\
        <layers>:1:14: error: conv takes 4 positional arguments (out_channels, kernel_size, stride, padding), got 5
            conv:1,3,2,1,5
                         ^
          hint: name the extra ones: key=value
        """,
    ),
    "same_padding_with_stride": (
        ["-i", "3x7x7", "conv:1,3,2,same"],
        """\
        <layers>:1:12: error: conv1 (conv): padding='same' is not supported for strided convolutions (PyTorch refuses it)
            conv:1,3,2,same
                       ^^^^
          hint: use padding 'tf_same' for TensorFlow's SAME, or an explicit padding
        """,
    ),
    "strict_non_whole": (
        ["-i", "1x7x7", "conv:1,3,3", "--strict"],
        """\
        <layers>:1:10: error: conv1 (conv2d): (7 − 3)/3 + 1 = 2.33 is not whole along the height and width: PyTorch floors it to 2; the last input row and the last input column are never covered
            conv:1,3,3
                     ^
          hint: choose padding and stride so that (N + 2P − F)/S + 1 is whole, or drop --strict
        """,
    ),
    "layers_without_input": (
        ["conv:10,5"],
        """\
        error: give spec files, or layer strings with an input shape
          hint: convcalc summary net.yaml [more.yaml …]   or   convcalc summary -i 3x32x32 conv:10,5,p=2 relu
        """,
    ),
    "bad_input_shape": (
        ["-i", "3by32", "relu"],
        """\
        error: input shape must be positive sizes joined by 'x', channels first (got '3by32')
          hint: for example 3x32x32 (C x H x W), or 1x28 for a 1-D signal
        """,
    ),
    "missing_file": (
        ["does-not-exist.yaml"],
        """\
        error: cannot read spec file 'does-not-exist.yaml': No such file or directory
          hint: check the path
        """,
    ),
}


@pytest.mark.parametrize("case", LAYER_STRING_CASES)
def test_layer_string_errors_are_exact(case, run, tmp_path, monkeypatch):
    args, expected = LAYER_STRING_CASES[case]
    monkeypatch.chdir(tmp_path)
    code, out, err = run("summary", *args)
    assert (code, out) == (2, "")
    assert err == textwrap.dedent(expected)


def test_non_whole_is_a_warning_by_default(run):
    code, out, err = run("summary", "-i", "1x7x7", "conv:1,3,3", "--format", "json")
    assert code == 0
    assert '"output_shape": [\n    1,\n    1,\n    2,\n    2\n  ]' in out
    assert err.startswith("<layers>:1:10: warning: conv1 (conv2d): (7 − 3)/3 + 1 = 2.33 is not whole")


@pytest.mark.parametrize("option", [["--batch", "0"], ["--dtype", "float8"], ["--format", "xml"]])
def test_bad_options_are_usage_errors(run, option):
    code, _, _ = run("summary", "-i", "3x8x8", "relu", *option)
    assert code == 2

