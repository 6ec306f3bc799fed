"""The pure-Python engine: Network in, Report out. Imports nothing third-party."""

from convcalc.engine.analyze import LayerRejected, analyze
from convcalc.engine.report import LayerResult, Report, Totals

__all__ = ["LayerRejected", "LayerResult", "Report", "Totals", "analyze"]
