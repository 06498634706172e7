"""The scoring engine: hard constraints exclude, soft rules score, and every point is explained.

Per component the engine flattens the answers (:func:`advisor.conditions.answers_of`),
applies the built-in hard constraints and the knowledge base's rules, ranks every
database, picks the configuration that delivers what was asked, and finds which single
answer, changed, would change the winner. Variants are re-scored incrementally: only the
rules and checks that read a changed answer are evaluated again, which keeps "what would
change the answer" cheap enough to compute for every component of every file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from advisor.conditions import ANSWER_PATHS, Answers, answers_of, derive
from advisor.kb import (
    BURDENS,
    CLOUDS,
    GUARANTEE_RANK,
    GUARANTEES,
    CapSide,
    ConsistencyConfig,
    Database,
    Guarantee,
    KnowledgeBase,
    Rule,
)
from advisor.records import Frozen
from advisor.workload import Capability, Component, Workload

DERIVED_PATHS = tuple(sorted(p for p in ANSWER_PATHS if p.startswith("derived.")))

# Score = 100 * logistic(points / SCALE): 0 points is 50, +/-20 points is about 73/27.
SCALE = 20.0
# Confidence from the winner's lead over the runner-up, in points.
HIGH_MARGIN = 8.0
MEDIUM_MARGIN = 3.0
CONSOLIDATE_WITHIN = 6.0
MANY_DATABASES = 3


class Reason(Frozen):
    """Points one rule gave one database, with the rule's sentence."""

    rule: str
    points: float
    text: str


class Disqualification(Frozen):
    """Why a database cannot serve this component."""

    rule: str
    text: str


class Entry(Frozen):
    """One database in a component's ranking."""

    database: str
    name: str
    category: str
    score: float
    points: float
    eligible: bool
    reasons: tuple[Reason, ...]
    disqualified_by: tuple[Disqualification, ...]


class Configuration(Frozen):
    """The configuration to use on the winner to get what the workload asked for."""

    id: str
    configuration: str
    settings: str
    guarantee: str
    cap: str
    pacelc: str
    note: str | None
    sources: tuple[str, ...]
    advice: tuple[str, ...]
    replicated: bool = True

    @property
    def gives(self) -> str:
        """What the configuration gives, e.g. ``strong reads, CP, PC/EC``."""
        if not self.replicated:
            return f"{self.guarantee} reads; one server, so CAP and PACELC do not arise"
        return f"{self.guarantee} reads, {self.cap}, {self.pacelc}"


class CaveatNote(Frozen):
    """A caveat of the winner that applies to this workload."""

    id: str
    text: str
    sources: tuple[str, ...]


class Change(Frozen):
    """A single answer that, changed to ``value``, makes ``database`` win."""

    answer: str
    current: str | None
    value: str
    database: str

    @property
    def change(self) -> str:
        """The change in words: ``strong``, or ``add ttl`` for a capability added to needs."""
        return f"add {self.value}" if self.answer == "needs" else self.value


class ComponentResult(Frozen):
    """Everything decided about one component."""

    name: str
    description: str | None
    cap: str
    cap_basis: str
    acid_base: str
    pacelc: str
    recommendation: Entry | None
    runner_up: Entry | None
    confidence: str
    margin: float | None
    configuration: Configuration | None
    caveats: tuple[CaveatNote, ...]
    what_would_change: tuple[Change, ...]
    ranking: tuple[Entry, ...]
    answers: Mapping[str, Any]


class SystemResult(Frozen):
    """System-level view of a polyglot workload."""

    databases: tuple[str, ...]
    warnings: tuple[str, ...]


class Result(Frozen):
    """The engine's answer for one workload."""

    workload: Workload
    rules_version: str
    last_reviewed: str
    components: tuple[ComponentResult, ...]
    system: SystemResult


class Check(Frozen):
    """A built-in check of one database against the answers it reads.

    ``run`` returns ``None`` (nothing to say), a disqualification text (hard) or
    ``(points, text)`` (soft).
    """

    id: str
    paths: frozenset[str]
    hard: bool
    run: Callable[[Answers, Database], str | tuple[float, str] | None]


def _guarantee_for(asked: str | None) -> Guarantee | None:
    # Each consistency answer is spelled as the guarantee it asks for.
    return next((g for g in GUARANTEES if g == asked), None)


