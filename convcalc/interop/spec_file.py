"""An imported model as a spec file: written, read back with convcalc's own reader, analysed.

Reading the text back is the check that the writer produced a spec that means the model: a
problem there is a bug in an importer, reported as such rather than written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.engine import analyze
from convcalc.engine.report import Report
from convcalc.errors import ConvcalcError
from convcalc.formats import grouped, shape_text
from convcalc.interop.model import Model
from convcalc.interop.to_yaml import write_atomic, write_spec
from convcalc.network import Network
from convcalc.spec.from_yaml import parse_spec


@dataclass(frozen=True, slots=True)
class Imported:
    text: str
    network: Network
    report: Report

    def summary(self, where: str) -> str:
        totals = self.report.totals
        return (f"{where}: {len(self.text.splitlines())} lines, {grouped(totals.params)} parameters, "
                f"output {shape_text(self.report.output_shape)}")


def to_spec(model: Model, filename: str = "<imported spec>") -> Imported:
    text = write_spec(model)
    try:
        network = parse_spec(text, filename)
        report = analyze(network)
    except ConvcalcError as problem:
        raise ConvcalcError(
            f"the spec written for {model.source or model.name} does not read back: {problem.message}",
            problem.span, "this is a bug in convcalc's importer; please report it with the model",
        ) from None
    return Imported(text, network, report)


def save(model: Model, output: str | None) -> Imported:
    """Write the spec to `output` (atomically) once it has read back; None: nothing written."""
    imported = to_spec(model, output or "<imported spec>")
    if output is not None:
        write_atomic(output, imported.text)
    return imported
