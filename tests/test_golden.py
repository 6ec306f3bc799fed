"""Golden files: each renderer's output for the examples, byte for byte.

Run `pytest --update-goldens` to rewrite them; a reviewed golden diff is the change log of the
output format.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, GOLDEN

FORMATS = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}
SPECS = ["lenet5.yaml", "alexnet.yaml", "lecture/7x7_stride3.yaml"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spec", SPECS)
def test_golden(spec, fmt, run, update_goldens, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = run("summary", spec, "--format", fmt)
    assert code == 0
    golden = GOLDEN / f"{spec.replace('/', '_').removesuffix('.yaml')}.{FORMATS[fmt]}"
    if update_goldens:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
