"""The one module that writes files: atomically, and never over a user's file unasked.

What a path given with ``-o`` gets:

- a new file is created with the permissions the umask allows (its temporary file is
  opened with mode 0o666 and the kernel applies the umask, as for any program's file);
- an existing regular file is replaced only with ``force``, atomically (a sibling
  temporary file, flushed to disk, renamed over it), and keeps its permission bits and,
  where the system allows, its owner and group;
- a FIFO or a character device (a pipe, a terminal, ``/dev/null``), also through a
  symbolic link of this user's or root's such as ``/dev/stdout``, is opened and written
  into, never replaced; it needs no ``force``, as it holds nothing to lose;
- anything else is refused: a folder, a block device, a socket, and a symbolic link to
  anything but a FIFO or character device (replacing it would cut the link, and writing
  through it would replace a file somewhere else, unnamed on the command line);
- a path written with a trailing ``/`` names a folder, never a file.

A project tree is built in a hidden sibling folder and renamed into place at the end,
so a full disk, Ctrl-C or SIGTERM leaves no partial project behind.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TypeVar

from advisor.errors import InputError

PathArg = str | os.PathLike[str]
"""A path as given: a string keeps a trailing ``/``, which :class:`~pathlib.Path` drops."""

_T = TypeVar("_T")
_BINARY = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class _Kind(enum.Enum):
    """What is at an output path, as far as writing it is concerned."""

    MISSING = "missing"
    REGULAR = "regular"
    STREAM = "stream"  # a FIFO or character device: written into, never replaced


def _names_folder(raw: str) -> bool:
    return raw.endswith(("/", os.sep, os.altsep or "/")) and raw.strip("/" + os.sep) != ""


def _classify(raw: str) -> tuple[_Kind, os.stat_result | None]:
    """Look at ``raw`` without following a final symbolic link; refuse what is never written."""
    path = Path(raw)
    if _names_folder(raw) and not path.is_dir():
        raise InputError(f"{raw}: no such folder; a trailing '/' names a folder, not a file")
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return _Kind.MISSING, None
    except NotADirectoryError:
        raise InputError(f"{raw}: {path.parent} is not a folder") from None
    except OSError as error:
        raise InputError(f"{raw}: cannot write: {error.strerror or error}") from None
    mode = found.st_mode
    if stat.S_ISLNK(mode):
        target = os.path.realpath(path)
        with contextlib.suppress(OSError):
            if _is_stream(os.stat(path).st_mode):
                if not _ours(found):
                    # Planted in a shared folder (/tmp), it would aim our output at any
                    # device (/dev/port, a watchdog): what the kernel's protected_symlinks
                    # refuses, where it is on.
                    raise InputError(
                        f"{raw}: is a symbolic link of another user (to {target}); "
                        "not writing through it"
                    )
                return _Kind.STREAM, None
        raise InputError(
            f"{raw}: is a symbolic link (to {target}); give the file itself, or remove the link"
        )
    if stat.S_ISREG(mode):
        return _Kind.REGULAR, found
    if _is_stream(mode):
        return _Kind.STREAM, None
    if stat.S_ISDIR(mode):
        raise InputError(f"{raw}: is a directory; give a file name")
    what = "a block device" if stat.S_ISBLK(mode) else "not a regular file"
    raise InputError(f"{raw}: is {what}; refusing to write to it")


def _ours(info: os.stat_result) -> bool:
    """Whether the file ``info`` describes belongs to this user or to root (like /dev/stdout)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is None or info.st_uid in (geteuid(), 0)


def _is_stream(mode: int) -> bool:
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def check_writable(path: PathArg, *, force: bool = False) -> Path:
    """Raise :class:`InputError` if :func:`write_text` would refuse ``path``; return its folder.

    Commands that ask questions first call it up front, so a refusal comes before the
    questions rather than after them.
    """
    _target(path, force=force)
    parent = Path(path).parent
    return parent if str(parent) else Path(".")


