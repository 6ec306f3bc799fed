"""convcalc: shapes, parameters, MACs, memory and receptive fields of CNNs, from a spec.

The Python API, for test suites that assert on a spec without shelling out:

    >>> import convcalc
    >>> net = convcalc.load("examples/resnet18.yaml")          # a path, or the YAML text itself
    >>> report = convcalc.analyze(net, batch=8, dtype="float16")
    >>> report.totals.params, report.to_dict()["output_shape"]
    (11689512, [8, 1000])
    >>> result = convcalc.check("examples/resnet18.yaml", {"max_params": "25M", "output": [1000]})
    >>> result.ok, result.violations
    (True, ())

Errors are `convcalc.SpecError` (a `ConvcalcError`) with the CLI's messages: `str(error)` is the
`file:line:col: error: ...` text. Importing convcalc loads neither YAML, Rich, typer nor torch;
each function imports what it needs when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from convcalc.errors import ConvcalcError, SpecError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from convcalc.checks.result import FileResult
    from convcalc.engine.report import Report
    from convcalc.network import Network

__version__ = "0.1.0"
__all__ = ["ConvcalcError", "SpecError", "UsageError", "analyze", "check", "load"]


def load(path_or_text: str | Path) -> Network:
    """A spec from a file path, or from YAML text (any string with a newline, or that is no file)."""
    from pathlib import Path

    from convcalc.spec.from_yaml import load_spec, parse_spec

    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and Path(path_or_text).is_file()):
        return load_spec(path_or_text)
    return parse_spec(path_or_text)


def analyze(
    network: Network | str | Path,
    *,
    batch: int | None = None,
    dtype: str = "float32",
    optimizer: str = "adam",
    strict: bool = False,
) -> Report:
    """The report of a network (or of a spec path or text, loaded first): every layer's shape,
    parameters, MACs, receptive field, and the totals. `strict` makes a non-whole division an error."""
    from pathlib import Path

    from convcalc.engine import analyze as run_engine

    if isinstance(network, (str, Path)):
        network = load(network)
    return run_engine(network, batch=batch, dtype=dtype, optimizer=optimizer, strict=strict)


def check(
    path: str | Path,
    constraints: Mapping[str, Any] | None = None,
    *,
    fail_on: str = "error",
    strict: bool = False,
) -> FileResult:
    """`convcalc check` on one spec file: the spec's own `constraints:` with `constraints` on top
    (the same keys, e.g. `{"max_params": "25M", "layers": {"conv5": {"output": [256, 13, 13]}}}`).

    Returns the file's result: `.ok`, `.violations` (the failed constraints), `.findings`,
    `.messages` (failing findings as `file:line:col: level: message`) and `.report`. A file that
    cannot be read or parsed, or that the engine refuses, raises `SpecError` as the CLI reports it.
    """
    import yaml

    from convcalc.checks.constraints import Constraints, _Section
    from convcalc.checks.discover import Candidate
    from convcalc.checks.run import check_file
    from convcalc.source import Source

    extra = Constraints()
    if constraints:
        text = yaml.safe_dump(dict(constraints), sort_keys=False)
        given = _Section(Source("<constraints>", text), "argument").read(yaml.compose(text) or yaml.MappingNode("tag:yaml.org,2002:map", []), "the constraints")
        # Given in Python, they have no line to point at: a violation points at the spec (or the layer).
        extra = replace(given, limits=tuple(replace(limit, span=None) for limit in given.limits))
    result = check_file(Candidate(str(path), explicit=True), extra, fail_on=fail_on, strict=strict)
    refused = [f for f in result.findings if f.code in ("unreadable", "yaml-error", "not-a-spec", "spec-error")]
    if refused and result.report is None:
        first = refused[0]
        raise SpecError(first.message, first.span, first.hint)
    return result
