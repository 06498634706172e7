"""Amounts as people type them: ``5k``, ``5,000``, ``2TB``, ``50ms``.

The workload file holds plain numbers in a fixed unit (``data_size_gb``, ``item_size_kb``,
``latency_ms``, counts per second). The interview accepts the usual shorthands and turns
them into that unit; ``validate`` uses the same reading to say what to write instead
of a shorthand it found in a file ("write 5000").
"""

from __future__ import annotations

import re

# Decimal prefixes for sizes (a disk's TB) and binary ones for KiB..PiB, both in bytes.
_BYTES = {
    "b": 1.0,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,
    "tb": 1e12,
    "pb": 1e15,
    "kib": 2.0**10,
    "mib": 2.0**20,
    "gib": 2.0**30,
    "tib": 2.0**40,
    "pib": 2.0**50,
}
_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0}
_COUNTS = {"": 1.0, "k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
# The unit a field is written in, from the end of its name.
_FIELD_UNITS = {"_gb": "gb", "_kb": "kb", "_ms": "ms"}

_AMOUNT = re.compile(r"(?P<number>[+-]?(?:\d[\d,_]*)?\.?\d+(?:e[+-]?\d+)?)\s*(?P<unit>[a-zµ]*)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_RATE = re.compile(r"\s*(?:/\s*s(?:ec)?|per\s+sec(?:ond)?)$")


def unit_of(field: str) -> str:
    """The unit a workload field is written in: ``gb``, ``kb``, ``ms`` or ``count``."""
    for suffix, unit in _FIELD_UNITS.items():
        if field.endswith(suffix):
            return unit
    return "count"


def parse_amount(text: str, unit: str = "count") -> float | None:
    """``text`` as a number in ``unit``; None when it is not an amount of that kind.

    Thousands separators are commas (``5,000``; ``5,5`` is refused, not guessed). A
    count may end in ``k``, ``m`` or ``b`` and in ``/s``; sizes take B, KB, MB, GB, TB,
    PB (powers of 1000) or KiB..PiB; durations take µs, ms or s. A bare number is
    already in ``unit``.
    """
    cleaned = _RATE.sub("", text.strip().lower()) if unit == "count" else text.strip().lower()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        return None
    number, suffix = match.group("number"), match.group("unit")
    if "," in number and not _GROUPED.fullmatch(number):
        return None
    try:
        value = float(number.replace(",", "").replace("_", ""))
    except ValueError:
        return None
    if not suffix:
        return value
    if unit == "count":
        factor = _COUNTS.get(suffix)
        return None if factor is None else value * factor
    if unit in ("gb", "kb"):
        # A size needs its byte unit: "5k" GB could mean 5 KB or 5,000 GB, so it is refused.
        size = _BYTES.get(suffix)
        return None if size is None else value * size / _BYTES[unit]
    if unit == "ms":
        seconds = _SECONDS.get(suffix)
        return None if seconds is None else value * seconds / _SECONDS["ms"]
    return None


def plain(value: float) -> int | float:
    """An amount as the file should hold it: ``5000`` rather than ``5000.0``."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


# A retention period: a whole number of seconds, minutes, hours, days or weeks.
_DURATION = re.compile(r"(?P<number>\d+)\s*(?P<unit>s|m|h|d|w)")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# A century: past that a retention is a typo, and the expiry time must stay a datetime.
MAX_DURATION_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> int | None:
    """``text`` such as ``30s``, ``15m``, ``12h``, ``90d`` or ``2w`` in seconds; None if not one.

    Only whole positive amounts in one unit are read: ``1.5d`` or ``1d12h`` are refused
    rather than guessed (write ``36h``), and so are zero and anything over a century.
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        return None
    seconds = int(match.group("number")) * _DURATION_SECONDS[match.group("unit")]
    return seconds if 0 < seconds <= MAX_DURATION_SECONDS else None


def duration_parts(seconds: int) -> tuple[int, str]:
    """A duration in the largest unit that divides it: ``7776000`` -> ``(90, "d")``."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _DURATION_SECONDS[unit] == 0:
            return seconds // _DURATION_SECONDS[unit], unit
    return seconds, "s"


def duration_text(seconds: int) -> str:
    """A duration as the workload file writes it: ``7776000`` -> ``90d``."""
    number, unit = duration_parts(seconds)
    return f"{number}{unit}"