def _meets(config: ConsistencyConfig, asked: Guarantee | None) -> bool:
    return asked is None or GUARANTEE_RANK[config.guarantee] >= GUARANTEE_RANK[asked]


def _on(cloud: str | None) -> str:
    """`` on aws`` when the answer names a cloud, else nothing."""
    return f" on {cloud}" if cloud in CLOUDS else ""


def _cloud_check(answers: Answers, db: Database) -> str | None:
    cloud = answers.get("context.cloud")
    if cloud == "on_prem" and not db.deployment.self_hosted:
        return f"{db.name} is only available as a cloud service; it cannot run on premises"
    hosted_only = not db.deployment.self_hosted
    if cloud in CLOUDS and hosted_only and not db.deployment.managed.on(cloud):
        return f"{db.name} runs only as a managed service, and none is offered on {cloud}"
    return None


def _managed_check(answers: Answers, db: Database) -> str | None:
    managed, cloud = answers.get("context.managed"), answers.get("context.cloud")
    if managed == "self_hosted" and not db.deployment.self_hosted:
        return f"{db.name} cannot be self-hosted; it exists only as a managed service"
    if managed != "required":
        return None
    if cloud == "on_prem":
        return f"no managed {db.name} service runs on premises"
    if db.deployment.managed.available(cloud):
        return None
    if cloud not in CLOUDS:
        return f"no cloud offers {db.name} as a managed service"
    similar = db.deployment.compatible.on(cloud)
    also = f" (API-compatible, other engine: {', '.join(similar)})" if similar else ""
    return f"no managed {db.name} service is offered on {cloud}{also}"


def _licence_check(answers: Answers, db: Database) -> str | None:
    if answers.get("context.licensing") == "open_source" and not db.licence.osi_approved:
        return f"{db.name} is licensed {db.licence.spdx}, which is not an OSI-approved licence"
    return None


def _item_size_check(answers: Answers, db: Database) -> str | None:
    size, limit = answers.get("scale.item_size_kb"), db.max_item.kb
    if size is not None and limit is not None and size > limit:
        return f"items of {size:g} KB exceed {db.name}'s limit of {limit:g} KB per item"
    return None


def _durability_check(answers: Answers, db: Database) -> str | None:
    if answers.get("durability") == "durable" and not db.durability.durable:
        return f"{db.name} is a cache: it cannot keep data across a restart"
    return None


def _needs_check(answers: Answers, db: Database) -> str | None:
    needs: tuple[Capability, ...] = answers.get("needs", ())
    missing = [n for n in needs if n not in db.capabilities]
    if missing:
        return f"{db.name} lacks {', '.join(missing)}"
    if answers.get("context.managed") != "required":
        return None
    cloud = answers.get("context.cloud")
    unmanaged = []
    for need in needs:
        offers = db.capabilities[need].managed
        if offers is None:
            continue
        if not offers.available(cloud):
            unmanaged.append(need)
    if unmanaged:
        return f"no managed {db.name} service{_on(cloud)} offers {', '.join(unmanaged)}"
    return None


def _transactions_check(answers: Answers, db: Database) -> str | None:
    if answers.get("transactions") == "multi_record" and db.transactions.scope != "multi_record":
        return f"{db.name} has no multi-record transactions (scope: {db.transactions.scope})"
    return None


def _consistency_check(answers: Answers, db: Database) -> str | None:
    asked = _guarantee_for(answers.get("consistency"))
    if asked is None:
        return None
    if not any(c.production_ready and _meets(c, asked) for c in db.consistency):
        return f"no production-ready {db.name} configuration gives {asked} consistency"
    return None


def _expertise(answers: Answers, db: Database) -> tuple[float, str] | None:
    if db.id in answers.get("context.team_expertise", ()):
        return 10.0, f"The team already runs {db.name} well: fewer unknowns, faster delivery."
    return None


def _managed_preference(answers: Answers, db: Database) -> tuple[float, str] | None:
    if answers.get("context.managed") not in ("preferred", "required"):
        return None
    cloud = answers.get("context.cloud")
    if db.deployment.managed.available(cloud):
        return 5.0, f"A managed {db.name} service exists{_on(cloud)}, as preferred."
    return None


