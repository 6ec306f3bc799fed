"""Front ends: YAML spec files and CLI layer strings, both producing a `Network`.

`parse_layer_strings` is imported when first asked for: a summary of spec files never reads a
layer string, and the module compiles its patterns when imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convcalc.spec.from_yaml import load_spec, parse_spec

if TYPE_CHECKING:
    from convcalc.spec.from_cli import parse_layer_strings

__all__ = ["load_spec", "parse_layer_strings", "parse_spec"]


def __getattr__(name: str) -> Any:
    if name != "parse_layer_strings":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from convcalc.spec.from_cli import parse_layer_strings

    return parse_layer_strings
