"""Docs as tests: the README documents every kind and argument, and CI runs its test command."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import ROOT

from convcalc.engine import analyze
from convcalc.layers import kinds
from convcalc.layers.registry import family_spellings
from convcalc.spec import parse_layer_strings

README = (ROOT / "README.md").read_text(encoding="utf-8")
KINDS = {family_spellings(kind)[0]: kind for kind in kinds()}
EXAMPLE_INPUT = {"linear": "3x8", "layernorm": "3x8x8", "groupnorm": "32x8x8"}


@pytest.mark.parametrize("family", KINDS)
def test_every_kind_is_documented_with_every_argument(family):
    kind = KINDS[family]
    section = README.split(f"#### `{family}`", 1)
    assert len(section) == 2, f"README has no '#### `{family}`' section"
    body = section[1].split("####", 1)[0]
    for field in dataclasses.fields(kind):
        assert f"`{field.name}`" in body
        for alias in field.metadata.get("aliases", ()):
            assert alias in body
    assert kind.__doc__ and kind.__doc__.strip()


@pytest.mark.parametrize("family", KINDS)
def test_every_kinds_example_runs(family):
    kind = KINDS[family]
    analyze(parse_layer_strings(EXAMPLE_INPUT.get(family, "64x16x16"), [kind.example]))


def test_ci_runs_the_readme_test_command():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert len(commands) == 2, "the Quick start is exactly two commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