def _target(path: PathArg, *, force: bool) -> tuple[_Kind, os.stat_result | None]:
    raw = os.fspath(path)
    kind, existing = _classify(raw)
    if kind is _Kind.REGULAR and not force:
        raise InputError(f"{raw}: already exists; use --force to overwrite it")
    parent = Path(raw).parent
    if kind is _Kind.MISSING and not parent.is_dir():
        raise InputError(f"{raw}: folder {parent} does not exist")
    return kind, existing


def write_text(path: PathArg, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` by the rules of the module docstring.

    Refuses (:class:`InputError`) to replace a regular file unless ``force``.
    """
    kind, existing = _target(path, force=force)
    raw = os.fspath(path)
    data = text.encode("utf-8")
    try:
        if kind is _Kind.STREAM:
            _write_into(raw, data)
        else:
            _atomic(Path(raw), data, force=force, existing=existing)
    except FileExistsError:
        raise InputError(f"{raw}: already exists; use --force to overwrite it") from None
    except OSError as error:
        raise InputError(f"{raw}: cannot write: {error.strerror or error}") from None


def _write_into(raw: str, data: bytes) -> None:
    """Write into a FIFO or character device in place (opening a FIFO waits for a reader)."""
    fd = os.open(raw, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | _BINARY)
    with os.fdopen(fd, "wb") as handle:
        # The path was looked at before it was opened: if it became a regular file in
        # between, writing without truncating would leave the old file's tail.
        if not _is_stream(os.fstat(handle.fileno()).st_mode):
            raise InputError(f"{raw}: changed while being written; not writing to it")
        handle.write(data)


def _new_temporary(folder: Path, name: str, make: Callable[[Path], _T]) -> tuple[Path, _T]:
    """Create a new hidden ``.<name>.<random>.tmp`` in ``folder`` with ``make``.

    ``make`` creates exclusively with the default mode (0o666 or 0o777), so the kernel
    applies the umask, and folder default ACLs, as to any new file; ``tempfile`` makes 0600.
    """
    # At most 100 bytes of the name, so that a name near the file system's limit (255
    # bytes) still has room for the dots, the random part and the suffix.
    stem = os.fsencode(name)[:100].decode(errors="ignore")
    for _ in range(100):
        candidate = folder / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            made = make(candidate)
        except FileExistsError:
            continue
        return candidate, made
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def _create_file(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)


def _fill(fd: int, data: bytes, *, existing: os.stat_result | None = None) -> None:
    """Write ``data`` to the new file open as ``fd``, flush it to disk and close it.

    ``existing`` is the file it is to replace, whose mode and owner it takes.
    """
    with os.fdopen(fd, "wb") as handle:
        if existing is not None:
            _keep_owner_and_mode(handle.fileno(), existing)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _atomic(path: Path, data: bytes, *, force: bool, existing: os.stat_result | None) -> None:
    """Write a sibling temporary file, flush it to disk, then move it into place.

    Readers see the old file or the new one, never a partial one, even after a crash.
    """
    tmp, fd = _new_temporary(path.parent, path.name, _create_file)
    try:
        _fill(fd, data, existing=existing)
        _move_into_place(tmp, path, force=force)
        _sync_folder(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _keep_owner_and_mode(path: int | Path, existing: os.stat_result) -> None:
    """Give ``path`` the permission bits, and if allowed the owner, of the file it replaces."""
    if sys.platform != "win32" and (
        existing.st_uid != os.geteuid() or existing.st_gid != os.getegid()
    ):
        # Only root may give a file away; others keep their own file, with the old mode.
        with contextlib.suppress(OSError):
            os.chown(path, existing.st_uid, existing.st_gid)
    os.chmod(path, stat.S_IMODE(existing.st_mode))


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a rename survives a crash (not possible everywhere)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(tmp: Path, path: Path, *, force: bool) -> None:
    """Rename ``tmp`` to ``path``; without ``force``, raise FileExistsError if it is taken."""
    if force:
        os.replace(tmp, path)
        return
    # A hard link fails if the name was taken since the path was checked, so a file
    # created in between is never replaced without --force.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: the earlier check must do
        os.replace(tmp, path)


def write_numbered(
    folder: Path,
    texts: Sequence[str],
    name: Callable[[int, int], str],
    first: Callable[[Path], int],
    check: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Write each text to ``folder / name(index, number)`` with the next free number.

    ``first(folder)`` gives the next free number; the texts take it and the ones after.
    Yields each path once written. Two guards keep numbers apart when several runs
    write into one folder at once: the folder is locked (``flock``, where the system has
    it) from reading the numbers to the last file, and each file is created exclusively,
    so a name taken anyway (a program that does not lock) moves on to the next number.
    No file is ever replaced. ``check(folder)``, when given, runs under the lock before
    anything is written and may raise to refuse (a record that already exists).
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: folder does not exist")
    try:
        with _locked(folder):
            if check is not None:
                check(folder)
            number = first(folder)
            for index, text in enumerate(texts):
                while True:
                    path = folder / name(index, number)
                    number += 1
                    if path.exists() or path.is_symlink():  # taken, on any file system
                        continue
                    try:
                        _atomic(path, text.encode("utf-8"), force=False, existing=None)
                    except FileExistsError:
                        continue
                    break
                yield path
    except OSError as error:
        raise InputError(f"{folder}: cannot write: {error.strerror or error}") from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``; released when done or when the process dies."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # no locks here (some network file systems)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_tree(root: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write ``{relative path: text}`` under ``root``; refuse a non-empty root unless ``force``.

    Every path must stay inside ``root``: absolute paths and ``..`` are refused. The tree
    is built in a hidden sibling folder ``.<root name>.<random>.tmp`` and renamed to
    ``root`` when complete (``root`` missing or empty): all or nothing, also on a full
    disk, Ctrl-C, SIGTERM or SIGHUP, after which the temporary folder is removed. With
    ``force`` into a non-empty ``root``, each file is then moved in with an atomic rename
    (an existing file keeps its mode): every file is whole, old or new, and the moves run
    with those signals held, but a crash in the middle of them leaves some files new.
    Anything in the way that is not a regular file or a folder is refused before any move,
    and so, unless ``force``, is a ``root`` that belongs to another user (not root).
    If the folder above an existing ``root`` cannot be written (a mount point, say), the
    tree is built in ``root/.dbadvisor.<random>.tmp`` instead and moved in the same way;
    such a folder, left by a killed run, does not count as content.
    """
    for relative in files:
        parts = Path(relative).parts
        if Path(relative).anchor or ".." in parts or not parts:
            raise InputError(f"{relative}: refusing to write outside {root}")
    if root.is_symlink() and root.is_dir():
        root = Path(os.path.realpath(root))
    elif root.name in ("", ".", ".."):  # "." has no sibling: name it by its parent
        root = Path(os.path.abspath(root))
    try:
        with _signals_raise():
            return _write_tree(root, files, force=force)
    except OSError as error:
        raise InputError(f"{root}: cannot write: {error.strerror or error}") from None


def _write_tree(root: Path, files: Mapping[str, str], *, force: bool) -> list[Path]:
    empty, leftover = True, False
    if root.exists() or root.is_symlink():
        if not root.is_dir():
            raise InputError(f"{root}: exists and is not a folder")
        if not force and not _ours(root.stat()):
            # Made in advance in a shared folder (/tmp), its owner could swap the code
            # written into it before it runs; and an empty folder given passes its owner on.
            raise InputError(f"{root}: belongs to another user; use --force to write into it")
        left = [bool(_LEFTOVER.fullmatch(p.name)) for p in root.iterdir()]
        empty, leftover = all(left), any(left)
        if not empty and not force:
            raise InputError(f"{root}: folder is not empty; use --force to write into it")
    made = _make_folders(root.parent)
    tmp: Path | None = None
    try:
        with _signals_held():  # so that a folder made is a folder known, to remove
            tmp = _new_folder(root)
        for relative, text in sorted(files.items()):
            target = tmp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _fill(_create_file(target), text.encode("utf-8"))
        with _signals_held():
            beside = tmp.parent != root
            # A leftover folder keeps the rename from replacing ``root``: move file by file.
            if not (beside and empty and not leftover and _rename_folder(tmp, root, force=force)):
                _merge(tmp, root, sorted(files))
        _sync_folder(root.parent)
    except BaseException:
        with _signals_held():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
    if tmp.exists():  # merged: the files moved out, the emptied folders stay
        shutil.rmtree(tmp, ignore_errors=True)
    return [root / relative for relative in sorted(files)]


_LEFTOVER = re.compile(r"\.dbadvisor\.[0-9a-f]{8}\.tmp")
_UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _new_folder(root: Path) -> Path:
    """The temporary folder to build ``root`` in: beside it, or else inside an existing one."""
    try:
        return _new_temporary(root.parent, root.name, lambda p: p.mkdir())[0]
    except OSError as error:
        if error.errno not in _UNWRITABLE or not root.is_dir():
            raise
    return _new_temporary(root, "dbadvisor", lambda p: p.mkdir())[0]


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    try:
        for each in reversed(missing):
            each.mkdir()
            made.append(each)
    except OSError as error:
        for each in reversed(made):
            with contextlib.suppress(OSError):
                each.rmdir()
        failed = missing[len(missing) - len(made) - 1]
        if failed.exists():
            raise InputError(f"{failed}: exists and is not a folder") from None
        raise InputError(f"{failed}: cannot create the folder: {error.strerror or error}") from None
    return made


def _rename_folder(tmp: Path, root: Path, *, force: bool) -> bool:
    """Rename the finished tree to a missing or empty ``root``; False if it must be merged."""
    with contextlib.suppress(FileNotFoundError):
        found = os.stat(root)
        if not force and not _ours(found):  # made by someone else while the tree was built
            raise InputError(f"{root}: belongs to another user; use --force to write into it")
        _keep_owner_and_mode(tmp, found)  # an empty folder given keeps its mode
    try:
        os.replace(tmp, root)
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST) and not force:  # filled meanwhile
            raise InputError(f"{root}: folder is not empty; use --force to write into it") from None
        return False  # a mount point, or a system that renames no folder over another
    return True


def _merge(tmp: Path, root: Path, relatives: list[str]) -> None:
    """Move each file of the finished tree into ``root``, after checking that all can go."""
    for relative in relatives:
        walked = root
        for part in Path(relative).parts[:-1]:
            walked = walked / part
            if walked.is_symlink() or (walked.exists() and not walked.is_dir()):
                raise InputError(f"{walked}: is in the way and not a folder; not writing into it")
        target = root / relative
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise InputError(f"{target}: is in the way and not a regular file; not replacing it")
    touched: set[Path] = set()
    for relative in relatives:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            _keep_owner_and_mode(tmp / relative, os.stat(target))
        os.replace(tmp / relative, target)
        touched.add(target.parent)
    for folder in sorted(touched):
        _sync_folder(folder)


_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class _Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler, so the clean-up of a half-built tree runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception for the duration, like Ctrl-C already is.

    After the clean-up, the signal is raised again with the previous handler back, so
    the process ends as the sender expects (by the signal, for the default handler).
    A signal that was ignored (``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in _SIGNALS:
        old = signal.getsignal(signum)
        if signum != signal.SIGINT and old is not signal.SIG_IGN:
            previous[signum] = old
            signal.signal(signum, _raise_terminated)

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    try:
        yield
    except _Terminated as stop:
        restore()
        signal.raise_signal(stop.signum)
        raise KeyboardInterrupt from None  # the previous handler chose to carry on
    finally:
        restore()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends (where the system can)."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
