"""Layer kinds: one module per family, each kind registered once in `registry`.

Importing this package imports every family so the registry is complete.
"""

from convcalc.layers import activation, conv, linear, norm, pool, reshape  # noqa: F401  (registers kinds)
from convcalc.layers.registry import Entry, kinds, lookup, spellings

__all__ = ["Entry", "kinds", "lookup", "spellings"]
