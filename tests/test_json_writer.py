"""`render.to_json.dumps` is `json.dumps(value, indent=2, ensure_ascii=False)` byte for byte: on
every example's report and on arbitrary JSON-like values (the unusual ones take json's own path)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from convcalc.engine import analyze
from convcalc.engine.as_dict import report_dict
from convcalc.render.to_json import dumps
from convcalc.spec.from_yaml import load_spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _standard(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def test_every_example_report_is_written_as_json_dumps_writes_it():
    paths = sorted([*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "lecture").glob("*.yaml")])
    assert len(paths) >= 25
    for path in paths:
        data = report_dict(analyze(load_spec(path)))
        assert dumps(data) == _standard(data), path.name


_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    | st.sampled_from([0, 1, -1, True, False, float("nan"), float("inf"), -0.0, "é", "\u2028", "\x00"])
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans(), inner, max_size=5),
    max_leaves=30,
)


@given(_values)
def test_any_json_like_value_is_written_as_json_dumps_writes_it(value):
    assert dumps(value) == _standard(value)
