"""`convcalc diff` output: a plain-text table for the terminal, Markdown for a pull-request
comment, and JSON. Deltas carry their sign; an entry for a whole block says how many rows it has."""

from __future__ import annotations

import json
from typing import Any

from convcalc.checks.diff import Entry, SpecDiff, Total
from convcalc.formats import grouped, shape_text, size_bytes


def _delta(old: int, new: int, unit: str = "count") -> str:
    change = new - old
    if change == 0:
        return "±0"
    percent = f", {100 * change / old:+.1f}%" if old else ""
    amount = ("+" if change > 0 else "−") + size_bytes(abs(change)) if unit == "bytes" else f"{change:+,}"
    return f"{amount}{percent}"


def _amount(total: Total, value: int) -> str:
    return size_bytes(value) if total.unit == "bytes" else grouped(value)


def total_cells(total: Total) -> tuple[str, str, str, str]:
    return (total.label, _amount(total, total.old), _amount(total, total.new), _delta(total.old, total.new, total.unit))


def entry_cells(entry: Entry) -> tuple[str, ...]:
    rows = f" ({entry.rows} rows)" if entry.rows > 1 else ""
    before = shape_text(entry.old.output_shape) if entry.old else "—"
    after = shape_text(entry.new.output_shape) if entry.new else "—"
    return (
        f"{entry.name}{rows}", entry.status, entry.kind, f"{before} → {after}" if before != after else after,
        _delta(entry.old_params, entry.new_params), _delta(entry.old_macs, entry.new_macs),
    )


ENTRY_HEADERS = ("layer", "change", "kind", "output", "params", "MACs")
TOTAL_HEADERS = ("total", "old", "new", "change")


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def _headline(d: SpecDiff) -> str:
    t = d.totals[0]
    return (f"{d.old.name} ({d.old_name}) → {d.new.name} ({d.new_name}): params {grouped(t.old)} → {grouped(t.new)}, "
            f"output {shape_text(d.old.output_shape)} → {shape_text(d.new.output_shape)}")


def to_text(d: SpecDiff) -> str:
    lines = [_headline(d), ""]
    lines += _columns([TOTAL_HEADERS, *(total_cells(t) for t in d.totals)])
    lines.append("")
    if d.entries:
        lines += _columns([ENTRY_HEADERS, *(entry_cells(e) for e in d.entries)])
    else:
        lines.append("no layer changed")
    return "\n".join(lines) + "\n"


def _md(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_markdown(d: SpecDiff) -> str:
    lines = [f"### convcalc diff: {d.old.name} → {d.new.name}", "", f"`{d.old_name}` → `{d.new_name}`", ""]
    lines += [_md(TOTAL_HEADERS), "|---|---:|---:|---:|", *(_md(total_cells(t)) for t in d.totals), ""]
    if d.entries:
        lines += [_md(ENTRY_HEADERS), "|---|---|---|---|---:|---:|", *(_md(entry_cells(e)) for e in d.entries)]
    else:
        lines.append("No layer changed.")
    return "\n".join(lines) + "\n"


def diff_dict(d: SpecDiff) -> dict[str, Any]:
    def side(row: Any) -> Any:
        return None if row is None else {"output_shape": list(row.output_shape), "kind": row.kind}

    return {
        "old": {"path": d.old_name, "name": d.old.name, "output_shape": list(d.old.output_shape)},
        "new": {"path": d.new_name, "name": d.new.name, "output_shape": list(d.new.output_shape)},
        "totals": {t.label: {"old": t.old, "new": t.new, "change": t.new - t.old} for t in d.totals},
        "layers": [
            {"name": e.name, "status": e.status, "kind": e.kind, "rows": e.rows, "old": side(e.old), "new": side(e.new),
             "params": {"old": e.old_params, "new": e.new_params}, "macs": {"old": e.old_macs, "new": e.new_macs}}
            for e in d.entries
        ],
    }


def to_json(d: SpecDiff) -> str:
    return json.dumps(diff_dict(d), indent=2, ensure_ascii=False) + "\n"
