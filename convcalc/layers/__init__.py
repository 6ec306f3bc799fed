"""Layer kinds: one module per family, each kind registered once in `registry`.

Importing this package imports every family so the registry is complete.
"""

# Order is the order of `convcalc kinds` and the README reference.
from convcalc.layers import conv, composite, pool, resize, pad, linear, norm, reshape, activation  # noqa: F401, I001  (registers kinds)
from convcalc.layers.registry import Entry, kinds, lookup, spellings

__all__ = ["Entry", "kinds", "lookup", "spellings"]
