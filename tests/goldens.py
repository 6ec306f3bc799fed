"""The one golden-file comparison every test uses.

`check_golden(path, text, update)` compares `text` with the file byte for byte (UTF-8, no newline
translation). With `update` (pytest's `--update-goldens`) it first rewrites the file when it
differs. Otherwise a missing or different golden fails the test with a unified diff and the hint
to run `pytest --update-goldens` and review the diff; the `golden` fixture in conftest.py binds
`update` to the command line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
HINT = "run `pytest --update-goldens` to {} it, then review the diff (`git diff tests/golden`)"


def _shown(path: Path) -> str:
    try:
        return path.relative_to(TESTS.parent).as_posix()
    except ValueError:
        return str(path)


def golden_diff(expected: str, actual: str, name: str) -> str:
    """A unified diff from the golden to the actual text; invisible differences made visible."""
    before, after = expected.splitlines(keepends=True), actual.splitlines(keepends=True)
    lines = list(difflib.unified_diff(before, after, f"{name} (golden)", f"{name} (actual output)"))
    if not lines:
        return ""
    out = []
    for line in lines:
        if line.endswith("\r\n"):  # a CR would otherwise be invisible
            line = line[:-2] + "\\r\n"
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def check_golden(path: Path, text: str, update: bool) -> None:
    """Fail unless `path` holds exactly `text`; with `update`, rewrite `path` first."""
    data = text.encode("utf-8")
    shown = _shown(path)
    if update and (not path.exists() or path.read_bytes() != data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if not path.exists():
        pytest.fail(f"golden file {shown} is missing: {HINT.format('write')}", pytrace=False)
    stored = path.read_bytes()
    if stored == data:
        return
    diff = golden_diff(stored.decode("utf-8", errors="replace"), text, shown)
    pytest.fail(f"output differs from the golden file {shown}; {HINT.format('rewrite')}\n\n{diff}", pytrace=False)


def stale_goldens(folder: Path, expected: Iterable[Path], *, recursive: bool = False) -> list[str]:
    """Files under `folder` that no test expects, as paths relative to the repository root."""
    wanted = {path.resolve() for path in expected}
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(_shown(path) for path in found if path.is_file() and path.resolve() not in wanted)
