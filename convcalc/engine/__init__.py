"""The pure-Python engine: Network in, Report out. Imports nothing third-party."""

from convcalc.engine.analyze import Refusal, Trace, analyze, trace
from convcalc.engine.report import LayerResult, Report, Totals

__all__ = ["LayerResult", "Refusal", "Report", "Totals", "Trace", "analyze", "trace"]
