"""One file end to end, and a whole `check` run: read, decide whether it is a spec, read its
constraints, parse, analyse, evaluate, and turn everything found into `Finding`s.

A file that cannot be read, is not valid YAML, or is refused by the spec reader (an unknown kind,
a bad argument, a malformed `constraints:`) is `broken`: exit 2. A spec that parses but that the
engine refuses (a kernel larger than its input, a residual whose paths do not fit), a constraint
violated, or a diagnostic at or above `fail_on` make it `failed`: exit 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from convcalc.checks.constraints import Constraints, spec_constraints
from convcalc.checks.discover import YAML_SUFFIXES, Candidate, discover
from convcalc.checks.evaluate import evaluate
from convcalc.checks.result import CheckRun, FileResult, Finding
from convcalc.engine import analyze
from convcalc.errors import ConvcalcError, SpecError, fails
from convcalc.spec.from_yaml import Loader, parse_spec
from convcalc.spec.yaml_guard import compose_checked, read_source

NO_CONSTRAINTS = Constraints()
NOT_A_SPEC = "not a spec: a spec is a YAML mapping with a top-level 'layers:'"


def _is_spec(root: yaml.Node | None) -> bool:
    return isinstance(root, yaml.MappingNode) and any(
        isinstance(key, yaml.ScalarNode) and key.value == "layers" for key, _ in root.value
    )


def _error(path: str, code: str, error: ConvcalcError, fail: bool = True) -> Finding:
    return Finding("error", code, error.message, path, error.span, error.hint, fail)


def check_file(
    candidate: Candidate,
    extra: Constraints = NO_CONSTRAINTS,
    *,
    fail_on: str = "error",
    strict: bool = False,
    skip_non_specs: bool = False,
) -> FileResult:
    """Check one file; `extra` (budget file, then flags) overrides the spec's own constraints."""
    path = candidate.path
    if not candidate.explicit and Path(path).suffix.lower() not in YAML_SUFFIXES:
        return FileResult(path, "skipped", reason="not a YAML file")
    try:
        source = read_source(path, "spec")
    except SpecError as error:
        return FileResult(path, "broken", (_error(path, "unreadable", error),))
    text = source.text
    try:
        root = compose_checked(text, source, Loader)
    except SpecError as error:
        return FileResult(path, "broken", (_error(path, "yaml-error", error),))
    if not _is_spec(root):
        if candidate.explicit and not skip_non_specs:
            return FileResult(path, "broken", (Finding("error", "not-a-spec", NOT_A_SPEC, path, failing=True),))
        return FileResult(path, "skipped", reason=NOT_A_SPEC)
    try:
        constraints = spec_constraints(root, source).then(extra)
        network = parse_spec(text, path)
    except SpecError as error:
        return FileResult(path, "broken", (_error(path, "spec-error", error),))
    try:
        report = analyze(
            network, batch=constraints.batch, dtype=constraints.dtype or "float32",
            optimizer=constraints.optimizer or "adam",
        )
    except SpecError as error:
        return FileResult(path, "failed", (_error(path, "spec-error", error),))
    verdicts = evaluate(constraints, report, network.span)
    findings = []
    for diagnostic in report.diagnostics:
        # --strict: a non-whole size that leaves input unread (a warning) is an error; infos stay infos.
        level = "error" if strict and diagnostic.code == "non-whole" and diagnostic.severity == "warning" else diagnostic.severity
        findings.append(Finding(level, diagnostic.code, diagnostic.message, path, diagnostic.span, None,
                                fails(level, fail_on)))
    for verdict in verdicts:
        if not verdict.ok:
            findings.append(Finding("error", verdict.limit.key, verdict.message, path, verdict.span, verdict.hint, True))
    status = "failed" if any(finding.failing for finding in findings) else "passed"
    return FileResult(path, status, tuple(findings), verdicts, report)


def check_paths(
    paths: Sequence[str],
    extra: Constraints = NO_CONSTRAINTS,
    *,
    fail_on: str = "error",
    strict: bool = False,
    skip_non_specs: bool = False,
) -> CheckRun:
    """Every file the PATHs name, each checked even when another fails."""
    results = tuple(
        check_file(candidate, extra, fail_on=fail_on, strict=strict, skip_non_specs=skip_non_specs)
        for candidate in discover(paths)
    )
    return CheckRun(results, fail_on)
