"""What the commands read: networks from spec files, stdin (`-`) or layer strings, and YAML
mapping files (quiz keys, answer files). Every problem is a `ConvcalcError` that points at the file.

`summary`'s arguments are either spec files (any number; `-` is stdin) or layer strings, never
both. An input shape (`-i 3x64x64`) is the input of layer strings, and with spec files it
replaces each spec's own `input:`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from convcalc.errors import SpecError, UsageError
from convcalc.limits import FILE_BYTES
from convcalc.network import Network
from convcalc.source import Span, stem_and_suffix
from convcalc.spec.build import parse_shape
from convcalc.spec.from_yaml import load_spec, parse_spec
from convcalc.spec.yaml_guard import load_plain, read_source

STDIN = "-"
STDIN_NAME = "<stdin>"
USAGE = "convcalc summary net.yaml [more.yaml …]   or   convcalc summary -i 3x32x32 conv:10,5,p=2 relu"


def read_stdin() -> Network:
    """A spec piped in (`convcalc summary -`), read as a spec file is, under the name <stdin>."""
    data = sys.stdin.buffer.read(FILE_BYTES.value() + 1)  # one byte past the limit is enough to refuse
    FILE_BYTES.check(len(data), None, "reading the spec from stdin")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise SpecError(f"the spec on stdin is not valid UTF-8 (byte 0x{data[problem.start]:02x})",
                        hint="send UTF-8") from None
    return parse_spec(text, STDIN_NAME)


# How a spec argument is read, by its suffix; anything else that names a file is read as YAML.
def _load_onnx(path: str) -> Network:
    """An ONNX graph reads as the spec `convcalc import onnx` writes (needs the `[onnx]` extra)."""
    from convcalc.interop.from_onnx import read_onnx

    return read_onnx(path)


LOADERS: dict[str, Callable[[str], Network]] = {".yaml": load_spec, ".yml": load_spec, ".onnx": _load_onnx}


def is_spec(item: str) -> bool:
    """A spec argument: `-`, a name with a spec suffix (read, or said to be missing), or an existing file."""
    if item == STDIN or stem_and_suffix(item)[1].lower() in LOADERS:
        return True
    from pathlib import Path  # a layer string, or a file without a spec suffix: rare

    try:
        return Path(item).is_file()
    except OSError:  # a name too long for the file system (a layer string) is no file
        return False


def _load(item: str) -> Network:
    if item == STDIN:
        return read_stdin()
    return LOADERS.get(stem_and_suffix(item)[1].lower(), load_spec)(item)


def read_networks(items: Sequence[str], input_shape: str | None = None, batch: int | None = None) -> list[Network]:
    """Spec files (one network each, in order; `-` is stdin), or layer strings with an input shape."""
    specs = [item for item in items if is_spec(item)]
    if not specs:
        if input_shape is None:
            raise UsageError("give spec files, or layer strings with an input shape", hint=USAGE)
        from convcalc.spec.from_cli import parse_layer_strings  # compiles its patterns: only for layer strings

        return [parse_layer_strings(input_shape, list(items), batch=batch or 1)]
    strays = [item for item in items if not is_spec(item)]
    if strays:
        raise UsageError(
            f"{strays[0]!r} is not a spec file, and spec files and layer strings cannot be mixed",
            hint="a spec file's input is replaced with -i: convcalc summary -i 3x64x64 net.yaml",
        )
    if items.count(STDIN) > 1:
        raise UsageError("'-' (the spec on stdin) can be given once")
    networks = [_load(item) for item in items]
    if input_shape is not None:
        shape = parse_shape(input_shape, None)
        networks = [replace(network, input_shape=shape) for network in networks]
    return networks


def read_network(items: Sequence[str], input_shape: str | None = None, batch: int | None = None) -> Network:
    """One network: a spec file, or (with an input shape such as 3x32x32) layer strings."""
    networks = read_networks(items, input_shape, batch)
    if len(networks) != 1:
        raise UsageError(f"give one spec file (got {len(networks)})", hint=USAGE)
    return networks[0]


def read_yaml_mapping(path: str, what: str) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (question id: answer); errors point at the file."""
    source = read_source(path, what)
    data = load_plain(source.text, source)
    if not isinstance(data, dict):
        raise SpecError(f"the {what} file must be a mapping (question id: answer)", Span(source, 1, 1), "q1: 5")
    return data
