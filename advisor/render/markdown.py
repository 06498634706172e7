"""The Markdown report: a one-screen decision summary, per-component detail, an appendix.

The summary is what an architect pastes into a design document: per component the
database (and the managed service to run it on), the configuration's guarantee next to
what the component needs, the deciding reasons, the runner-up and the answer that would
flip the choice, and the top risks. Each claim carries numbered references to its
sources (``[3]``), listed once at the end; the appendix holds the full ranking and the
answers used. Answers the engine derives itself (``derived.*``) are never shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from advisor.engine import Change, ComponentResult, Entry, Reason, Result
from advisor.kb import KnowledgeBase
from advisor.render.managed import service, shown_caveats
from advisor.render.text import confidence_label
from advisor.templating import md_escape, md_url
from advisor.templating import render as render_template

# The contenders drawn in a component's chart: enough to see the race, few enough to
# read the values on the bars.
CONTENDERS = 4
# Deciding reasons and risks shown per component in the summary.
SUMMARY_REASONS = 2
SUMMARY_RISKS = 2
# Answers the engine computes from the others; internal, never shown to the reader.
DERIVED = "derived."
# Built-in checks and the database fact that backs each one's claim.
_BUILTIN_FACTS = {
    "constraint.cloud": "deployment",
    "constraint.managed": "deployment",
    "context.managed_preference": "deployment",
    "constraint.licensing": "licence",
    "constraint.item_size": "max_item",
    "constraint.durability": "durability",
    "constraint.transactions": "transactions",
    "fit.operational_burden": "operational_burden",
    "fit.burden_of_scale": "scaling",
    "fit.memory": "storage",
    "fit.latency": "storage",
    "fit.scale_out": "scaling",
}
_URL = re.compile(r"[a-z][a-z0-9+.-]{1,31}:[^\s<>`\\]+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "...")


class References:
    """Numbered references: a source gets its number the first time a claim cites it."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def cite(self, sources: Iterable[str]) -> str:
        """Numbered markers, each a link to its source, for ``sources`` ("" for none)."""
        marks: list[str] = []
        for source in dict.fromkeys(sources):
            number = self._numbers.setdefault(source, len(self._numbers) + 1)
            # A URL becomes a link to it, so that a pasted excerpt keeps its references;
            # any other source (a book) is the number alone.
            marks.append(f"[\\[{number}\\]](<{source}>)" if _is_url(source) else f"\\[{number}\\]")
        # Separated by spaces: ``)[`` would read as reversed link syntax to linters.
        return "".join(f" {mark}" for mark in marks)

    def listed(self) -> list[tuple[int, str]]:
        """Every cited source with its number, in number order."""
        return [(n, s) for s, n in self._numbers.items()]


def _is_url(source: str) -> bool:
    return source.isprintable() and _URL.fullmatch(source) is not None


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (abbreviations such as "e.g." do not end one)."""
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start() + 1].rsplit(" ", 1)[-1].lower()
        if before in _ABBREVIATIONS or before.count("(") > before.count(")"):
            continue
        return text[: match.start() + 1]
    return text


def needs(component: ComponentResult) -> str:
    """What the component needs, from its answers: ``CP, PC/EC, ACID``."""
    return f"{component.cap}, {component.pacelc}, {component.acid_base}"


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


@dataclass(frozen=True)
class Deciding:
    """A reason the winner is ahead of the runner-up: its sentence and both scores."""

    reason: Reason
    mine: float
    theirs: float | None


def deciding(component: ComponentResult, most: int = SUMMARY_REASONS) -> list[Deciding]:
    """The reasons that put the winner ahead: the rules that favour it most over the runner-up.

    Without a runner-up (or when only tie-breaks separate them) the winner's strongest
    positive reasons.
    """
    winner, runner = component.recommendation, component.runner_up
    if winner is None:
        return []
    if runner is not None:
        theirs_by_rule = {r.rule: r for r in runner.reasons}
        mine_by_rule = {r.rule: r for r in winner.reasons}
        found: list[Deciding] = []
        for rule, mine, theirs in differences(winner, runner, most=len(winner.reasons) + 9):
            if mine <= theirs:
                continue
            # A rule that cost the runner-up points and gave the winner none speaks of the
            # runner-up: its sentence is the runner-up's.
            reason = mine_by_rule.get(rule) or theirs_by_rule[rule]
            found.append(Deciding(reason, mine, theirs))
        if found:
            return found[:most]
    best = sorted((r for r in winner.reasons if r.points > 0), key=lambda r: -r.points)
    return [Deciding(r, r.points, None) for r in best[:most]]


# A reason worth fewer points than this is listed by rule and points only.
MAJOR_POINTS = 4


def split_reasons(reasons: Iterable[Reason]) -> tuple[list[Reason], list[Reason]]:
    """The reasons worth a sentence, and the small ones and group caps listed by id only.

    The group caps (``cap.*``) trim points that several rules of one group gave; they
    explain the arithmetic, not the choice.
    """
    major: list[Reason] = []
    minor: list[Reason] = []
    for r in reasons:
        small = abs(r.points) < MAJOR_POINTS or r.rule.startswith("cap.")
        (minor if small else major).append(r)
    return major, minor


def flip(component: ComponentResult) -> Change | None:
    """The single answer change that would make the runner-up (else any other) win."""
    changes = component.what_would_change
    runner = component.runner_up
    if runner is not None:
        for change in changes:
            if change.database == runner.database:
                return change
    return changes[0] if changes else None


def name_of(component: ComponentResult, database_id: str) -> str:
    """A database's name as the component's ranking spells it (its id when absent)."""
    return next((e.name for e in component.ranking if e.database == database_id), database_id)


def contenders(component: ComponentResult) -> list[Entry]:
    """The entries drawn in the component's chart: the top eligible ones."""
    eligible = [e for e in component.ranking if e.eligible]
    return eligible[:CONTENDERS]


