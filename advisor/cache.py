"""A small on-disk cache for work every run would otherwise repeat.

Start-up matters for a command run in pre-commit hooks and CI: parsing the built-in
knowledge base and compiling the report templates cost more than the scoring. Both are
cached under the user's cache folder, keyed so that an edited rules file, another
dbadvisor or another Python gives a different key and an old entry is never met. Only
the newest few versions of an entry are kept, so the folder does not grow with every
edit of the rules.

The cache is an optimisation only, and it never runs code someone else wrote:

- The folder is created 0700. A folder or entry not owned by the user, or writable by
  anyone else, is ignored, as are symlinks, FIFOs, devices and entries over
  :data:`MAX_BYTES`; entries are opened without following links or blocking, and read
  through the descriptor that was checked (so the check and the read see one file).
- Every entry is signed (:func:`read_signed`, :func:`write_signed`) with HMAC-SHA256
  under a random per-user key kept 0600 in the folder; one whose signature does not
  match is ignored before anything decodes it. The knowledge base is stored as JSON
  (data only), compiled templates as code, which is why both are signed. Nothing is
  unpickled.

Any problem reading or writing (no home folder, a read-only or full disk, a corrupt or
foreign entry) falls back to doing the work; ``DBADVISOR_NO_CACHE=1`` turns the cache
off and ``DBADVISOR_CACHE_DIR`` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from advisor import __version__

# How many versions of one entry stay in the folder (see `write_signed`).
KEEP = 4

# The largest entry read or written. The knowledge base is about 0.2 MB and a compiled
# template a few tens of KB: anything far bigger is not ours, and is not read at all.
MAX_BYTES = 4 * 1024 * 1024

# Name of the signing key, and its length (bytes).
KEY_NAME = "key"
KEY_BYTES = 32
_MAC_BYTES = 32  # HMAC-SHA256

# A plain file name: no separators, no "..", nothing hidden (temporary files are hidden).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

# Only files named like this are versioned entries: pruning never touches anything else,
# even in a folder that DBADVISOR_CACHE_DIR shares with other files. (``.pickle`` entries
# are what dbadvisor 0.1 wrote: never read any more, pruned with their family.)
_ENTRY = re.compile(r"(?P<family>[a-z]+)-[0-9a-f]{16}\.(?:json|pickle)")

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when caching is off."""
    if os.environ.get("DBADVISOR_NO_CACHE") or not hasattr(os, "getuid"):
        # Without POSIX owners there is no telling who wrote an entry: no cache.
        return None
    explicit = os.environ.get("DBADVISOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec has a relative path ignored: it would put the cache in the working folder.
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    if base.startswith("~"):  # no home folder to expand: do not cache in the working folder
        return None
    return Path(base) / "dbadvisor"


def digest(parts: Iterable[bytes]) -> str:
    """A key for content built from ``parts`` by this dbadvisor on this Python.

    64 bits of BLAKE2b: enough to tell changed sources apart. It is a key, not a check:
    nothing is trusted because its name matches.
    """
    hasher = hashlib.blake2b(f"{__version__}\0{sys.version}\0".encode(), digest_size=8)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.hexdigest()


def entry_name(family: str, parts: Iterable[bytes]) -> str:
    """The file name of ``family``'s entry for content built from ``parts``."""
    return f"{family}-{digest(parts)}.json"


def _trusted(info: os.stat_result) -> bool:
    """Whether only this user (or root) can have written the file or folder ``info`` describes."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@contextlib.contextmanager
def _folder(*, create: bool) -> Iterator[int | None]:
    """A descriptor of the cache folder if it can be trusted, else None.

    Entries are then opened relative to the descriptor, so a folder renamed or replaced
    by a symlink after the check cannot redirect them.
    """
    folder = cache_dir()
    if folder is None:
        yield None
        return
    if create:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            yield None
            return
    try:
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        yield None
        return
    try:
        info = os.fstat(fd)
        yield fd if stat.S_ISDIR(info.st_mode) and _trusted(info) else None
    finally:
        os.close(fd)


def _read_entry(folder: int, name: str, *, secret: bool = False) -> bytes | None:
    """The bytes of the regular, trusted file ``name`` in ``folder``, or None.

    ``secret`` also refuses a file that anyone else can read (the signing key).
    """
    try:
        fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, dir_fd=folder)
    except OSError:  # missing, a symlink (ELOOP), unreadable
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _trusted(info) or info.st_size > MAX_BYTES:
            return None
        if secret and info.st_mode & 0o077:
            return None
        chunks = []
        left = MAX_BYTES + 1  # the size may grow after fstat: never read past the cap
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > MAX_BYTES:
            return None
        if not secret:
            # A hit marks the entry as recently used, so pruning keeps the versions in use.
            with contextlib.suppress(OSError):  # a read-only cache still serves
                os.utime(fd)
        return data
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_entry(folder: int, name: str, data: bytes, *, exclusive: bool = False) -> bool:
    """Write ``data`` to ``name`` in ``folder`` atomically, mode 0600; True if it worked.

    A hidden temporary file is created (never through a link) and then moved into place,
    so readers see the old entry or the new one, never part of one. ``exclusive`` never
    replaces an existing file (for the key, which concurrent runs may create together).
    """
    tmp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC,
            0o600,
            dir_fd=folder,
        )
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if exclusive:
            try:
                os.link(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
                return True
            except FileExistsError:
                return False
            except OSError:  # no hard links here: a key replaced in a race is only a miss
                pass
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        return True
    except OSError:  # a full disk, a file size limit (EFBIG), a key created meanwhile
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)


def _prune(folder: int, family: str, keep: str) -> None:
    """Delete all but the newest ``KEEP`` entries of ``family``, never ``keep`` itself."""
    others = []
    for name in os.listdir(folder):
        found = _ENTRY.fullmatch(name)
        if found and found["family"] == family and name != keep:
            with contextlib.suppress(OSError):
                info = os.stat(name, dir_fd=folder, follow_symlinks=False)
                if stat.S_ISREG(info.st_mode):
                    others.append((info.st_mtime_ns, name))
    others.sort(reverse=True)
    for _, stale in others[KEEP - 1 :]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stale, dir_fd=folder)


def _key(folder: int, *, create: bool) -> bytes | None:
    """The signing key of this user from ``folder``, made on first use when ``create``."""
    key = _read_entry(folder, KEY_NAME, secret=True)
    if (key is None or len(key) != KEY_BYTES) and create:
        _write_entry(folder, KEY_NAME, os.urandom(KEY_BYTES), exclusive=True)
        key = _read_entry(folder, KEY_NAME, secret=True)  # ours, or a concurrent run's
        if (key is None or len(key) != KEY_BYTES) and _replaceable_key(folder):
            # Unusable (readable by others, damaged): a new key only turns entries into misses.
            _write_entry(folder, KEY_NAME, os.urandom(KEY_BYTES))
            key = _read_entry(folder, KEY_NAME, secret=True)
    return key if key is not None and len(key) == KEY_BYTES else None


def _replaceable_key(folder: int) -> bool:
    """Whether the ``key`` in ``folder`` may be replaced: not a regular file longer than a key.

    ``DBADVISOR_CACHE_DIR`` may name a folder that holds other files: a longer file called
    ``key`` was never written here (keys are written whole, then renamed), so it is the
    user's, and is left alone; signed entries then go uncached, which only costs time.
    """
    try:
        info = os.stat(KEY_NAME, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return not (stat.S_ISREG(info.st_mode) and info.st_size > KEY_BYTES)


def _mac(key: bytes, name: str, data: bytes) -> bytes:
    # The name is signed too: an entry moved under another name does not verify.
    return hmac.digest(key, name.encode() + b"\0" + data, "sha256")


def read_signed(name: str) -> bytes | None:
    """What :func:`write_signed` stored under ``name``, or None unless its signature holds."""
    if not _NAME.fullmatch(name) or name == KEY_NAME:
        raise ValueError(f"not a cache entry name: {name!r}")
    with _folder(create=False) as folder:
        if folder is None:
            return None
        key = _key(folder, create=False)
        data = _read_entry(folder, name)
    if key is None or data is None or len(data) < _MAC_BYTES:
        return None
    mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, name, payload)):
        return None
    return payload


def write_signed(name: str, data: bytes) -> None:
    """Store ``data`` under ``name``, signed with this user's key (made on first use).

    Only a run of this user, with this user's key, can write an entry that
    :func:`read_signed` returns, so a planted one is a miss. Writing an entry
    (see :func:`entry_name`) prunes its family to the ``KEEP`` most recently used
    versions, so the folder does not grow with every edit of the rules, while a few
    installs sharing it (two virtual environments, say) keep their own.
    """
    if not _NAME.fullmatch(name) or name == KEY_NAME:
        raise ValueError(f"not a cache entry name: {name!r}")
    if len(data) + _MAC_BYTES > MAX_BYTES:
        return  # it would never be read
    with _folder(create=True) as folder:
        if folder is None:
            return
        key = _key(folder, create=True)
        if key is None:
            return
        data = _mac(key, name, data) + data
        if not _write_entry(folder, name, data):
            return
        written = _ENTRY.fullmatch(name)
        if written:
            with contextlib.suppress(OSError):
                _prune(folder, written["family"], keep=name)
