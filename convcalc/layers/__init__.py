"""Layer kinds: one module per family, each kind registered once in `registry`.

Importing this package imports no family: `registry.lookup` imports a family the first time one of
its spellings is asked for, and `kinds()` / `spellings()` import them all.
"""

from convcalc.layers.registry import Entry, kinds, lookup, spellings

__all__ = ["Entry", "kinds", "lookup", "spellings"]
