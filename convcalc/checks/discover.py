"""Which files `check` looks at: PATHs given as files, directories (searched recursively for
`*.yaml` and `*.yml`, hidden directories such as `.git` left out) and glob patterns (`**` too).

A file named explicitly must be a spec; a YAML file found in a directory or by a glob that is
not a spec is listed as skipped, never dropped silently.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from convcalc.errors import UsageError

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to check, as the person would name it, and whether they named it themselves."""

    path: str
    explicit: bool


def _in_directory(folder: Path) -> list[Candidate]:
    found = []
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])
        if path.is_file() and path.suffix.lower() in YAML_SUFFIXES and not hidden:
            found.append(Candidate(str(path), explicit=False))
    return found


def discover(paths: Sequence[str]) -> list[Candidate]:
    """Every file the PATHs name, in order, each once; a PATH that names nothing is a usage error."""
    found: list[Candidate] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(_in_directory(path))
        elif path.is_file():
            found.append(Candidate(item, explicit=True))
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise UsageError(f"'{item}' matches no file", hint="quote the pattern so convcalc, not the shell, expands it")
            for match in matches:
                matched = Path(match)
                found.extend(_in_directory(matched) if matched.is_dir() else [Candidate(match, explicit=False)])
        else:
            raise UsageError(f"no such file or directory: '{item}'", hint="check the path")
    unique: dict[str, Candidate] = {}
    for candidate in found:
        unique.setdefault(str(Path(candidate.path)), candidate)
    return list(unique.values())
