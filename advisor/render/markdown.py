"""The Markdown report: summary, per-component reasoning, Mermaid charts and sources."""

from __future__ import annotations

from typing import Any

from advisor.engine import ComponentResult, Entry, Result
from advisor.kb import KnowledgeBase
from advisor.render.text import confidence_label
from advisor.templating import md_escape
from advisor.templating import render as render_template

TOP = 6


def _top(component: ComponentResult) -> list[Entry]:
    return [e for e in component.ranking if e.eligible][:TOP] or list(component.ranking[:TOP])


def _excluded(component: ComponentResult) -> list[Entry]:
    return [e for e in component.ranking if not e.eligible]


def differences(winner: Entry, other: Entry, most: int = 3) -> list[tuple[str, float, float]]:
    """The rules that separate two entries: ``(rule, winner's points, other's points)``."""
    mine = {r.rule: r.points for r in winner.reasons}
    theirs = {r.rule: r.points for r in other.reasons}
    rows = [
        (rule, mine.get(rule, 0.0), theirs.get(rule, 0.0))
        for rule in sorted(mine.keys() | theirs.keys())
        if mine.get(rule, 0.0) != theirs.get(rule, 0.0)
    ]
    rows.sort(key=lambda row: -abs(row[1] - row[2]))
    return rows[:most]


def _plain(value: Any) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _summary(result: Result) -> str:
    """The opening paragraph; it holds Markdown, so the names in it are escaped here."""
    picks = [md_escape(c.recommendation.name) for c in result.components if c.recommendation]
    parts = len(result.components)
    if parts == 1:
        c = result.components[0]
        if c.recommendation is None:
            return "No database in the knowledge base meets this workload's hard constraints."
        runner = f"; the runner-up is {md_escape(c.runner_up.name)}" if c.runner_up else ""
        return (
            f"For this workload dbadvisor recommends **{md_escape(c.recommendation.name)}** "
            f"({c.cap}, {c.acid_base}, confidence {confidence_label(c.confidence)}){runner}. "
            "Each score below is explained by the rules that moved it."
        )
    distinct = sorted(set(picks))
    return (
        f"This system has {parts} components; dbadvisor recommends {len(distinct)} "
        f"database{'s' if len(distinct) != 1 else ''} ({', '.join(distinct)}). "
        "Each component is scored on its own, and each score is explained by the rules "
        "that moved it."
    )


def sources_of(result: Result, kb: KnowledgeBase) -> list[str]:
    """Every source cited by the fired rules, the winners' facts and caveats, sorted."""
    cited: set[str] = set()
    rules = {r.id: r for r in kb.rules}
    for component in result.components:
        for entry in component.ranking:
            for reason in entry.reasons:
                if reason.rule in rules:
                    cited.update(rules[reason.rule].sources)
        if component.configuration:
            cited.update(component.configuration.sources)
        for caveat in component.caveats:
            cited.update(caveat.sources)
        if component.recommendation:
            cited.update(kb.databases[component.recommendation.database].sources)
    return sorted(cited)


def render(result: Result, kb: KnowledgeBase) -> str:
    """Render the Markdown report (deterministic: same input, same bytes)."""
    return render_template(
        "report.md.jinja",
        workload=result.workload,
        summary=_summary(result),
        components=result.components,
        system=result.system,
        rules_version=result.rules_version,
        last_reviewed=result.last_reviewed,
        sources=sources_of(result, kb),
        confidence=confidence_label,
        top=_top,
        excluded=_excluded,
        differences=differences,
        plain=_plain,
    )
