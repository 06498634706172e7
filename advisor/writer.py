"""The one module that writes files: atomically, and never over a user's file unasked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from advisor.errors import InputError


def check_writable(path: Path, *, force: bool = False) -> Path:
    """Raise :class:`InputError` if :func:`write_text` would refuse ``path``; return its folder.

    Commands that ask questions first call it up front, so a refusal comes before the
    questions rather than after them.
    """
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name")
    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist")
    return parent


def write_text(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically; refuse to replace a file unless ``force``."""
    check_writable(path, force=force)
    try:
        _atomic(path, text.encode("utf-8"), force=force, sync=True)
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None


def replace_bytes(path: Path, data: bytes) -> None:
    """Atomically create or replace ``path`` with ``data`` (for the tool's own cache files).

    Raises :class:`OSError` as is: callers of this one decide that a failure is harmless.
    """
    _atomic(path, data, force=True, sync=False)


def _atomic(path: Path, data: bytes, *, force: bool, sync: bool) -> None:
    """Write a sibling temporary file, then move it into place.

    Readers see the old file or the new one, never a partial one. ``sync`` flushes the
    data to disk first: a user's file must survive a crash, a cache entry need not.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        _move_into_place(tmp, path, force=force)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _move_into_place(tmp: str, path: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    # A hard link fails if the name was taken since check_writable looked, so a file
    # created in between is never replaced without --force.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise InputError(f"{path}: already exists; use --force to overwrite it") from None
    except OSError:  # a file system without hard links: the earlier check must do
        os.replace(tmp, path)


def write_tree(root: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write ``{relative path: text}`` under ``root``; refuse a non-empty root unless ``force``.

    Every path must stay inside ``root``: absolute paths and ``..`` are refused.
    """
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise InputError(f"{root}: folder is not empty; use --force to write into it")
    resolved_root = root.resolve()
    targets: list[tuple[Path, str]] = []
    for relative, text in sorted(files.items()):
        target = (root / relative).resolve()
        if Path(relative).is_absolute() or not target.is_relative_to(resolved_root):
            raise InputError(f"{relative}: refusing to write outside {root}")
        targets.append((target, text))
    written = []
    for target, text in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text(target, text, force=True)
        written.append(target)
    return written
