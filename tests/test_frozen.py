"""`trainable: false` (issue 17 item 7): frozen parameters still count, but apart — a frozen row's
trainable_params is 0, the totals say how many are frozen, and BatchNorm statistics stay buffers."""

from __future__ import annotations

import json

import jsonschema
import pytest

from convcalc.engine import analyze
from convcalc.engine.fold import fold
from convcalc.errors import SpecError
from convcalc.schema import spec_schema
from convcalc.spec import parse_layer_strings
from convcalc.spec.from_yaml import parse_spec

SPEC = """\
input: [3, 32, 32]
define:
  block:
    params: [c]
    layers:
      - conv: {out: $c, kernel: 3, padding: 1, bias: false}
      - batchnorm
      - relu
layers:
  - conv: {out: 8, kernel: 3, trainable: false}
  - block: {c: 8, trainable: false, name: stem}
  - repeat: 2
    trainable: false
    layers: [conv: {out: 8, kernel: 1}]
  - separable: {out: 8, kernel: 3, trainable: false}
  - block: {c: 16}
  - flatten
  - linear: 10
"""


def trainable_by_row(report):
    return {row.name: (row.params, row.trainable_params) for row in report.layers}


def test_layers_blocks_and_repeats_are_frozen_and_counted_apart():
    report = analyze(parse_spec(SPEC))
    rows = trainable_by_row(report)
    assert rows["conv1"] == (224, 0)
    assert rows["stem.conv1"] == (576, 0) and rows["stem.batchnorm1"] == (16, 0)
    assert rows["conv2"] == (72, 0) and rows["conv3"] == (72, 0)
    assert all(trainable == 0 for name, (_, trainable) in rows.items() if name.startswith("separable1."))
    assert rows["block1.conv1"] == (1152, 1152) and rows["linear1"][0] == rows["linear1"][1]
    frozen = 224 + 576 + 16 + 72 + 72 + sum(rows[n][0] for n in rows if n.startswith("separable1."))
    assert report.totals.params - report.totals.trainable_params == frozen
    # the statistics stay buffers, frozen or not
    assert next(r for r in report.layers if r.name == "stem.batchnorm1").buffers == 17
    # folding keeps the split
    folded = fold(report, 1)
    assert {r.name: r.trainable_params for r in folded.layers}["stem"] == 0


def test_freezing_changes_no_total_but_the_trainable_count_and_the_training_estimate():
    thawed = analyze(parse_spec(SPEC.replace("trainable: false", "trainable: true")))
    frozen = analyze(parse_spec(SPEC))
    assert thawed.totals.params == frozen.totals.params == thawed.totals.trainable_params
    assert thawed.totals.buffers == frozen.totals.buffers and thawed.totals.macs == frozen.totals.macs
    # adam: no gradient and no two moments for the frozen weights (4 bytes each in float32)
    missing = thawed.totals.params - frozen.totals.trainable_params
    assert thawed.totals.training_bytes - frozen.totals.training_bytes == missing * 4 * 3


def test_layer_strings_take_trainable_false():
    report = analyze(parse_layer_strings("3x8x8", ["conv:4,3,trainable=false", "relu", "conv:4,3"]))
    assert [(r.params, r.trainable_params) for r in report.layers] == [(112, 0), (0, 0), (148, 148)]


@pytest.mark.parametrize("spec", [
    "input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3, trainable: no_thanks}\n",
    "input: [3, 8, 8]\nlayers:\n  - repeat: 2\n    trainable: 0\n    layers: [relu]\n",
])
def test_trainable_must_be_true_or_false(spec):
    with pytest.raises(SpecError) as caught:
        parse_spec(spec)
    assert "'trainable' must be true or false" in caught.value.render()


def test_a_bad_trainable_in_a_layer_string_is_an_error():
    with pytest.raises(SpecError, match="'trainable' must be true or false"):
        parse_layer_strings("3x8x8", ["conv:4,3,trainable=2"])


def test_the_schema_accepts_trainable_on_layers_and_repeats():
    import yaml

    validator = jsonschema.Draft202012Validator(spec_schema())
    assert not list(validator.iter_errors(yaml.safe_load(SPEC)))
    bad = yaml.safe_load(SPEC.replace("trainable: false}", "trainable: 3}", 1))
    assert list(validator.iter_errors(bad))


def test_table_json_and_csv_show_the_frozen_count(run, tmp_path):
    path = tmp_path / "frozen.yaml"
    path.write_text(SPEC)
    report = analyze(parse_spec(SPEC))
    t = report.totals
    code, out, _ = run("summary", str(path))
    assert code == 0
    assert f"({t.trainable_params:,} trainable, {t.params - t.trainable_params:,} frozen)" in out
    code, out, _ = run("summary", str(path), "--format", "json")
    data = json.loads(out)
    assert data["layers"][0]["trainable_params"] == 0 and data["totals"]["trainable_params"] == t.trainable_params
    code, out, _ = run("summary", str(path), "--format", "csv")
    lines = out.splitlines()
    header = lines[0].split(",")
    first = dict(zip(header, lines[1].split(",")))
    assert first["params"] == "224" and first["trainable_params"] == "0"
    code, out, _ = run("summary", "-i", "3x8x8", "conv:4,3")
    assert "(112 trainable)" in out and "frozen" not in out