def axis(entries: list[Entry]) -> tuple[int, int]:
    """A score axis that makes the differences between ``entries`` visible.

    It starts a little below the lowest score (on a multiple of 5) instead of at 0, so
    that two bars a point apart do not look identical; the chart's title says where.
    """
    scores = [e.score for e in entries] or [0.0]
    low = max(0, int(math.floor(min(scores) / 5) * 5) - 5)
    top = int(math.ceil(max(scores) / 5) * 5)
    high = min(100, top if top > max(scores) else top + 5)
    return low, max(high, low + 5)


def reason_sources(kb: KnowledgeBase) -> Callable[[str, str], tuple[str, ...]]:
    """A lookup of the sources behind one rule's claim about one database.

    The rules are indexed once per report, not once per reason cited.
    """
    rules = {r.id: r for r in kb.rules}

    def lookup(rule_id: str, database_id: str) -> tuple[str, ...]:
        if rule_id in rules:
            return tuple(rules[rule_id].sources)
        fact = _BUILTIN_FACTS.get(rule_id)
        db = kb.databases.get(database_id)
        if fact is None or db is None:
            return ()
        value = getattr(db, fact, None)
        return tuple(getattr(value, "sources", ()))

    return lookup


def answers_used(components: Iterable[ComponentResult]) -> list[tuple[str, list[str]]]:
    """The answers as rows: ``(path, one value per component)``; derived answers left out."""
    components = list(components)
    paths: dict[str, None] = {}
    for component in components:
        for path in component.answers:
            if not path.startswith(DERIVED):
                paths.setdefault(path)
    return [
        (path, [_plain(c.answers[path]) if path in c.answers else "-" for c in components])
        for path in paths
    ]


def ranking_rows(components: list[ComponentResult]) -> list[list[str]]:
    """The full rankings side by side: one row per rank, one cell per component."""
    deepest = max((len(c.ranking) for c in components), default=0)
    rows = []
    for i in range(deepest):
        cells = []
        for c in components:
            if i >= len(c.ranking):
                cells.append("")
                continue
            e = c.ranking[i]
            cells.append(
                f"{md_escape(e.name)} {e.score}"
                if e.eligible
                else f"{md_escape(e.name)} (excluded)"
            )
        rows.append(cells)
    return rows


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
        return (
            f"dbadvisor recommends **{md_escape(c.recommendation.name)}** for this workload "
            f"(confidence {confidence_label(c.confidence)})."
        )
    distinct = sorted(set(picks))
    return (
        f"This system has {parts} components; dbadvisor recommends {len(distinct)} "
        f"database{'s' if len(distinct) != 1 else ''} ({', '.join(distinct)}), each "
        "component scored on its own."
    )


def groups(result: Result) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """Components grouped by their database: ``(database id, name, [(index, component)])``.

    The index (the component's place in the workload) names its node in the flowchart,
    so that two component names that read alike to Mermaid ("a-b", "a_b") stay apart.
    """
    found: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    for index, c in enumerate(result.components, start=1):
        key, name = (
            (c.recommendation.database, c.recommendation.name)
            if c.recommendation
            else ("none", "none eligible")
        )
        found.setdefault(key, (name, []))[1].append((index, c.name))
    return [(key, name, members) for key, (name, members) in found.items()]


def render(result: Result, kb: KnowledgeBase) -> str:
    """Render the Markdown report (deterministic: same input, same bytes)."""
    references = References()
    return render_template(
        "report.md.jinja",
        workload=result.workload,
        summary=_summary(result),
        components=result.components,
        system=result.system,
        groups=groups(result),
        rules_version=result.rules_version,
        last_reviewed=result.last_reviewed,
        references=references,
        cite=references.cite,
        reason_sources=reason_sources(kb),
        db_sources=lambda db: kb.databases[db].sources,
        service=lambda c: service(c, kb),
        caveats=lambda c: shown_caveats(c, kb),
        confidence=confidence_label,
        contenders=contenders,
        axis=axis,
        deciding=deciding,
        split_reasons=split_reasons,
        flip=flip,
        first_sentence=first_sentence,
        needs=needs,
        differences=differences,
        answers_used=answers_used(result.components),
        ranking_rows=ranking_rows(list(result.components)),
        md_url=md_url,
        name_of=name_of,
    )
