"""`convcalc import torch|onnx|keras` (a model to a spec) and `convcalc export` (a spec to PyTorch
code, ONNX or CLI layer strings). The work is in convcalc.interop; frameworks load only here."""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

from enum import Enum

import typer

from convcalc.cli.app import app, echo, guarded, warn
from convcalc.errors import ExitCode, UsageError

import_app = typer.Typer(
    no_args_is_help=True,
    help="Read a model (PyTorch, ONNX, Keras JSON) into a spec YAML that every command understands.",
)
PANEL = "Import and export"
app.add_typer(import_app, name="import", rich_help_panel=PANEL)

OUTPUT = typer.Option(None, "-o", "--output", help="Write the spec here (default: print it).")


def _emit(model: object, output: str | None) -> ExitCode | None:
    from convcalc.interop.spec_file import save

    imported = save(model, output)  # type: ignore[arg-type]  # every importer returns a Model
    if output is None:
        echo(imported.text, newline=False)
    warn([imported.summary(output or "spec")])
    return None


def _torch(
    target: str = typer.Argument(..., help="MODULE:FACTORY, e.g. models.py:resnet50 or mypkg.nets:Net.", show_default=False),
    input_shape: str = typer.Option("3x224x224", "-i", "--input", help="Input shape without batch: CxHxW."),
    kwargs: str | None = typer.Option(None, "--kwargs", help="JSON keyword arguments for the factory."),
    output: str | None = OUTPUT,
) -> ExitCode | None:
    """A PyTorch model, traced with torch.fx: module names, joins and repeated blocks kept."""
    from convcalc.interop.from_torch import import_torch
    from convcalc.spec.build import parse_shape

    return _emit(import_torch(target, parse_shape(input_shape, None), kwargs), output)


def _onnx(
    path: str = typer.Argument(..., help="An .onnx file.", show_default=False),
    output: str | None = OUTPUT,
) -> ExitCode | None:
    """An ONNX graph; every shape is cross-checked against onnx.shape_inference."""
    from convcalc.interop.from_onnx import import_onnx

    return _emit(import_onnx(path), output)


def _keras(
    path: str = typer.Argument(..., help="A Keras model's to_json() file.", show_default=False),
    input_shape: str | None = typer.Option(None, "-i", "--input", help="Input shape HxWxC as Keras has it, when the JSON has none."),
    output: str | None = OUTPUT,
) -> ExitCode | None:
    """A Keras model's JSON config (Sequential or Functional), read without TensorFlow."""
    from convcalc.interop.from_keras import import_keras

    return _emit(import_keras(path, input_shape), output)


import_app.command("torch")(guarded(_torch))
import_app.command("onnx")(guarded(_onnx))
import_app.command("keras")(guarded(_keras))


class Target(str, Enum):
    torch = "torch"
    onnx = "onnx"
    dsl = "dsl"


def export(
    spec: str = typer.Argument(..., help="A spec file (YAML, or .onnx).", show_default=False),
    to: Target = typer.Option(..., "--to", help="torch: a PyTorch module file; onnx: an ONNX graph; dsl: layer strings."),
    output: str | None = typer.Option(None, "-o", "--output", help="Write here (default: print; required for onnx)."),
) -> ExitCode | None:
    """A spec as a PyTorch module file, an ONNX graph (zero weights, for Netron) or CLI layer strings."""
    from convcalc.interop.to_yaml import write_atomic
    from convcalc.spec.read import read_network

    network = read_network([spec])
    if to is Target.onnx:
        from convcalc.interop.to_onnx import onnx_bytes

        if output is None:
            raise UsageError("--to onnx writes a binary file: give -o model.onnx")
        write_atomic(output, onnx_bytes(network))
        warn([f"{output}: ONNX graph of {network.name}, checked by onnx.checker"])
        return None
    if to is Target.torch:
        from convcalc.interop.to_torch_code import torch_code

        text = torch_code(network, spec)
    else:
        from convcalc.interop.to_dsl import dsl

        text = dsl(network)
    if output is None:
        echo(text, newline=False)
    else:
        write_atomic(output, text)
    return None


app.command("export", rich_help_panel=PANEL)(guarded(export))
