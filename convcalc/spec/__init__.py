"""Front ends: YAML spec files and CLI layer strings, both producing a `Network`."""

from convcalc.spec.from_cli import parse_layer_strings
from convcalc.spec.from_yaml import load_spec, parse_spec

__all__ = ["load_spec", "parse_layer_strings", "parse_spec"]
