"""JSON output of ``recommend`` (SPEC section 4), plus the engine's added fields."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from advisor import __version__
from advisor.engine import ComponentResult, Configuration, Entry, Result
from advisor.errors import visible_json

if TYPE_CHECKING:
    from advisor.kb import KnowledgeBase

FORMAT_VERSION = 1


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "database": entry.database,
        "category": entry.category,
        "api": entry.api,
        "score": entry.score,
        "points": entry.points,
        "eligible": entry.eligible,
        "reasons": [{"rule": r.rule, "points": r.points, "text": r.text} for r in entry.reasons],
        "disqualified_by": [{"rule": d.rule, "text": d.text} for d in entry.disqualified_by],
    }


def _pick(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"database": entry.database, "category": entry.category, "score": entry.score}


def _configuration(config: Configuration | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "id": config.id,
        "configuration": config.configuration,
        "settings": config.settings,
        "guarantee": config.guarantee,
        "cap": config.cap,
        "pacelc": config.pacelc,
        "replicated": config.replicated,
        "note": config.note,
        "advice": list(config.advice),
        "sources": list(config.sources),
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def component_dict(component: ComponentResult, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """One component as SPEC section 4 describes it, with the added fields after.

    With the knowledge base, ``managed_service`` names the managed service to run the
    winner on and the settings it exposes (null when no managed service is wanted or
    offered); without it, that field is null.
    """
    from advisor.render.managed import self_hosted_caveats, service, service_dict

    skip = self_hosted_caveats(component, kb) if kb is not None else frozenset()
    return {
        "name": component.name,
        "cap": component.cap,
        "acid_base": component.acid_base,
        "recommendation": _pick(component.recommendation),
        "ranking": [_entry(e) for e in component.ranking],
        "cap_basis": component.cap_basis,
        "pacelc": component.pacelc,
        "runner_up": _pick(component.runner_up),
        "confidence": component.confidence,
        "margin": component.margin,
        "tie_break": component.tie_break,
        "configuration": _configuration(component.configuration),
        "caveats": [
            {
                "id": c.id,
                "text": c.text,
                "sources": list(c.sources),
                "self_hosted_only": c.id in skip,
            }
            for c in component.caveats
        ],
        "what_would_change": [
            {"answer": c.answer, "from": c.current, "to": c.value, "database": c.database}
            for c in component.what_would_change
        ],
        "answers": {k: _plain(v) for k, v in sorted(component.answers.items())},
        "companions": [
            {
                "database": p.companion,
                "category": p.category,
                "beside": p.primary,
                "rule": p.rule,
                "reason": p.text,
                "sources": list(p.sources),
            }
            for p in component.companions
        ],
        "managed_service": service_dict(service(component, kb)) if kb is not None else None,
    }


def result_dict(result: Result, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """The whole result as a JSON-ready dict."""
    return {
        "format_version": FORMAT_VERSION,
        "advisor_version": __version__,
        "rules_version": result.rules_version,
        "last_reviewed": result.last_reviewed,
        "workload": result.workload.name,
        "components": [component_dict(c, kb) for c in result.components],
        "system": {
            "databases": list(result.system.databases),
            "warnings": list(result.system.warnings),
        },
    }


def render(result: Result, *, indent: int | None = 2, kb: KnowledgeBase | None = None) -> str:
    """Deterministic JSON text (no time stamps; ``indent=None`` gives one line)."""
    data = result_dict(result, kb)
    return visible_json(json.dumps(data, indent=indent, ensure_ascii=False)) + "\n"
