"""Pieces every database design shares: warnings, the hot-key estimate and ordering helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.scaffold.spec import ComponentSpec, PatternSpec


@dataclass(frozen=True, slots=True, order=True)
class DesignWarning:
    """An access pattern the design serves badly or not at all, with what to do."""

    component: str
    pattern: str
    text: str

    def __str__(self) -> str:
        """``component: pattern: text`` (the pattern is left out when empty)."""
        where = f"{self.component}: {self.pattern}" if self.pattern else self.component
        return f"{where}: {self.text}"


def warn(spec: ComponentSpec, pattern: PatternSpec | None, text: str) -> DesignWarning:
    """A warning about ``pattern`` (or the whole component) of ``spec``."""
    return DesignWarning(spec.name, pattern.name if pattern else "", text)


def rate(value: float) -> str:
    """A request rate for a sentence: ``15000`` -> ``15,000``."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def read_units(pattern: PatternSpec, spec: ComponentSpec, *, strong: bool) -> float:
    """DynamoDB read capacity units per second one pattern needs (4 KB per unit)."""
    scale = spec.answers.scale
    item_kb = scale.item_size_kb if scale and scale.item_size_kb else 1.0
    items = pattern.limit or 1
    units = math.ceil(max(items * item_kb, 0.001) / 4.0)
    return (pattern.per_sec or 0.0) * units * (1.0 if strong else 0.5)