def _partition_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    side = answers.get("on_partition")
    if side is None:
        return None
    asked = _guarantee_for(answers.get("consistency"))
    wanted: CapSide = "CP" if side == "stay_consistent" else "AP"
    # A single server never diverges, but it is not an answer to a partition between
    # replicas either: only replicated configurations count (the seed's "Redis is CP"
    # must not come back through a one-node setup).
    usable = [c for c in db.consistency if c.production_ready and c.replicated and c.cap == wanted]
    if wanted == "CP":
        usable = [c for c in usable if _meets(c, asked)]
    if usable:
        return None
    if wanted == "CP":
        return -15.0, (
            f"No production-ready {db.name} configuration refuses to diverge during a "
            "partition (CP) at the asked consistency."
        )
    return -10.0, (
        f"Every {db.name} configuration chooses consistency over availability during a partition."
    )


def _multi_region_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    if answers.get("multi_region") != "active_active":
        return None
    asked = _guarantee_for(answers.get("consistency"))
    spanning = [c for c in db.consistency if c.production_ready and c.multi_region]
    if not spanning:
        return -6.0, f"No production-ready {db.name} configuration spans regions."
    if asked is not None and not any(_meets(c, asked) for c in spanning):
        best = max((c.guarantee for c in spanning), key=GUARANTEE_RANK.__getitem__)
        return -6.0, (
            f"Across regions {db.name} gives at best {best} reads, weaker than the "
            f"{asked} consistency asked."
        )
    return None


def _burden(answers: Answers, db: Database) -> tuple[float, str] | None:
    if db.operational_burden.level == "high":
        return -4.0, f"Running {db.name} well takes specialist operations work."
    if db.operational_burden.level == "low" and answers.get("context.managed") != "self_hosted":
        return 2.0, f"{db.name} needs little operations work."
    return None


def _paths(*names: str) -> frozenset[str]:
    return frozenset(names)


CHECKS: tuple[Check, ...] = (
    Check("constraint.cloud", _paths("context.cloud"), True, _cloud_check),
    Check("constraint.managed", _paths("context.managed", "context.cloud"), True, _managed_check),
    Check("constraint.licensing", _paths("context.licensing"), True, _licence_check),
    Check("constraint.item_size", _paths("scale.item_size_kb"), True, _item_size_check),
    Check("constraint.durability", _paths("durability"), True, _durability_check),
    Check(
        "constraint.needs", _paths("needs", "context.managed", "context.cloud"), True, _needs_check
    ),
    Check("constraint.transactions", _paths("transactions"), True, _transactions_check),
    Check("constraint.consistency", _paths("consistency"), True, _consistency_check),
    Check("context.team_expertise", _paths("context.team_expertise"), False, _expertise),
    Check(
        "context.managed_preference",
        _paths("context.managed", "context.cloud"),
        False,
        _managed_preference,
    ),
    Check("fit.on_partition", _paths("on_partition", "consistency"), False, _partition_fit),
    Check("fit.multi_region", _paths("multi_region", "consistency"), False, _multi_region_fit),
    Check("fit.operational_burden", _paths("context.managed"), False, _burden),
)


class _State:
    """Scores of every database for one set of answers (mutable, unlike the results).

    ``points`` already includes the soft checks and ``blocks`` counts the hard checks
    and excluding rules that hold, so ranking a state is one sort and a variant only
    adjusts what its changed answers touch.
    """

    __slots__ = ("answers", "blocks", "check_results", "fired", "points")

    def __init__(
        self,
        answers: dict[str, Any],
        fired: set[int],
        points: dict[str, float],
        blocks: dict[str, int],
        check_results: dict[tuple[int, str], Any] | None = None,
    ) -> None:
        """Hold one set of answers and the totals they give."""
        self.answers = answers
        self.fired = fired
        self.points = points
        self.blocks = blocks
        self.check_results = {} if check_results is None else check_results

    def toggle_rule(self, index: int, rule: Rule, effect: Mapping[str, float], on: bool) -> None:
        """Add (``on``) or remove one rule's points and exclusions."""
        sign = 1 if on else -1
        (self.fired.add if on else self.fired.discard)(index)
        for db_id, value in effect.items():
            self.points[db_id] += sign * value
        for db_id in rule.exclude:
            self.blocks[db_id] += sign

    def set_check(self, c: int, db_id: str, result: Any) -> None:
        """Replace one check's result for one database, keeping the totals in step."""
        for sign, value in ((-1, self.check_results.get((c, db_id))), (1, result)):
            if value is None:
                continue
            if CHECKS[c].hard:
                self.blocks[db_id] += sign
            else:
                self.points[db_id] += sign * value[0]
        self.check_results[(c, db_id)] = result


