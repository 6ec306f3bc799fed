"""`convcalc diff OLD NEW`: what a change to a spec did, per layer and in total.

Rows are matched by their dotted names. A block that exists only on one side (ResNet-34's
`layer3.2` … `layer3.5`) is one entry, with its rows' summed parameters and MACs, rather than one
entry per row. `spec.yaml@REV` reads the spec as it was at a git revision (`git show`).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from convcalc.engine.report import LayerResult, Report
from convcalc.errors import SpecError
from convcalc.network import Network


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the diff: a row (or a whole block) `added`, `removed` or `changed`."""

    name: str
    status: str
    kind: str
    rows: int
    old: LayerResult | None  # the row itself, or the block's last row
    new: LayerResult | None
    old_params: int
    new_params: int
    old_macs: int
    new_macs: int


@dataclass(frozen=True, slots=True)
class Total:
    label: str
    old: int
    new: int
    unit: str  # count | bytes | pixels


@dataclass(frozen=True, slots=True)
class SpecDiff:
    old_name: str
    new_name: str
    old: Report
    new: Report
    entries: tuple[Entry, ...]
    totals: tuple[Total, ...]


def _output_rf(report: Report) -> int:
    """The receptive field (largest axis) at the last row with a spatial layout; 0 when none has one."""
    fields = [row.receptive_field for row in report.layers if row.receptive_field]
    return int(max(axis.size for axis in fields[-1])) if fields else 0


def _differs(old: LayerResult, new: LayerResult) -> bool:
    """A row changed when its kind, shape, parameters or MACs did; a receptive field that grew because
    layers were added before it is reported once, in the totals, not on every later row."""
    return (old.kind, old.output_shape, old.params, old.macs) != (new.kind, new.output_shape, new.params, new.macs)


def _one_sided(rows: list[LayerResult], other: Report, status: str) -> list[Entry]:
    """Rows only one side has, a block that only one side has folded into one entry."""
    known = {row.name for row in other.layers} | {group.name for row in other.layers for group in row.groups}
    kinds: dict[str, str] = {}
    members: dict[str, list[LayerResult]] = {}
    for row in rows:
        block = next((group for group in row.groups if group.name not in known), None)
        name, kind = (row.name, row.kind) if block is None else (block.name, block.kind)
        kinds.setdefault(name, kind)
        members.setdefault(name, []).append(row)
    return [_entry(name, status, kind, members[name]) for name, kind in kinds.items()]


def _entry(name: str, status: str, kind: str, rows: list[LayerResult]) -> Entry:
    params, macs = sum(r.params for r in rows), sum(r.macs for r in rows)
    last = rows[-1]
    if status == "added":
        return Entry(name, status, kind, len(rows), None, last, 0, params, 0, macs)
    return Entry(name, status, kind, len(rows), last, None, params, 0, macs, 0)


def _totals(old: Report, new: Report) -> tuple[Total, ...]:
    def pairs(report: Report) -> list[tuple[str, int, str]]:
        t = report.totals
        return [("params", t.params, "count"), ("trainable params", t.trainable_params, "count"),
                ("MACs", t.macs, "count"), ("param memory", t.param_bytes + t.buffer_bytes, "bytes"),
                ("activation memory", t.activation_bytes, "bytes"), ("training memory", t.training_bytes, "bytes"),
                ("receptive field", _output_rf(report), "pixels"), ("rows", len(report.layers), "count")]

    return tuple(Total(label, a, b, unit) for (label, a, unit), (_, b, _) in zip(pairs(old), pairs(new)))


def diff_reports(old: Report, new: Report, old_name: str, new_name: str) -> SpecDiff:
    old_rows = {row.name: row for row in old.layers}
    new_rows = {row.name: row for row in new.layers}
    changed = [
        Entry(row.name, "changed", row.kind, 1, old_rows[row.name], row, old_rows[row.name].params, row.params,
              old_rows[row.name].macs, row.macs)
        for row in new.layers if row.name in old_rows and _differs(old_rows[row.name], row)
    ]
    added = _one_sided([row for row in new.layers if row.name not in old_rows], old, "added")
    removed = _one_sided([row for row in old.layers if row.name not in new_rows], new, "removed")
    order = {row.name: index for index, row in enumerate(new.layers)}
    position = {row.name: index for index, row in enumerate(old.layers)}

    def where(entry: Entry) -> tuple[int, int]:
        row = entry.new or entry.old
        assert row is not None
        return (order.get(row.name, len(order)), position.get(row.name, 0))

    entries = sorted(changed + added, key=where) + removed
    return SpecDiff(old_name, new_name, old, new, tuple(entries), _totals(old, new))


def load_revision(item: str) -> Network:
    """A spec file, or `path@REV`: the file as it was at git revision REV."""
    from convcalc.spec.from_yaml import load_spec, parse_spec

    path = Path(item)
    if path.exists() or "@" not in item:
        return load_spec(path)
    file, revision = item.rsplit("@", 1)
    where = Path(file)
    try:
        shown = subprocess.run(
            ["git", "show", f"{revision}:./{where.name}"], cwd=where.parent if str(where.parent) else ".",
            capture_output=True, text=True, check=False,
        )
    except OSError as problem:
        raise SpecError(f"cannot run git to read '{item}': {problem}", hint="install git, or give two files") from None
    if shown.returncode != 0:
        raise SpecError(f"cannot read '{file}' at revision '{revision}': {shown.stderr.strip()}",
                        hint="spec.yaml@HEAD~1 reads the spec as it was one commit ago")
    return parse_spec(shown.stdout, item)
