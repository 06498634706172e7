"""Plain-text views of knowledge-base entries for ``dbadvisor rules show``.

Overlays can put any text in a rule or a database, so each line is passed through
:func:`~advisor.errors.visible`: one fact per line, no control characters.
"""

from __future__ import annotations

import json

from advisor.engine import MODEL_OF, category_points
from advisor.errors import visible
from advisor.kb import CLOUDS, Companion, Database, Rule
from advisor.render.compare import human_size


def describe_rule(rule: Rule) -> str:
    """A rule's id, condition, effects, sentence, sources and file."""
    lines = [
        f"id: {rule.id}",
        f"when: {json.dumps(rule.condition, sort_keys=True)}",
        f"why: {rule.why}",
    ]
    if rule.group is not None:
        lines.append(f"group: {rule.group} (see cap.{rule.group})")
    for name, value in sorted(rule.databases.items()):
        lines.append(f"points: {name} {value:+g}")
    for name, value in sorted(rule.categories.items()):
        lines.append(f"points: category {name} {value:+g}")
    for name, model in sorted(MODEL_OF.items()):
        inherited = category_points(rule, name)
        if name not in rule.categories and inherited:
            lines.append(f"points: category {name} {inherited:+g} (as {model}: same model)")
    if rule.exclude:
        lines.append(f"exclude: {', '.join(rule.exclude)}")
    lines.extend(f"source: {s}" for s in rule.sources)
    lines.append(f"defined in: {rule.origin}")
    return "".join(f"{visible(line)}\n" for line in lines)


def describe_companion(companion: Companion) -> str:
    """A companion rule's id, condition, the stores it adds, sentence, sources and file."""
    lines = [
        f"id: {companion.id}",
        "kind: companion store (pair X with Y; changes no score)",
        f"when: {json.dumps(companion.condition, sort_keys=True)}",
        f"add: {', '.join(companion.add)} ({companion.category})",
        f"why: {companion.why}",
    ]
    if companion.unless:
        lines.append(f"unless the winner is: {', '.join(companion.unless)}")
    lines.extend(f"source: {s}" for s in companion.sources)
    lines.append(f"defined in: {companion.origin}")
    return "".join(f"{visible(line)}\n" for line in lines)


def describe_database(db: Database) -> str:
    """A database's main facts, one per line, each with its first source."""
    lines = [
        f"id: {db.id}",
        f"name: {db.name}",
        f"category: {db.category}",
        f"licence: {db.licence.spdx} (OSI-approved: {'yes' if db.licence.osi_approved else 'no'})",
        f"self-hosted: {'yes' if db.deployment.self_hosted else 'no'}",
    ]
    for cloud in CLOUDS:
        offers = [o.describe() for o in db.deployment.managed.offers(cloud)]
        lines.append(f"managed on {cloud}: {', '.join(offers) if offers else '-'}")
    size = human_size(db.max_item.kb) if db.max_item.kb is not None else "no stated limit"
    lines.append(f"max item: {size}")
    lines.append(f"transactions: {db.transactions.scope}")
    lines.append(f"durable: {'yes' if db.durability.durable else 'no'}")
    lines.append(f"operational burden: {db.operational_burden.summary()}")
    lines.append(f"capabilities: {', '.join(sorted(db.capabilities))}")
    for config in db.consistency:
        default = " (default)" if config.default else ""
        lines.append(
            f"consistency: {config.configuration}{default}: {config.guarantee}, "
            + (f"{config.cap}, {config.pacelc}" if config.replicated else "one server, CAP n/a")
        )
    lines.extend(f"source: {s}" for s in db.sources)
    return "".join(f"{visible(line)}\n" for line in lines)
