"""The decision corpus: published database choices, measured rather than all-or-nothing.

Each file in tests/cases/engine/ (the tuning split) and, when present, tests/cases/holdout/
states a workload as a published engineering decision describes it, the acceptable winners
(the published choice first), the winner's category and the databases that must be
excluded. Structure and exclusions are checked per case and must always hold; which
database wins is measured over the whole corpus against a ratchet (see
``benchmarks/accuracy.py`` for the misses and the rules that decided them).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from advisor.engine import Engine
from advisor.kb import load_knowledge_base
from advisor.workload import UseCase
from tests.corpus import (
    HOLDOUT,
    TUNING,
    Loaded,
    answers_of_expect,
    case_files,
    has_hard_constraint,
    load_case,
    load_split,
    measure,
    published_choice,
    relational_despite_nosql_answers,
    summarise,
)

CASES = case_files(TUNING)
HOLDOUT_CASES = case_files(HOLDOUT)

# Ratchet: the tuning corpus's measured top-1 rounded down to the percent. The issue's
# target is 0.95; raise this whenever the engine improves. It is lowered only when a
# scored holdout round is retired into the tuning split: the engine did not get worse,
# the split got harder (see tests/cases/README.md). 78.1 % on 603 components (rounds 1
# to 16 retired into it).
TUNING_TOP1 = 0.78
# The holdout is measured, never tuned on; this floor is its measured top-1, rounded down
# (target 0.90): rounds 17 to 26, each scored once (round 26 on 2026-12-08), together
# 69.5 % now (see tests/cases/README.md).
HOLDOUT_TOP1 = 0.69


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge_base())


@pytest.fixture(scope="module")
def tuning() -> list[Loaded]:
    return load_split(TUNING)


@pytest.mark.parametrize("path", CASES + HOLDOUT_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case_structure_and_exclusions(path: Path, engine: Engine) -> None:
    loaded = load_case(path)
    case = loaded.case
    assert case.name == path.stem
    assert case.title.strip(), "every case cites its source's title"
    assert case.source.startswith(("https://", "http://")), "every case cites its URL"
    known = set(engine.kb.databases)
    names = [c.name for c in loaded.workload.components]
    for expect in loaded.expects:
        assert expect.winners, "at least one acceptable winner"
        assert len(set(expect.winners)) == len(expect.winners)
        assert not set(expect.winners) & set(expect.excluded), "a winner cannot be excluded"
        named = set(expect.winners) | set(expect.excluded)
        assert named <= known, f"unknown database ids: {sorted(named - known)}"
        assert expect.component is None or expect.component in names
    assert len(loaded.expects) == len({e.component for e in loaded.expects})
    for outcome in measure(engine, [loaded]):
        ranking = {e.database: e for e in outcome.result.ranking}
        for db_id in outcome.expect.excluded:
            assert not ranking[db_id].eligible, f"{outcome.label}: {db_id} should be excluded"
            assert ranking[db_id].disqualified_by


@pytest.mark.parametrize(
    ("split", "threshold"),
    [(TUNING, TUNING_TOP1), (HOLDOUT, HOLDOUT_TOP1)],
    ids=[TUNING, HOLDOUT],
)
def test_corpus_top1_accuracy_does_not_regress(
    split: str, threshold: float, engine: Engine
) -> None:
    cases = load_split(split)
    if not cases:
        pytest.skip(f"no tests/cases/{split}/ folder")
    outcomes = measure(engine, cases)
    score = summarise(outcomes)
    misses = [o.label for o in outcomes if not o.top1]
    assert score.top1_rate >= threshold, (
        f"{split} top-1 {score.top1_rate:.1%} < {threshold:.0%}; misses: {misses}"
    )
    assert score.exclusion_rate == 1.0


def test_corpus_requirements(engine: Engine, tuning: list[Loaded]) -> None:
    kb = engine.kb
    relational = [i for i, db in kb.databases.items() if db.category == "relational"]
    smallest = min(db.max_item.kb for db in kb.databases.values() if db.max_item.kb)
    pairs = [(loaded, expect) for loaded in tuning for expect in loaded.expects]
    assert len(pairs) >= 100
    without_use_case = [p for p in pairs if answers_of_expect(*p).use_case is None]
    assert 2 * len(without_use_case) >= len(pairs)
    chosen = Counter(published_choice(expect) for _, expect in pairs)
    assert {db for db in kb.databases if chosen[db] < 2} == set(), chosen
    assert sum(has_hard_constraint(*p, smallest) for p in pairs) >= 10
    assert sum(relational_despite_nosql_answers(*p, relational) for p in pairs) >= 15


def test_case_set_covers_every_use_case_and_constraint(
    engine: Engine, tuning: list[Loaded]
) -> None:
    seen_use_cases: set[str] = set()
    fired_constraints: set[str] = set()
    for loaded in tuning:
        seen_use_cases.update(str(c.use_case) for c in loaded.workload.components if c.use_case)
    for outcome in measure(engine, tuning):
        for entry in outcome.result.ranking:
            if entry.database in outcome.expect.excluded:
                fired_constraints.update(d.rule for d in entry.disqualified_by)
    assert seen_use_cases == set(get_args(UseCase))
    hard = {
        "constraint.cloud",
        "constraint.managed",
        "constraint.licensing",
        "constraint.item_size",
        "constraint.durability",
        "constraint.needs",
        "constraint.transactions",
    }
    assert hard <= fired_constraints, hard - fired_constraints


def test_every_database_in_every_ranking_and_never_an_excluded_winner(
    engine: Engine, tuning: list[Loaded]
) -> None:
    for loaded in tuning + load_split(HOLDOUT):
        for component in engine.score(loaded.workload).components:
            assert sorted(e.database for e in component.ranking) == sorted(engine.kb.databases)
            eligible = [e.eligible for e in component.ranking]
            assert eligible == sorted(eligible, reverse=True), "eligible entries come first"
            if component.recommendation is not None:
                assert component.recommendation.eligible
                assert component.recommendation == component.ranking[0]


def test_no_published_decision_is_in_both_splits(tuning: list[Loaded]) -> None:
    # A decision in both splits would let tuning reach the holdout: the same system, only
    # described by another hand. Sources identify decisions; names catch another source
    # for the same system (the two splits were written at the same time, and twenty
    # tuning cases duplicated holdout decisions until they were removed).
    holdout = load_split(HOLDOUT)
    shared_sources = {c.case.source for c in tuning} & {c.case.source for c in holdout}
    shared_names = {c.case.name for c in tuning} & {c.case.name for c in holdout}
    assert not shared_sources, sorted(shared_sources)
    assert not shared_names, sorted(shared_names)


def test_a_drop_in_of_an_accepted_winner_is_accepted() -> None:
    from tests.corpus import Expect

    assert Expect(winners=("redis", "memcached")).acceptable == {"redis", "valkey", "memcached"}
    assert Expect(winners=("cassandra",), excluded=("scylladb",)).acceptable == {"cassandra"}
    assert Expect(winners=("mongodb",)).acceptable == {"mongodb"}
