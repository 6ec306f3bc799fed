"""Golden files: `convcalc summary` of every example spec in every format, and its diagnostics on
stderr, byte for byte.

The specs are found by globbing `examples/**/*.yaml`, so a new example gets goldens without editing
this file (and fails with the hint until they exist). Run `pytest --update-goldens` to write them;
a reviewed golden diff is the change log of the output format. The comparison is tests/goldens.py.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import EXAMPLES, GOLDEN, ROOT
from goldens import stale_goldens

FORMATS = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}
# Diagnostics are part of the output contract: stderr of one format is a golden too.
DIAGNOSTICS_FORMAT, DIAGNOSTICS_EXT = "json", "stderr"
# Folders of examples/ whose YAML files are not network specs, and why.
NOT_SPECS = {"homework": "answer and key files for `convcalc grade` (no top-level `layers:`), not network specs"}
# Folders of tests/golden/ that other tests own.
OTHER_GOLDENS = {"teach": "tests/test_teach.py", "pictures": "tests/test_pictures*.py"}

EXAMPLE_YAML = sorted(path.relative_to(EXAMPLES).as_posix() for path in EXAMPLES.rglob("*.yaml"))
SPECS = [name for name in EXAMPLE_YAML if name.split("/")[0] not in NOT_SPECS]


def stem(spec: str) -> str:
    """`lecture/7x7_stride3.yaml` → `lecture_7x7_stride3`: the goldens' file name without extension."""
    return spec.removesuffix(".yaml").replace("/", "_")


def has_layers(name: str) -> bool:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return isinstance(data, dict) and "layers" in data


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spec", SPECS)
def test_summary_golden(spec, fmt, run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES)  # relative paths in the diagnostics, whatever the checkout's path
    code, out, err = run("summary", spec, "--format", fmt)
    assert code == 0, err
    golden(GOLDEN / f"{stem(spec)}.{FORMATS[fmt]}", out)


@pytest.mark.parametrize("spec", SPECS)
def test_diagnostics_golden(spec, run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, _, err = run("summary", spec, "--format", DIAGNOSTICS_FORMAT)
    assert code == 0, err
    golden(GOLDEN / f"{stem(spec)}.{DIAGNOSTICS_EXT}", err)


def test_the_examples_found_are_the_specs():
    assert len(SPECS) >= 20  # the glob found the examples, not an empty folder
    assert not list(EXAMPLES.rglob("*.yml")), "name example specs *.yaml: the goldens glob *.yaml"
    not_specs = [name for name in EXAMPLE_YAML if name not in SPECS]
    assert [name for name in SPECS if not has_layers(name)] == []
    assert not_specs and [name for name in not_specs if has_layers(name)] == []


def test_golden_names_are_unique():
    stems = [stem(spec) for spec in SPECS]
    assert sorted(stems) == sorted(set(stems))


def test_no_stale_goldens():
    """A golden whose example was renamed or deleted would otherwise linger, checked by nothing."""
    extensions = [*FORMATS.values(), DIAGNOSTICS_EXT]
    expected = [GOLDEN / f"{stem(spec)}.{ext}" for spec in SPECS for ext in extensions]
    folders = [path for path in GOLDEN.iterdir() if path.is_dir() and path.name not in OTHER_GOLDENS]
    stale = stale_goldens(GOLDEN, expected) + sorted(f"{path.relative_to(ROOT).as_posix()}/" for path in folders)
    assert not stale, "goldens for no example; `git rm` them (or restore the example): " + ", ".join(stale)
