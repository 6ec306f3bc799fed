"""Issue 18 (files): quiz --out and grade --out write atomically (a temporary file in the same
folder, then a rename); quiz replaces existing files only with --force, never follows a symlink,
leaves the previous files intact when a write fails, and refuses an empty --out."""

from __future__ import annotations

import os
import tempfile

import pytest
from conftest import EXAMPLES

from convcalc.teach import run as teach_run

NAMES = ("questions.md", "answers.md", "key.yaml")


def _quiz(run, out: str, *extra: str) -> tuple[int, str, str]:
    return run("quiz", "--seed", "1", "--count", "3", "--out", out, *extra)


def test_existing_files_are_replaced_only_with_force(run, tmp_path):
    (tmp_path / "key.yaml").write_text("mine\n")
    code, out, err = _quiz(run, str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (f"error: '{tmp_path}' already holds key.yaml; not replaced\n"
                   "  hint: add --force to replace them, or choose another --out\n")
    assert (tmp_path / "key.yaml").read_text() == "mine\n"
    assert not (tmp_path / "questions.md").exists()
    code, _, _ = _quiz(run, str(tmp_path), "--force")
    assert code == 0 and (tmp_path / "key.yaml").read_text().startswith("quiz:")


def test_a_symlinked_output_is_replaced_not_followed(run, tmp_path):
    target = tmp_path / "precious.md"
    target.write_text("precious\n")
    folder = tmp_path / "quiz"
    folder.mkdir()
    (folder / "questions.md").symlink_to(target)
    assert _quiz(run, str(folder))[0] == 2  # refused without --force
    assert _quiz(run, str(folder), "--force")[0] == 0
    assert target.read_text() == "precious\n"
    assert not (folder / "questions.md").is_symlink()
    assert (folder / "questions.md").read_text().startswith("# CNN exercises")


def test_a_failed_write_leaves_the_previous_files_intact(run, tmp_path, monkeypatch):
    assert _quiz(run, str(tmp_path))[0] == 0
    before = {name: (tmp_path / name).read_text() for name in NAMES}
    real = tempfile.mkstemp
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(teach_run.tempfile, "mkstemp", failing)
    code, _, err = run("quiz", "--seed", "2", "--count", "3", "--out", str(tmp_path), "--force")
    assert code == 2 and "No space left on device" in err
    assert {name: (tmp_path / name).read_text() for name in NAMES} == before
    assert sorted(os.listdir(tmp_path)) == sorted(NAMES)  # no temporary file left behind


@pytest.mark.parametrize("out", ["", "  "])
def test_an_empty_out_is_refused(out, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _quiz(run, out)
    assert code == 2 and err.startswith("error: --out is empty")
    assert os.listdir(tmp_path) == []


def test_an_out_that_is_a_file_is_refused(run, tmp_path):
    (tmp_path / "file").write_text("x")
    code, _, err = _quiz(run, str(tmp_path / "file"))
    assert code == 2 and "is a file, not a folder" in err


def test_written_files_have_ordinary_permissions(run, tmp_path):
    assert _quiz(run, str(tmp_path))[0] == 0
    mask = os.umask(0)
    os.umask(mask)
    assert all((tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask for name in NAMES)


def test_grade_out_replaces_a_symlink_and_writes_atomically(run, tmp_path):
    target = tmp_path / "precious.json"
    target.write_text("precious\n")
    results = tmp_path / "results.json"
    results.symlink_to(target)
    key, student = EXAMPLES / "homework" / "key.yaml", EXAMPLES / "homework" / "student.yaml"
    code, _, _ = run("grade", str(key), str(student), "--format", "gradescope", "--out", str(results))
    assert code == 0
    assert target.read_text() == "precious\n" and not results.is_symlink()
    assert '"score": 5' in results.read_text()
    assert sorted(os.listdir(tmp_path)) == ["precious.json", "results.json"]
