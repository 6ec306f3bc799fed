"""Shared fixtures: the CLI runner, golden files, and the torch availability switch."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from goldens import check_golden
from hypothesis import settings
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("long", max_examples=5000, deadline=None)
# tests/test_fuzz.py takes a share of max_examples per test: 25,000 here is about 112,000 inputs in all
settings.register_profile("fuzz", max_examples=25_000, deadline=None, database=None)
settings.load_profile("ci")  # `pytest --hypothesis-profile=long` overrides it

HAS_TORCH = importlib.util.find_spec("torch") is not None
if os.environ.get("CONVCALC_REQUIRE_TORCH") == "1" and not HAS_TORCH:
    pytest.exit("CONVCALC_REQUIRE_TORCH=1 but PyTorch is not installed: the cross-checks would be skipped", 3)
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (pip install 'convcalc[torch]')")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/* from current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def golden(update_goldens: bool):
    """`golden(path, text)`: compare with a golden file byte for byte (see tests/goldens.py)."""

    def compare(path: Path, text: str) -> None:
        check_golden(path, text, update_goldens)

    return compare


@pytest.fixture
def run():
    """Invoke the CLI in-process; returns (exit code, stdout, stderr)."""
    from convcalc.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke
