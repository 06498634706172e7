"""Second stores to pair with a component's winner ("pair X with Y").

A search or time-series engine is often a second store beside the system of record. The
knowledge base states when as data (``companions:`` in ``rules/scoring/*.yaml``, see
:class:`advisor.kb.CompanionSpec`); this module reads a scored component and names the
pairings that apply. It does not change any score: the ranking still answers "which one
database", and a pairing adds "and beside it, this one".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.kb import Companion, KnowledgeBase

if TYPE_CHECKING:
    # Only for annotations: the engine attaches pairings to its results, so it imports
    # this module, not the other way round.
    from advisor.engine import ComponentResult, Entry

# The checks that judge where a database may run rather than what the component asks of
# its system of record: only these can rule a companion out, since the companion does not
# hold the records (a search index need not take multi-record transactions).
CONTEXT_CHECKS = frozenset({"constraint.cloud", "constraint.managed", "constraint.licensing"})


@dataclass(frozen=True)
class Pairing:
    """One second store to run beside a component's winner, and why."""

    rule: str
    component: str
    primary: str
    companion: str
    category: str
    text: str
    sources: tuple[str, ...]


def _allowed(entry: Entry) -> bool:
    """Whether the workload's context (cloud, managed service, licence) allows ``entry``."""
    return not any(d.rule in CONTEXT_CHECKS for d in entry.disqualified_by)


def _pairing(kb: KnowledgeBase, result: ComponentResult, rule: Companion) -> Pairing | None:
    winner = result.recommendation
    if winner is None or winner.category in rule.unless or winner.database in rule.add:
        return None
    if not rule.when(result.answers):
        return None
    ranked = {e.database: e for e in result.ranking}
    chosen = next((d for d in rule.add if d in ranked and _allowed(ranked[d])), None)
    if chosen is None:
        return None
    primary, companion = kb.databases[winner.database].name, kb.databases[chosen].name
    return Pairing(
        rule=rule.id,
        component=result.name,
        primary=winner.database,
        companion=chosen,
        category=rule.category,
        text=f"pair {primary} with {companion}: {rule.why}",
        sources=rule.sources,
    )


def pairings(kb: KnowledgeBase, result: ComponentResult) -> tuple[Pairing, ...]:
    """The second stores the knowledge base recommends beside ``result``'s winner, by rule id."""
    found = (_pairing(kb, result, rule) for rule in kb.companions)
    return tuple(p for p in found if p is not None)
