"""Paths shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def database_overlay(folder: Path, name: str, old: str, new: str) -> Path:
    """A copy of the built-in ``databases/<name>.yaml`` in ``folder``, ``old`` replaced once.

    Loading it as an overlay replaces the built-in database, so a test can change one fact
    and see what the loader or the engine makes of it.
    """
    from advisor.resources import resource_text

    text = resource_text(f"databases/{name}.yaml")
    assert old in text, f"{name}.yaml no longer contains {old!r}"
    path = folder / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
