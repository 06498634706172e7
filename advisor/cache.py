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

import os
import sys
from collections.abc import Iterable
from importlib.util import source_hash
from pathlib import Path

from advisor import __version__

# How many versions of one entry (see `write`) stay in the folder.
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
    bits, made for telling changed sources apart, and free, where importing hashlib
    cost about 3 ms of every run.
    """
    chunks = [f"{__version__}\0{sys.version}\0".encode()]
    for part in parts:
        chunks += (len(part).to_bytes(8, "little"), part)
    return source_hash(b"".join(chunks)).hex()


def read(name: str) -> bytes | None:
    """The cached bytes stored under ``name``, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return (folder / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes, *, family: str = "", keep: int = KEEP) -> None:
    """Store ``data`` under ``name`` atomically; silently give up if the disk refuses.

    Entries whose names start with ``family`` are versions of one thing (the knowledge
    base under successive rules): only the ``keep`` most recently written stay, so the
    folder does not grow with every edit, while a few installs sharing it (two virtual
    environments, say) still keep their own.
    """
    folder = cache_dir()
    if folder is None:
        return
    from advisor.writer import replace_bytes

    try:
        folder.mkdir(parents=True, exist_ok=True)
        replace_bytes(folder / name, data)
        if family:
            _prune(folder, family, keep)
    except OSError:
        return


def _prune(folder: Path, family: str, keep: int) -> None:
    entries = sorted(
        folder.glob(f"{family}*"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True
    )
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