class Engine:
    """Scores components against one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        """Precompute each rule's effect per database and which answers it reads."""
        self.kb = kb
        self.ids = sorted(kb.databases)
        self.effects: list[dict[str, float]] = []
        for rule in kb.rules:
            effect: dict[str, float] = {}
            for db_id in self.ids:
                category = kb.databases[db_id].category
                value = rule.databases.get(db_id, 0.0) + rule.categories.get(category, 0.0)
                if value:
                    effect[db_id] = value
            self.effects.append(effect)
        # Which rules and checks read each answer: a variant re-evaluates only those.
        self.rules_reading: dict[str, list[int]] = {}
        for i, rule in enumerate(kb.rules):
            for path in rule.when.paths:
                self.rules_reading.setdefault(path, []).append(i)
        self.burden_rank = {
            db_id: BURDENS.index(kb.databases[db_id].operational_burden.level) for db_id in self.ids
        }

    # -- scoring -----------------------------------------------------------------

    def state(self, answers: dict[str, Any]) -> _State:
        """Score every database for a full set of answers."""
        state = _State(answers, set(), dict.fromkeys(self.ids, 0.0), dict.fromkeys(self.ids, 0))
        for i, rule in enumerate(self.kb.rules):
            if rule.when(answers):
                state.toggle_rule(i, rule, self.effects[i], on=True)
        for c, check in enumerate(CHECKS):
            for db_id in self.ids:
                state.set_check(c, db_id, check.run(answers, self.kb.databases[db_id]))
        return state

    def _order(self, state: _State) -> list[tuple[bool, float, str]]:
        rows = [(state.blocks[db_id] == 0, state.points[db_id], db_id) for db_id in self.ids]
        # Eligible first, then by points; ties go to the lighter operational burden, then id.
        rows.sort(key=lambda r: (not r[0], -r[1], self.burden_rank[r[2]], r[2]))
        return rows

    def winner(self, state: _State) -> str | None:
        """The best eligible database for a state, if any."""
        eligible, _, db_id = self._order(state)[0]
        return db_id if eligible else None

    def variant(self, base: _State, changes: Mapping[str, Any]) -> _State:
        """Re-score ``base`` with some answers changed, evaluating only what they touch."""
        answers = dict(base.answers)
        for path, value in changes.items():
            if value is None:
                answers.pop(path, None)
            else:
                answers[path] = value
        derive(answers)
        # Only the changed answers and the answers derived from them can differ.
        candidates = (*changes, *DERIVED_PATHS)
        changed = {k for k in candidates if answers.get(k) != base.answers.get(k)}
        state = _State(
            answers,
            set(base.fired),
            dict(base.points),
            dict(base.blocks),
            dict(base.check_results),
        )
        touched = sorted({i for path in changed for i in self.rules_reading.get(path, ())})
        for i in touched:
            rule = self.kb.rules[i]
            now = rule.when(answers)
            if now != (i in base.fired):
                state.toggle_rule(i, rule, self.effects[i], on=now)
        for c, check in enumerate(CHECKS):
            if check.paths & changed:
                for db_id in self.ids:
                    state.set_check(c, db_id, check.run(answers, self.kb.databases[db_id]))
        return state

    # -- results -----------------------------------------------------------------

    def score_component(self, component: Component, workload: Workload) -> ComponentResult:
        """Rank every database for one component and explain the outcome."""
        answers = answers_of(component, workload.context)
        state = self.state(answers)
        ranking = self._ranking(state)
        eligible = [e for e in ranking if e.eligible]
        winner = eligible[0] if eligible else None
        runner_up = eligible[1] if len(eligible) > 1 else None
        margin = round(winner.score - runner_up.score, 1) if winner and runner_up else None
        # Confidence reads the lead in points, not in score: the logistic score flattens
        # near 100, so a clear lead between two strong candidates looks small there.
        lead = winner.points - runner_up.points if winner and runner_up else None
        if winner is None:
            confidence = "none"
        elif lead is None or lead >= HIGH_MARGIN:
            confidence = "high"
        elif lead >= MEDIUM_MARGIN:
            confidence = "medium"
        else:
            confidence = "too_close_to_call"
        cap, basis = _cap_of(answers)
        database = self.kb.databases[winner.database] if winner else None
        return ComponentResult(
            name=component.name,
            description=component.description,
            cap=cap,
            cap_basis=basis,
            acid_base=_acid_base(answers),
            pacelc=_pacelc(cap, answers),
            recommendation=winner,
            runner_up=runner_up,
            confidence=confidence,
            margin=margin,
            configuration=_configuration(database, answers, cap) if database else None,
            caveats=self._caveats(database, answers) if database else (),
            what_would_change=self._changes(state, winner.database if winner else None),
            ranking=tuple(ranking),
            answers=answers,
        )

    def _ranking(self, state: _State) -> list[Entry]:
        entries = []
        for eligible, total, db_id in self._order(state):
            db = self.kb.databases[db_id]
            reasons = [
                Reason(self.kb.rules[i].id, self.effects[i][db_id], self.kb.rules[i].why)
                for i in sorted(state.fired)
                if db_id in self.effects[i]
            ]
            disqualified = [
                Disqualification(self.kb.rules[i].id, self.kb.rules[i].why)
                for i in sorted(state.fired)
                if db_id in self.kb.rules[i].exclude
            ]
            for c, check in enumerate(CHECKS):
                result = state.check_results[(c, db_id)]
                if result is None:
                    continue
                if check.hard:
                    disqualified.append(Disqualification(check.id, str(result)))
                else:
                    reasons.append(Reason(check.id, result[0], result[1]))
            reasons.sort(key=lambda r: (-abs(r.points), r.rule))
            entries.append(
                Entry(
                    database=db_id,
                    name=db.name,
                    category=db.category,
                    score=_score(total),
                    points=round(total, 2),
                    eligible=eligible,
                    reasons=tuple(reasons),
                    disqualified_by=tuple(sorted(disqualified, key=lambda d: d.rule)),
                )
            )
        return entries

    def _caveats(self, db: Database, answers: Answers) -> tuple[CaveatNote, ...]:
        return tuple(
            CaveatNote(c.id, c.text, c.sources)
            for c in db.caveats
            if self.kb.caveat_conditions[(db.id, c.id)](answers)
        )

    def _changes(self, state: _State, current: str | None) -> tuple[Change, ...]:
        """Every single-answer change that makes another database win, in question order."""
        out: list[Change] = []
        for path, value in _variants(state.answers):
            changes: dict[str, Any]
            if path == "needs":
                changes = {path: (*state.answers.get("needs", ()), value)}
            else:
                changes = {path: value}
            winner = self.winner(self.variant(state, changes))
            if winner is not None and winner != current:
                old = state.answers.get(path)
                shown = ", ".join(old) if isinstance(old, tuple) else old
                out.append(Change(path, None if shown is None else str(shown), value, winner))
        return tuple(out)

    def score(self, workload: Workload) -> Result:
        """Score every component and look at the system as a whole."""
        components = tuple(self.score_component(c, workload) for c in workload.components)
        return Result(
            workload=workload,
            rules_version=self.kb.meta.rules_version,
            last_reviewed=self.kb.meta.last_reviewed,
            components=components,
            system=_system(components),
        )


