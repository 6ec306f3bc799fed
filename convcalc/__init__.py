"""convcalc: shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec."""

__version__ = "0.1.0"
