"""Docs as tests: the README documents every kind and argument, and CI runs its test command."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import ROOT

from convcalc.engine import analyze
from convcalc.layers import kinds
from convcalc.layers.args import REQUIRED, describe
from convcalc.layers.registry import family_spellings
from convcalc.spec import parse_layer_strings

README = (ROOT / "README.md").read_text(encoding="utf-8")
KINDS = {family_spellings(kind)[0]: kind for kind in kinds()}
EXAMPLE_INPUT = {"linear": "3x8", "layernorm": "3x8x8", "groupnorm": "32x8x8", "pixelshuffle": "64x16x16"}


START = "<!-- kinds: generated from the registry; `python -m pytest tests/test_docs.py --update-goldens` rewrites it -->"
END = "<!-- kinds: end -->"


def kind_section(kind: type) -> str:
    """A kind's README section: spellings, docstring, one row per argument, positional order."""
    names = family_spellings(kind)
    also = f" (also {', '.join(f'`{n}`' for n in names[1:])})" if len(names) > 1 else ""
    doc = " ".join(line.strip() for line in (kind.__doc__ or "").strip().splitlines() if line.strip())
    lines = [f"#### `{names[0]}`{also}", "", doc, ""]
    fields = dataclasses.fields(kind)
    if fields:
        lines += ["| argument | aliases | default | must be |", "|---|---|---|---|"]
        for f in fields:
            aliases = ", ".join(f.metadata.get("aliases", ())) or "—"
            default = "required" if f.default is REQUIRED else describe(f.default)
            lines.append(f"| `{f.name}` | {aliases} | {default} | {f.metadata['check'].expectation}; {f.metadata['doc']} |")
        lines.append("")
    order = f"Positional order on the command line: {', '.join(kind.positional)}. " if kind.positional else ""
    lines += [f"{order}Example: `{kind.example}`", ""]
    return "\n".join(lines)


def test_kind_reference_is_the_registry(update_goldens):
    """Every kind, spelling, argument, alias and default in the README comes from the registry."""
    expected = "\n".join(kind_section(kind) for kind in kinds())
    head, rest = README.split(START + "\n\n", 1)
    current, tail = rest.split("\n" + END, 1)
    if update_goldens and current != expected:
        (ROOT / "README.md").write_text(head + START + "\n\n" + expected + "\n" + END + tail, encoding="utf-8")
        return
    assert current == expected, "README's kind reference is stale: run pytest tests/test_docs.py --update-goldens"
    assert all(kind.__doc__ and kind.__doc__.strip() for kind in kinds())


@pytest.mark.parametrize("family", KINDS)
def test_every_kinds_example_runs(family):
    kind = KINDS[family]
    analyze(parse_layer_strings(EXAMPLE_INPUT.get(family, "64x16x16"), [kind.example]))


def test_ci_runs_the_readme_test_command():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert len(commands) == 2, "the Quick start is exactly two commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
