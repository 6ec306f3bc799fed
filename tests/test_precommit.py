"""The pre-commit hook in a real git repository: `pre-commit try-repo` installs this repository's
hook (language: python, from the package index) and runs it on a passing and a failing spec."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytest.importorskip("pre_commit", reason="pre-commit is a test dependency: pip install -e '.[test]'")
GOOD = "input: [1, 8, 8]\nlayers:\n  - conv: {out: 2, kernel: 3}\n"
BAD = "input: [1, 8, 8]\nconstraints: {max_params: 10}\nlayers:\n  - conv: {out: 2, kernel: 3}\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_hook_passes_a_good_spec_and_fails_a_bad_one(tmp_path, tmp_path_factory):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "good.yaml").write_text(GOOD, encoding="utf-8")
    (repo / "bad.yaml").write_text(BAD, encoding="utf-8")
    (repo / "notes.yaml").write_text("title: not a spec\n", encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    home = {"PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "convcalc-check", "--files", *files]
        return subprocess.run(command, cwd=repo, capture_output=True, text=True, env={**os.environ, **home}, check=False)

    passed = hook("good.yaml", "notes.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = hook("good.yaml", "bad.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.yaml:2:27: error: max_params: the network's parameter count is 20, over the limit 10" in failed.stdout
