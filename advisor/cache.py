"""A small on-disk cache for work every run would otherwise repeat.

Start-up matters for a command run in pre-commit hooks and CI: parsing and checking the
built-in knowledge base and compiling the report templates cost more than the scoring.
Both results are cached under the user's cache folder, keyed by a hash of everything
they were built from, so an edited rules file, another dbadvisor or another Python gives
a different key and an old entry is never met. Only the newest few versions of an entry
are kept, so the folder does not grow with every edit of the rules.

The cache is an optimisation only. Any problem reading or writing it (no home folder, a
read-only disk, a corrupt entry) falls back to doing the work; ``DBADVISOR_NO_CACHE=1``
turns it off and ``DBADVISOR_CACHE_DIR`` moves it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable
from importlib.util import source_hash
from pathlib import Path

from advisor import __version__

# How many versions of one entry stay in the folder (see `write`).
KEEP = 4


def cache_dir() -> Path | None:
    """The cache folder (created on demand), or None when caching is off."""
    if os.environ.get("DBADVISOR_NO_CACHE"):
        return None
    explicit = os.environ.get("DBADVISOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if base.startswith("~"):  # no home folder to expand: do not cache in the working folder
        return None
    return Path(base) / "dbadvisor"


def digest(parts: Iterable[bytes]) -> str:
    """A key for content built from ``parts`` by this dbadvisor on this Python.

    The hash is the one Python keys its hash-based ``.pyc`` files with (PEP 552): 64
    bits, made for telling changed sources apart, and built in. (sha256 meant importing
    hashlib, about 3 ms, which ``validate`` and ``recommend --format json`` need for
    nothing else.)
    """
    chunks = [f"{__version__}\0{sys.version}\0".encode()]
    for part in parts:
        chunks += (len(part).to_bytes(8, "little"), part)
    return source_hash(b"".join(chunks)).hex()


def entry_name(family: str, parts: Iterable[bytes]) -> str:
    """The file name of ``family``'s entry for content built from ``parts``."""
    return f"{family}-{digest(parts)}.pickle"


# Only files named like this are entries: pruning never touches anything else, even in
# a folder that DBADVISOR_CACHE_DIR shares with other files.
_ENTRY = re.compile(r"(?P<family>[a-z]+)-[0-9a-f]{16}\.pickle")


def read(name: str) -> bytes | None:
    """The cached bytes stored under ``name``, or None.

    A hit marks the entry as recently used, so pruning keeps the versions in use.
    """
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(folder / name)
    return data


def write(name: str, data: bytes) -> None:
    """Store ``data`` under ``name`` atomically; silently give up if the disk refuses.

    Writing an entry (see :func:`entry_name`) prunes its family to the ``KEEP`` most
    recently used versions, so the folder does not grow with every edit of the rules,
    while a few installs sharing it (two virtual environments, say) keep their own.
    """
    folder = cache_dir()
    if folder is None:
        return
    from advisor.writer import replace_bytes

    try:
        folder.mkdir(parents=True, exist_ok=True)
        replace_bytes(folder / name, data)
        written = _ENTRY.fullmatch(name)
        if written:
            _prune(folder, written["family"], keep=name)
    except OSError:
        return


def _prune(folder: Path, family: str, keep: str) -> None:
    """Delete all but the newest ``KEEP`` entries of ``family``, never ``keep`` itself."""
    others = []
    for path in folder.iterdir():
        found = _ENTRY.fullmatch(path.name)
        if found and found["family"] == family and path.name != keep and path.is_file():
            others.append((path.stat().st_mtime_ns, path.name, path))
    others.sort(reverse=True)
    for _, _, stale in others[KEEP - 1 :]:
        stale.unlink(missing_ok=True)
