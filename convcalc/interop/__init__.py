"""Interop: models from where they live (PyTorch, ONNX, Keras JSON) to specs, and specs back out
(PyTorch code, ONNX, CLI layer strings).

Importers build a `Model` (`interop.model`): layers with PyTorch's argument names, joins and
named scopes, the shape of a spec before it is written. `graph.to_tree` turns any importer's
dataflow graph into that tree (residual adds, concats and gates found from dominators), and
`to_yaml` writes it as a spec, repeated structure folded into `define:` blocks and `repeat:`.
Frameworks are imported inside the functions that need them, never at module import.
"""
