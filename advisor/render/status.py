"""The statuses of an architecture decision record (MADR 4.0).

Apart from the ADR renderer so that the command line can check ``--status`` before any
work without loading the renderer and its templates, whatever the output format.
"""

from __future__ import annotations

import re

from advisor.errors import InputError

STATUSES = ("proposed", "rejected", "accepted", "deprecated")
# "superseded by" names the record that replaces this one.
_SUPERSEDED = re.compile(r"superseded by \S.*")


def check_status(status: str) -> str:
    """``status`` when MADR knows it, else an :class:`InputError` naming the choices."""
    if status in STATUSES or _SUPERSEDED.fullmatch(status):
        return status
    raise InputError(
        f"--status: '{status}' is not a MADR status (use {', '.join(STATUSES)}, "
        "or 'superseded by ADR-NNNN')"
    )
