"""Atomic writes: never a partial file, never an overwrite without force, no temporaries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.writer import write_text, write_tree


def test_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    write_text(target, "first\n")
    with pytest.raises(InputError, match="already exists; use --force"):
        write_text(target, "second\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    write_text(target, "second\n", force=True)
    assert target.read_text(encoding="utf-8") == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    target.write_text("precious\n", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError, match="cannot write: No space left on device"):
        write_text(target, "half a report", force=True)
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_file_created_meanwhile_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    real_fsync = os.fsync

    def racing_fsync(fd: int) -> None:
        real_fsync(fd)
        target.write_text("someone else's\n", encoding="utf-8")

    monkeypatch.setattr(os, "fsync", racing_fsync)
    with pytest.raises(InputError, match="already exists"):
        write_text(target, "ours\n")
    assert target.read_text(encoding="utf-8") == "someone else's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_unwritable_folder_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_text(tmp_path / "missing" / "out.md", "x")
    with pytest.raises(InputError, match="is a directory"):
        write_text(tmp_path, "x")


def test_tree_stays_inside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    with pytest.raises(InputError, match="outside"):
        write_tree(root, {"../escape.py": "x"})
    with pytest.raises(InputError, match="outside"):
        write_tree(root, {"/etc/passwd": "x"})
    assert not (tmp_path / "escape.py").exists()
    write_tree(root, {"a/b.py": "x\n"})
    with pytest.raises(InputError, match="not empty"):
        write_tree(root, {"c.py": "y\n"})
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == ["a", "a/b.py"]