# Answers whose alternatives "what would change the answer" explores; `needs` adds one.
VARIANT_PATHS = (
    "use_case",
    "data_shape",
    "relationships",
    "query_complexity",
    "schema_flexibility",
    "consistency",
    "on_partition",
    "transactions",
    "read_write_ratio",
    "durability",
    "multi_region",
    "context.cloud",
    "context.managed",
    "context.licensing",
    "needs",
)


def _variants(answers: Answers) -> Iterable[tuple[str, str]]:
    for path in VARIANT_PATHS:
        values = ANSWER_PATHS[path].kind
        assert isinstance(values, tuple)
        current = answers.get(path)
        for value in values:
            if path == "needs":
                if value not in (current or ()):
                    yield path, value
            elif value != current:
                yield path, value


def _score(points: float) -> float:
    # The logistic written so that exp() only sees x <= 0: a total of thousands of
    # negative points (an overlay may hold many rules) must give 0.0, not OverflowError.
    x = points / SCALE
    if x >= 0:
        return round(100.0 / (1.0 + math.exp(-x)), 1)
    e = math.exp(x)
    return round(100.0 * e / (1.0 + e), 1)


def _cap_of(answers: Answers) -> tuple[str, str]:
    side = answers.get("on_partition")
    if side is not None:
        return ("CP" if side == "stay_consistent" else "AP"), "asked"
    strict = answers.get("consistency") == "strong" or answers.get("transactions") == "multi_record"
    return ("CP" if strict else "AP"), "inferred"


