"""`convcalc check` (specs as a CI gate), `convcalc schema` (the spec format as JSON Schema) and
`convcalc diff` (what a change to a spec did)."""

# No `from __future__ import annotations`: typer reads these annotations on every run (cli.app says why).

import os
from enum import Enum
from pathlib import Path

import typer

from convcalc.cli.app import BATCH, FAIL_ON, STRICT, Dtype, FailOn, Optimizer, command, echo, show, warn
from convcalc.errors import ExitCode, UsageError


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"
    sarif = "sarif"


class DiffFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then one rename."""
    import tempfile  # here, not at the top: every run typer handles imports this module, --help too

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as problem:
        raise UsageError(f"cannot write '{path}': {problem.strerror or problem}", hint="check the directory") from None


def _limit(flag: str, what: str) -> str | None:
    return typer.Option(None, flag, help=what, show_default=False)  # type: ignore[no-any-return]  # typer's OptionInfo


@command()
def check(
    paths: list[str] = typer.Argument(
        ..., metavar="PATH...", help="Spec files, directories (searched recursively) or glob patterns."
    ),
    fmt: CheckFormat = typer.Option(CheckFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the output to this file instead of stdout."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write a JUnit XML file, whatever the format."),
    fail_on: FailOn = FAIL_ON,
    strict: bool = STRICT,
    budget_file: Path | None = typer.Option(None, "--budget-file", help="Constraints from a YAML file (spec < file < flags)."),
    skip_non_specs: bool = typer.Option(False, "--skip-non-specs", help="Skip a named file that is not a spec (pre-commit)."),
    max_params: str | None = _limit("--max-params", "Most parameters, e.g. 25M."),
    max_trainable_params: str | None = _limit("--max-trainable-params", "Most trainable parameters."),
    max_macs: str | None = _limit("--max-macs", "Most MACs for the batch, e.g. 4.1G."),
    max_flops: str | None = _limit("--max-flops", "Most FLOPs (2·MACs) for the batch."),
    max_param_memory: str | None = _limit("--max-param-memory", "Most parameter memory, e.g. 100MiB."),
    max_activation_memory: str | None = _limit("--max-activation-memory", "Most activation memory, e.g. 2GiB."),
    max_training_memory: str | None = _limit("--max-training-memory", "Most training memory (estimate), e.g. 8GiB."),
    expect_output: str | None = _limit("--expect-output", "The output shape per sample, e.g. 1000 or 256x13x13."),
    min_receptive_field: str | None = _limit("--min-receptive-field", "Smallest receptive field at the output."),
    max_layers: str | None = _limit("--max-layers", "Most rows (joins not counted)."),
    batch: int | None = BATCH,
    dtype: Dtype | None = typer.Option(None, "--dtype", help="Element type for the memory limits (default float32)."),
    optimizer: Optimizer | None = typer.Option(None, "--optimizer", help="Optimizer for max-training-memory (default adam)."),
) -> ExitCode:
    """Validate specs for CI: exit 0 all pass, 1 a violation or failing diagnostic, 2 an unreadable file."""
    from convcalc.checks.constraints import Constraints, from_flags, load_budget
    from convcalc.checks.run import check_paths
    from convcalc.render.dispatch import render_check

    flags = from_flags({
        "max_params": max_params, "max_trainable_params": max_trainable_params, "max_macs": max_macs,
        "max_flops": max_flops, "max_param_memory": max_param_memory, "max_activation_memory": max_activation_memory,
        "max_training_memory": max_training_memory, "output": expect_output,
        "min_receptive_field": min_receptive_field, "max_layers": max_layers, "batch": batch,
        "dtype": dtype.value if dtype else None, "optimizer": optimizer.value if optimizer else None,
    })
    budget = load_budget(budget_file) if budget_file else Constraints()
    run = check_paths(paths, budget.then(flags), fail_on=fail_on.value, strict=strict, skip_non_specs=skip_non_specs)
    text = render_check(run, fmt.value)
    if output is not None:
        write_atomically(output, text)
    else:
        show(text)
    if junit is not None:
        write_atomically(junit, render_check(run, "junit"))
    if output is not None or fmt in (CheckFormat.json, CheckFormat.junit, CheckFormat.sarif):
        warn([run.summary])
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt is CheckFormat.github and summary_file:
        from convcalc.render.check_github import step_summary

        with open(summary_file, "a", encoding="utf-8") as out:
            out.write(step_summary(run))
    return run.exit_code


@command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the spec format, generated from the layer registry."""
    import json

    from convcalc.schema import spec_schema

    echo(json.dumps(spec_schema(), indent=2, ensure_ascii=False))


@command()
def diff(
    old: str = typer.Argument(..., metavar="OLD", help="The old spec, or SPEC@REV for the spec at a git revision (spec.yaml@HEAD~1)."),
    new: str = typer.Argument(..., metavar="NEW", help="The new spec (or SPEC@REV)."),
    fmt: DiffFormat = typer.Option(DiffFormat.table, "--format", "-f", help="table, markdown (a PR comment) or json."),
    batch: int | None = BATCH,
    dtype: Dtype = typer.Option(Dtype.float32, "--dtype", help="Element type for memory."),
) -> None:
    """Per-layer and total changes between two specs: shapes, params, MACs, memory."""
    from convcalc.checks.diff import diff_reports, load_revision
    from convcalc.engine import analyze
    from convcalc.render import to_diff

    before = analyze(load_revision(old), batch=batch, dtype=dtype.value)
    after = analyze(load_revision(new), batch=batch, dtype=dtype.value)
    result = diff_reports(before, after, old, new)
    render = {"table": to_diff.to_text, "markdown": to_diff.to_markdown, "json": to_diff.to_json}[fmt.value]
    show(render(result))
