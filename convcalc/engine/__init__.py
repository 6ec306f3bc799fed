"""The pure-Python engine: Network in, Report out. Imports nothing third-party."""

from convcalc.engine.analyze import analyze
from convcalc.engine.report import LayerResult, Report, Totals

__all__ = ["LayerResult", "Report", "Totals", "analyze"]
