"""The named case set: real workloads and what well-documented systems chose for them.

Each file in tests/cases/engine/ states a workload, the allowed winners, the winner's
category and the databases that must be excluded. One parametrised test runs them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest

from advisor.engine import ComponentResult, Engine
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.records import Frozen
from advisor.typed import Structurer, load_as
from advisor.workload import Category, UseCase, validate_document
from advisor.yamlload import load_file

CASES = sorted((Path(__file__).parent / "cases" / "engine").glob("*.yaml"))


class Expect(Frozen):
    winners: tuple[str, ...]
    category: Category | None = None
    excluded: tuple[str, ...] = ()
    component: str | None = None


class Case(Frozen):
    name: str
    description: str
    source: str
    workload: Any
    expect: Any
    title: str = ""


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge_base())


def _expectations(case: Case, document: Any) -> list[Expect]:
    raw = case.expect if isinstance(case.expect, list) else [case.expect]
    structurer = Structurer(document)
    out = [structurer.structure(Expect, item, ("expect",)) for item in raw]
    structurer.check()
    return out


def _component(results: tuple[ComponentResult, ...], name: str | None) -> ComponentResult:
    if name is None:
        assert len(results) == 1, "multi-component cases must name the component"
        return results[0]
    return next(r for r in results if r.name == name)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path, engine: Engine) -> None:
    document = load_file(path)
    case = load_as(Case, document)
    assert case.name == path.stem
    workload = validate_document(document.part(("workload",)))
    result = engine.score(workload)
    for expect in _expectations(case, document):
        component = _component(result.components, expect.component)
        pick = component.recommendation
        assert pick is not None, (
            f"nothing eligible: {[e.disqualified_by for e in component.ranking]}"
        )
        top = [(e.database, e.score) for e in component.ranking[:4]]
        assert pick.database in expect.winners, f"{case.name}: got {pick.database}; top {top}"
        if expect.category is not None:
            assert pick.category == expect.category
        ranking = {e.database: e for e in component.ranking}
        for db_id in expect.excluded:
            assert not ranking[db_id].eligible, f"{db_id} should be excluded"
            assert ranking[db_id].disqualified_by


def test_case_set_covers_every_use_case_and_constraint(engine: Engine) -> None:
    assert len(CASES) >= 40
    seen_use_cases: set[str] = set()
    fired_constraints: set[str] = set()
    for path in CASES:
        document = load_file(path)
        case = load_as(Case, document)
        workload = validate_document(document.part(("workload",)))
        seen_use_cases.update(str(c.use_case) for c in workload.components if c.use_case)
        result = engine.score(workload)
        for expect in _expectations(case, document):
            scored = _component(result.components, expect.component)
            for entry in scored.ranking:
                if entry.database in expect.excluded:
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


def test_every_database_in_every_ranking_and_never_an_excluded_winner(engine: Engine) -> None:
    kb: KnowledgeBase = engine.kb
    for path in CASES:
        workload = validate_document(load_file(path).part(("workload",)))
        for component in engine.score(workload).components:
            assert sorted(e.database for e in component.ranking) == sorted(kb.databases)
            eligible = [e.eligible for e in component.ranking]
            assert eligible == sorted(eligible, reverse=True), "eligible entries come first"
            if component.recommendation is not None:
                assert component.recommendation.eligible
                assert component.recommendation == component.ranking[0]
