"""`convcalc schema`: generated from the registries, valid draft 2020-12, every example valid
against it, and documents the reader refuses for an unknown kind or argument refused by it too."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES
from test_golden import SPECS

from convcalc.errors import SpecError
from convcalc.layers import kinds
from convcalc.layers.graph import CONSTRUCTS
from convcalc.schema import check_schema, spec_schema
from convcalc.spec import parse_spec

SCHEMA = spec_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_valid_draft_2020_12(run):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    code, out, _ = run("schema")
    assert code == 0 and json.loads(out) == SCHEMA


def test_every_argument_check_has_a_schema():
    missing = {
        f"{kind.family}.{f.name}"
        for kind in kinds() for f in dataclasses.fields(kind) if check_schema(f.metadata["check"]) is None
    }
    assert not missing, "add these checks to convcalc.schema.CHECK_SCHEMAS: " + ", ".join(sorted(missing))


def test_every_kind_and_construct_is_in_the_schema():
    layer = SCHEMA["$defs"]["strict.layer"]["anyOf"][2]
    for kind in kinds():
        assert f"args.{kind.family}" in SCHEMA["$defs"]
    assert set(CONSTRUCTS) <= set(layer["properties"])


@pytest.mark.parametrize("spec", SPECS)
def test_every_example_validates(spec):
    document = yaml.safe_load((EXAMPLES / spec).read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document)]
    assert not errors


ACCEPTED = [
    "layers: [Conv2d: {out_channels: 8, kernel_size: 3}, max_pool2d: 2, ReLU, adaptive_avg_pool2d: [1, 1], flatten]",
    "layers: [conv: {out: 8, k: 3, p: same}, residual: [conv: {out: 8, kernel: 3, padding: 1}], concat: [[], [relu]]]",
    "layers: [{repeat: 2, name: stage, layers: [conv: {out: 3, kernel: 1}]}]",
    (
        "constraints: {max_params: 25M, max_training_memory: 2GiB, dtype: float16, output: [3, 8, 8],\n"
        "              layers: {conv1: {output: 3x8x8, min_receptive_field: 1}}}\nlayers: [conv: {out: 3, kernel: 1}]"
    ),
    "define: {blk: {params: {c: ~}, layers: [conv: {out: $c * 2, kernel: 1}]}}\nlayers: [blk: {c: 4}, blk: {c: 2}]",
]
REFUSED = [
    ("layers: [convv: {out: 8, kernel: 3}]", "unknown layer kind"),
    ("layers: [conv: {out: 8, kernal: 3}]", "has no argument 'kernal'"),
    ("layers: [conv: {out: 8}]", "needs 'kernel_size'"),
    ("layers: [conv: {out: true, kernel: 3}]", "'out_channels' must be a positive integer"),
    ("layers: [conv]", "needs 'out_channels'"),
    ("layers: [maxpool: {kernel: 2, stride: 0}]", "'stride' must be a positive integer"),
    ("layers: [residual: {main: [relu], shortcuts: [relu]}]", "unknown key 'shortcuts'"),
    ("layers: [relu]\nlayerz: []", "unknown top-level key 'layerz'"),
    ("constraints: {max_parms: 1M}\nlayers: [relu]", None),  # the reader leaves constraints to check
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_accepted_by_both(body):
    text = f"input: [3, 8, 8]\n{body}\n"
    parse_spec(text)
    assert not list(VALIDATOR.iter_errors(yaml.safe_load(text)))


@pytest.mark.parametrize(("body", "words"), REFUSED)
def test_refused_by_both(body, words):
    text = f"input: [3, 8, 8]\n{body}\n"
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text)))
    if words is None:
        return
    with pytest.raises(SpecError) as refused:
        from convcalc.engine import analyze

        analyze(parse_spec(text))
    assert words in refused.value.message