def _acid_base(answers: Answers) -> str:
    strict = answers.get("transactions") == "multi_record" or answers.get("consistency") == "strong"
    return "ACID" if strict else "BASE"


def _pacelc(cap: str, answers: Answers) -> str:
    else_side = "EC" if answers.get("consistency") == "strong" else "EL"
    return f"{'PC' if cap == 'CP' else 'PA'}/{else_side}"


def _configuration(db: Database, answers: Answers, cap: str) -> Configuration:
    """The configuration of ``db`` that gives what was asked at the least cost in latency."""
    asked = _guarantee_for(answers.get("consistency"))
    wants_regions = answers.get("multi_region") in ("replicas", "active_active")
    candidates = [c for c in db.consistency if c.production_ready and _meets(c, asked)]
    if not candidates:
        candidates = [db.default_configuration()]

    # A workload that says how to behave under a partition runs replicas: a single
    # server does not answer that question, whatever its CAP convention says.
    wants_replicas = answers.get("on_partition") is not None or wants_regions

    def cost(config: ConsistencyConfig) -> tuple[int, int, int, int, int, str]:
        return (
            0 if config.cap == cap and (config.replicated or not wants_replicas) else 1,
            0 if config.multi_region == wants_regions else 1,
            0 if config.replicated or not wants_replicas else 1,
            0 if config.default else 1,  # the default when it suffices: least surprise
            GUARANTEE_RANK[config.guarantee],  # else the weakest that suffices
            config.id,
        )

    chosen = min(candidates, key=cost)
    advice: list[str] = []
    if answers.get("durability") == "durable" and db.durability.settings:
        advice.append(f"Durability: {db.durability.settings}")
    if chosen.cap != cap:
        advice.append(
            f"No {db.name} configuration gives {cap} at the asked consistency; "
            f"this one is {chosen.cap}."
        )
    return Configuration(
        id=chosen.id,
        configuration=chosen.configuration,
        settings=chosen.settings,
        guarantee=chosen.guarantee,
        cap=chosen.cap,
        pacelc=chosen.pacelc,
        note=chosen.note,
        sources=chosen.sources,
        advice=tuple(advice),
        replicated=chosen.replicated,
    )


def _system(components: Sequence[ComponentResult]) -> SystemResult:
    chosen = [c.recommendation.database for c in components if c.recommendation]
    distinct = tuple(sorted(set(chosen)))
    warnings: list[str] = []
    if len(distinct) >= MANY_DATABASES:
        for component in components:
            winner = component.recommendation
            if winner is None or chosen.count(winner.database) > 1:
                continue
            for entry in component.ranking[1:]:
                behind = winner.points - entry.points
                if not entry.eligible or behind > CONSOLIDATE_WITHIN:
                    break
                if entry.database in chosen:
                    warnings.append(
                        f"{component.name}: {entry.database} is only {behind:g} points behind "
                        f"{winner.database} and already chosen elsewhere; consider it to run "
                        "one database fewer."
                    )
                    break
        warnings.insert(
            0,
            f"This system would run {len(distinct)} different databases "
            f"({', '.join(distinct)}); each one adds operations, skills and failure modes.",
        )
    return SystemResult(databases=distinct, warnings=tuple(warnings))


def recommend(workload: Workload, kb: KnowledgeBase) -> Result:
    """Score a workload against a knowledge base."""
    return Engine(kb).score(workload)
