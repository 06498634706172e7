"""``dbadvisor compare``: databases side by side, straight from the knowledge base.

One table of facts (rows) by database (columns) feeds all three formats, so the text,
Markdown and JSON views cannot disagree. JSON follows SPEC section 7.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.errors import visible_json
from advisor.kb import CLOUDS, Database, KnowledgeBase, Offering, cap_label

FORMAT_VERSION = 1


def _managed(db: Database, cloud: str) -> str:
    # A deprecated or retiring service is still listed, with its status and dates, so
    # that a reader sees why it no longer counts for a new workload.
    return ", ".join(o.describe() for o in db.deployment.managed.offers(cloud)) or "-"


def _compatible(db: Database) -> str:
    found = [f"{name} ({cloud})" for cloud in CLOUDS for name in db.deployment.compatible.on(cloud)]
    return ", ".join(found) or "-"


def human_size(kb: float) -> str:
    """A size in KB in the largest unit that keeps it readable: ``1048576`` -> ``1 GB``."""
    for unit, factor in (("TB", 1024**3), ("GB", 1024**2), ("MB", 1024)):
        if kb >= factor:
            return f"{round(kb / factor, 2):g} {unit}"
    return f"{kb:g} KB"


def _limit(db: Database) -> str:
    return human_size(db.max_item.kb) if db.max_item.kb is not None else "no stated limit"


def _transactions(db: Database) -> str:
    scope = db.transactions.scope.replace("_", "-")
    limit = db.transactions.max_items
    return f"{scope} (up to {limit} items)" if limit else scope


def _consistency(db: Database) -> str:
    return "; ".join(
        f"{c.configuration}{' [default]' if c.default else ''}: {c.guarantee}, "
        f"{f'{cap_label(c)}, {c.pacelc}' if c.replicated else 'CAP/PACELC n/a (one server)'}"
        f"{'' if c.production_ready else ' (not production-ready)'}"
        for c in db.consistency
    )


# How a degree reads in a table cell; native capabilities are listed bare.
DEGREE_CELL = {"modelled": "modelled", "add_on": "add-on"}
SCALE_OUT_CELL = {
    "native": "yes",
    "add_on": "with a sharding add-on",
    "modelled": "no (application sharding)",
}


def _capabilities(db: Database) -> str:
    """Every capability, with its degree when it is not a built-in feature."""
    return ", ".join(
        name if fact.degree == "native" else f"{name} ({DEGREE_CELL[fact.degree]})"
        for name, fact in sorted(db.capabilities.items())
    )


def _caveats(db: Database, *ids: str) -> str:
    found = [c.text for c in db.caveats if any(key in c.id for key in ids)]
    return " ".join(found) or "-"


def _capability(db: Database, name: str, *caveat_ids: str) -> str:
    """A capability as the knowledge base states it: its note (else its caveats), or "no".

    The capability list is the one source of truth: a database that lists the capability
    never reads "no" or "-" here (PostgreSQL's pub/sub is LISTEN/NOTIFY).
    """
    fact = db.capabilities.get(name)  # type: ignore[call-overload]
    if fact is None:
        return "no"
    caveats = _caveats(db, name, *caveat_ids)
    text = fact.note or (caveats if caveats != "-" else "yes")
    return text if fact.degree == "native" else f"{fact.degree}: {text}"


ROWS: tuple[tuple[str, Any], ...] = (
    ("category", lambda db: db.category.replace("_", "-")),
    ("data model", lambda db: db.data_model.text),
    ("consistency (configuration: guarantee, CAP, PACELC)", _consistency),
    ("transactions", _transactions),
    ("max item", _limit),
    ("durable", lambda db: "yes" if db.durability.durable else "no (cache only)"),
    ("TTL", lambda db: _capability(db, "ttl")),
    ("pub/sub", lambda db: _capability(db, "pub_sub", "pubsub")),
    ("capabilities (degree unless built in)", _capabilities),
    (
        "licence",
        lambda db: f"{db.licence.spdx} ({'OSI' if db.licence.osi_approved else 'not OSI'})",
    ),
    ("self-hosted", lambda db: "yes" if db.deployment.self_hosted else "no"),
    *((f"managed on {cloud}", lambda db, c=cloud: _managed(db, c)) for cloud in CLOUDS),
    ("API-compatible services", _compatible),
    ("operational burden", lambda db: db.operational_burden.summary()),
    ("scales writes out", lambda db: SCALE_OUT_CELL[db.scaling.degree]),
)


def table(databases: list[Database]) -> list[tuple[str, list[str]]]:
    """The comparison as rows of (fact, one cell per database)."""
    return [(label, [str(cell(db)) for db in databases]) for label, cell in ROWS]


def as_dict(databases: list[Database], kb: KnowledgeBase) -> dict[str, Any]:
    """SPEC section 7: the knowledge-base JSON of the asked databases, in the order asked."""
    return {
        "format_version": FORMAT_VERSION,
        "rules_version": kb.meta.rules_version,
        "last_reviewed": kb.meta.last_reviewed,
        "databases": [_database(db) for db in databases],
    }


def _fact_sources(db: Database) -> dict[str, list[str]]:
    facts = {
        "data_model": db.data_model,
        "licence": db.licence,
        "deployment": db.deployment,
        "max_item": db.max_item,
        "transactions": db.transactions,
        "durability": db.durability,
        "operational_burden": db.operational_burden,
        "scaling": db.scaling,
    }
    return {name: list(fact.sources) for name, fact in facts.items()}


def _offering(offering: Offering) -> dict[str, Any]:
    """One managed offering with its life-cycle status (added to SPEC section 7's shape)."""
    return {
        "name": offering.name,
        "status": offering.status,
        "for_new_workloads": offering.for_new_workloads,
        "no_new_after": offering.no_new_after,
        "retires": offering.retires,
        "successor": offering.successor,
        "sources": list(offering.sources),
        "as_of": offering.as_of,
    }


def _database(db: Database) -> dict[str, Any]:
    return {
        "id": db.id,
        "name": db.name,
        "category": db.category,
        "data_model": db.data_model.text,
        "licence": {
            "spdx": db.licence.spdx,
            "osi_approved": db.licence.osi_approved,
            "note": db.licence.note,
        },
        "managed": {cloud: list(db.deployment.managed.on(cloud)) for cloud in CLOUDS},
        "managed_offerings": {
            cloud: [_offering(o) for o in db.deployment.managed.offers(cloud)] for cloud in CLOUDS
        },
        "compatible_services": {
            cloud: list(db.deployment.compatible.on(cloud)) for cloud in CLOUDS
        },
        "self_hosted": db.deployment.self_hosted,
        "max_item_kb": db.max_item.kb,
        "transactions": {
            "scope": db.transactions.scope,
            "max_items": db.transactions.max_items,
        },
        "durable": db.durability.durable,
        "operational_burden": db.operational_burden.level,
        "operational_burden_as_cache": db.operational_burden.cache_level,
        "scales_horizontally": db.scaling.horizontal,
        # native, add_on (a sharding layer such as Citus or Vitess) or modelled (the
        # application shards); added to SPEC section 7's shape.
        "scale_out": db.scaling.degree,
        "capabilities": sorted(db.capabilities),
        # native, modelled or add_on per capability (added to SPEC section 7's shape).
        "capability_degrees": {name: fact.degree for name, fact in sorted(db.capabilities.items())},
        "consistency": [
            {
                "id": c.id,
                "configuration": c.configuration,
                "settings": c.settings,
                "default": c.default,
                "guarantee": c.guarantee,
                "cap": c.cap,
                "pacelc": c.pacelc,
                "production_ready": c.production_ready,
                "multi_region": c.multi_region,
                "replicated": c.replicated,
                "sources": list(c.sources),
                "as_of": c.as_of,
            }
            for c in db.consistency
        ],
        "caveats": [{"id": c.id, "text": c.text, "sources": list(c.sources)} for c in db.caveats],
        "fact_sources": _fact_sources(db),
        "sources": list(db.sources),
    }


def render_json(databases: list[Database], kb: KnowledgeBase) -> str:
    """SPEC section 7 JSON, deterministic."""
    return visible_json(json.dumps(as_dict(databases, kb), indent=2, ensure_ascii=False)) + "\n"


def all_sources(databases: list[Database]) -> list[tuple[str, list[str]]]:
    """Every source each database's facts cite, sorted and without repeats."""
    out = []
    for db in databases:
        cited = set(db.sources)
        for sources in _fact_sources(db).values():
            cited.update(sources)
        for config in db.consistency:
            cited.update(config.sources)
        for caveat in db.caveats:
            cited.update(caveat.sources)
        for offering in db.deployment.managed.offers(None):
            cited.update(offering.sources)
        out.append((db.id, sorted(cited)))
    return out


def render_markdown(databases: list[Database], kb: KnowledgeBase) -> str:
    """A Markdown table (facts by database) and the sources of every fact."""
    from advisor.templating import render as render_template

    return render_template(
        "compare.md.jinja",
        databases=databases,
        rows=table(databases),
        sources=all_sources(databases),
        meta=kb.meta,
    )


# Three columns of facts is what 80 columns can hold legibly; beyond that, blocks.
PER_BLOCK = 3


def _blocks(count: int, most: int) -> list[int]:
    """Where each block of columns starts: as few blocks as fit, as even as can be.

    Four databases make two blocks of two, not three and one.
    """
    if count <= 0:
        return [0]
    blocks = -(-count // most)
    size, extra = divmod(count, blocks)
    starts, at = [], 0
    for i in range(blocks):
        starts.append(at)
        at += size + (1 if i < extra else 0)
    return starts


def render_text(
    databases: list[Database], kb: KnowledgeBase, *, color: bool, width: int = 80
) -> str:
    """A rich table; with more than three databases each one gets its own block."""
    from rich.table import Table

    from advisor.render.text import plain, string_console

    console, buffer = string_console(color=color, width=width)
    rows = table(databases)
    # A label breaks between words, never inside one ("consisten"/"cy"): its column is
    # as wide as the longest word of any label, and the facts share the rest.
    label_width = max(len(word) for label, _ in rows for word in label.split())
    starts = _blocks(len(databases), PER_BLOCK)
    groups = [databases[a:b] for a, b in zip(starts, [*starts[1:], len(databases)], strict=True)]
    for start, group in zip(starts, groups, strict=True):
        grid = Table(show_lines=True, expand=True)
        grid.add_column("", style="bold", overflow="fold", width=label_width)
        for db in group:
            grid.add_column(plain(db.name), ratio=2, overflow="fold")
        for label, cells in rows:
            # Text, not str: a cell such as "majority [default]" is not rich markup.
            grid.add_row(label, *(plain(cell) for cell in cells[start : start + len(group)]))
        console.print(grid)
    console.print(
        f"Knowledge base {kb.meta.rules_version}, last reviewed {kb.meta.last_reviewed}. "
        "Sources: dbadvisor compare --format markdown."
    )
    return buffer.getvalue()
