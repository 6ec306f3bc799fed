"""The README's limits table is the registry of limits (convcalc.limits.LIMITS), so it can never
name a default or a variable that the code does not use."""

from __future__ import annotations

from conftest import ROOT

from convcalc.limits import LIMITS

START = "<!-- limits: generated from convcalc.limits.LIMITS; `python -m pytest tests/test_limits_doc.py --update-goldens` rewrites it -->"
END = "<!-- limits: end -->"


def limits_table() -> str:
    lines = ["| limit | default | counted in | raise it with |", "|---|---|---|---|"]
    lines += [f"| {limit.name} | {limit.default:,} | {limit.what} | `{limit.env}` |" for limit in LIMITS]
    return "\n".join(lines)


def test_readme_limits_table_is_the_registry(update_goldens):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head, rest = readme.split(START + "\n", 1)
    current, tail = rest.split(END, 1)
    expected = limits_table() + "\n"
    if update_goldens and current != expected:
        (ROOT / "README.md").write_text(head + START + "\n" + expected + END + tail, encoding="utf-8")
        return
    assert current == expected, "README's limits table is stale: run pytest tests/test_limits_doc.py --update-goldens"


def test_every_limit_has_its_own_variable():
    assert len({limit.env for limit in LIMITS}) == len(LIMITS)
    assert all(limit.env.startswith("CONVCALC_MAX_") and limit.default > 0 for limit in LIMITS)
