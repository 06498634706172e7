"""Property tests of the engine's sense, over generated answers (hypothesis).

Each property is one a reviewer would expect of any sensible advisor: a need a
database cannot serve never helps it, a stricter latency target never lifts a
disk-based store over an in-memory one, more data never helps an in-memory store,
a cloud that lacks a service never leaves it eligible, a database being replaced is
excluded without moving the others (but for a move that keeps its interface), and
scores are finite and deterministic. The answers are drawn from the same domains the
rules are checked against, so every generated combination is one a workload file could
state.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.conditions import ANSWER_PATHS, derive
from advisor.engine import MIGRATION_POINTS, Engine, Entry, latency_tier
from advisor.kb import CLOUDS, KnowledgeBase, load_knowledge_base

CLOSED = [
    path
    for path, domain in ANSWER_PATHS.items()
    if isinstance(domain.kind, tuple) and not path.startswith("derived.")
]
PROFILE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def _values(path: str) -> tuple[str, ...]:
    kind = ANSWER_PATHS[path].kind
    assert isinstance(kind, tuple)
    return kind


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """A flat answer set as ``answers_of`` would build it; any question may be unanswered."""
    out: dict[str, Any] = {}
    for path in CLOSED:
        values = _values(path)
        if ANSWER_PATHS[path].many:
            chosen = draw(st.lists(st.sampled_from(values), unique=True, max_size=3))
            if chosen:
                out[path] = tuple(chosen)
        else:
            value = draw(st.one_of(st.none(), st.sampled_from(values)))
            if value is not None:
                out[path] = value
    numbers = {
        "latency_ms": st.floats(0.2, 500),
        "scale.reads_per_sec": st.floats(0, 1e6),
        "scale.writes_per_sec": st.floats(0, 1e6),
        "scale.data_size_gb": st.floats(0.01, 1e5),
        "scale.item_size_kb": st.floats(0.01, 1024),
    }
    for path, strategy in numbers.items():
        number = draw(st.one_of(st.none(), strategy))
        if number is not None:
            out[path] = number
    return derive(out)


def _by_id(ranking: tuple[Entry, ...]) -> dict[str, Entry]:
    return {e.database: e for e in ranking}


@PROFILE
@given(base=answers(), data=st.data())
def test_a_need_a_database_cannot_serve_never_raises_it(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any], data: st.DataObject
) -> None:
    db_id = data.draw(st.sampled_from(sorted(kb.databases)))
    lacking = [n for n in _values("needs") if n not in kb.databases[db_id].capabilities]
    if not lacking:
        return
    need = data.draw(st.sampled_from(lacking))
    before = _by_id(engine.rank(base))[db_id]
    after = _by_id(engine.rank({**base, "needs": (*base.get("needs", ()), need)}))[db_id]
    assert not after.eligible
    assert after.points <= before.points or not after.eligible
    assert any(d.rule == "constraint.needs" for d in after.disqualified_by)


@PROFILE
@given(base=answers(), data=st.data())
def test_replacing_a_database_excludes_it_and_moves_others_only_by_migration(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any], data: st.DataObject
) -> None:
    base = derive({k: v for k, v in base.items() if k != "replacing"})
    replaced = data.draw(st.sampled_from(sorted(kb.databases)))
    before = _by_id(engine.rank(base))
    after = _by_id(engine.rank(derive({**base, "replacing": (replaced,)})))
    assert not after[replaced].eligible
    assert any(d.rule == "constraint.replacing" for d in after[replaced].disqualified_by)
    for db_id, db in kb.databases.items():
        if db_id == replaced:
            continue
        moved = after[db_id].points - before[db_id].points
        compatible = any(s.database == replaced for s in db.skills_from)
        assert moved == (MIGRATION_POINTS if compatible else 0.0), (db_id, replaced, moved)
        assert after[db_id].eligible == before[db_id].eligible


# Targets around every step a latency rule or check could use, and between them.
TARGETS = (0.3, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 8.0, 10.0, 15.0, 20.0, 50.0, 200.0)


@PROFILE
@given(
    base=answers(),
    pair=st.lists(st.sampled_from(TARGETS), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_a_stricter_latency_never_lifts_a_disk_store_over_an_in_memory_one(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any], pair: list[float]
) -> None:
    strict, loose = pair
    before = _by_id(engine.rank({**base, "latency_ms": loose}))
    after = _by_id(engine.rank({**base, "latency_ms": strict}))
    memory = [d for d, db in kb.databases.items() if db.storage and db.storage.in_memory]
    disk = [d for d in kb.databases if d not in memory]
    assert memory and disk
    for m in memory:
        for d in disk:
            if before[d].points < before[m].points:
                assert after[d].points < after[m].points, (d, m, loose, strict)


@PROFILE
@given(base=answers(), small=st.floats(0.01, 1e5), factor=st.floats(1.0, 100.0))
def test_more_data_never_helps_an_in_memory_store(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any], small: float, factor: float
) -> None:
    before = _by_id(engine.rank({**base, "scale.data_size_gb": small}))
    after = _by_id(engine.rank({**base, "scale.data_size_gb": small * factor}))
    for db_id, db in kb.databases.items():
        if db.storage and db.storage.in_memory:
            assert after[db_id].points <= before[db_id].points
            assert after[db_id].eligible <= before[db_id].eligible


@PROFILE
@given(
    base=answers(),
    cloud=st.sampled_from(_values("context.cloud")),
    managed=st.sampled_from(_values("context.managed")),
)
def test_a_cloud_never_leaves_an_unavailable_service_eligible(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any], cloud: str, managed: str
) -> None:
    ranking = _by_id(engine.rank({**base, "context.cloud": cloud, "context.managed": managed}))
    for db_id, db in kb.databases.items():
        offered = db.deployment.managed.on(cloud) if cloud in CLOUDS else ()
        service_only = not db.deployment.self_hosted
        if cloud == "on_prem" and service_only:
            assert not ranking[db_id].eligible, db_id
        if cloud in CLOUDS and service_only and not offered:
            assert not ranking[db_id].eligible, db_id
        if managed == "required" and cloud != "any" and not offered:
            assert not ranking[db_id].eligible, db_id


@PROFILE
@given(base=answers())
def test_scores_are_finite_and_the_ranking_deterministic(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any]
) -> None:
    first, second = engine.rank(base), Engine(kb).rank(dict(reversed(list(base.items()))))
    assert first == second
    assert sorted(e.database for e in first) == sorted(kb.databases)
    for entry in first:
        assert math.isfinite(entry.points)
        assert 0.0 <= entry.score <= 100.0
    eligible = [e.eligible for e in first]
    assert eligible == sorted(eligible, reverse=True)
    points = [e.points for e in first if e.eligible]
    assert points == sorted(points, reverse=True)


@PROFILE
@given(base=answers(), data=st.data())
def test_an_incremental_variant_equals_a_full_rescore(
    engine: Engine, base: dict[str, Any], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from([p for p in CLOSED if not ANSWER_PATHS[p].many]))
    value = data.draw(st.sampled_from(_values(path)))
    state = engine.state(dict(base))
    changed = engine.variant(state, {path: value})
    fresh = engine.state(derive({**base, path: value}))
    assert changed.points == pytest.approx(fresh.points)
    assert changed.blocks == fresh.blocks
    assert engine.winner(changed) == engine.winner(fresh)


def test_latency_tiers_are_known_for_every_database(kb: KnowledgeBase) -> None:
    tiers = {db_id: latency_tier(db) for db_id, db in kb.databases.items()}
    assert tiers["redis"] == tiers["memcached"] == "sub_millisecond"
    assert tiers["postgresql"] == "milliseconds"


@PROFILE
@given(base=answers(), pair=st.lists(st.sampled_from(_values("schema_flexibility")), min_size=2))
def test_the_schema_answer_moves_a_database_at_most_by_the_data_model_cap(
    engine: Engine, base: dict[str, Any], pair: list[str]
) -> None:
    # How stable the schema is, is one fact about the data model (with the shape): no rule
    # outside the capped data_model group may count it again (JSON columns once did).
    cap = engine.caps["data_model"]
    first = _by_id(engine.rank({**base, "schema_flexibility": pair[0]}))
    second = _by_id(engine.rank({**base, "schema_flexibility": pair[-1]}))
    for db_id, entry in first.items():
        assert abs(entry.points - second[db_id].points) <= cap, db_id


SCALE_OUT_ORDER = ("modelled", "add_on", "native")


@PROFILE
@given(base=answers())
def test_growing_never_favours_a_database_that_scales_writes_out_less_well(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any]
) -> None:
    # From a medium data set to a large one: a database whose writes scale out natively
    # never falls behind one that needs a sharding layer, nor that one behind one the
    # application must shard, if it was ahead before. (In-memory stores are left out:
    # their RAM cost grows with size on its own account, fit.memory.)
    sized = {k: v for k, v in base.items() if not k.startswith("scale.")}
    before = _by_id(engine.rank({**sized, "scale.data_size_gb": 1_000.0}))
    after = _by_id(engine.rank({**sized, "scale.data_size_gb": 50_000.0}))
    disk = {d: db for d, db in kb.databases.items() if not (db.storage and db.storage.in_memory)}
    for a, db_a in disk.items():
        for b, db_b in disk.items():
            better = SCALE_OUT_ORDER.index(db_a.scaling.degree) > SCALE_OUT_ORDER.index(
                db_b.scaling.degree
            )
            if better and before[a].points > before[b].points:
                assert after[a].points > after[b].points, (a, b)


@PROFILE
@given(base=answers())
def test_more_hops_never_narrow_a_graph_databases_lead_over_a_relational_one(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any]
) -> None:
    # One-hop links are edge tables a relational database indexes (modelled); a graph
    # database's advantage is the multi-hop traversal, so it may only grow with depth.
    many = _by_id(engine.rank({**base, "relationships": "many"}))
    deep = _by_id(engine.rank({**base, "relationships": "deep"}))
    graphs = [d for d, db in kb.databases.items() if db.category == "graph"]
    tables = [d for d, db in kb.databases.items() if db.category == "relational"]
    assert graphs and tables
    for g in graphs:
        for t in tables:
            lead_many = many[g].points - many[t].points
            assert deep[g].points - deep[t].points >= lead_many - 1e-9, (g, t)


@PROFILE
@given(
    base=answers(), pair=st.sampled_from([("read_heavy", "balanced"), ("balanced", "write_heavy")])
)
def test_more_writes_never_lift_a_look_aside_cache_over_a_store_of_live_state(
    engine: Engine, base: dict[str, Any], pair: tuple[str, str]
) -> None:
    # Data written as often as read is live state: Memcached may evict it at any moment,
    # so a larger write share never favours Memcached over Redis. (Durable data is not
    # Memcached's at all: constraint.durability excludes it.)
    if base.get("durability") == "durable":
        return
    fewer = _by_id(engine.rank({**base, "read_write_ratio": pair[0]}))
    more = _by_id(engine.rank({**base, "read_write_ratio": pair[1]}))
    lead_before = fewer["memcached"].points - fewer["redis"].points
    assert more["memcached"].points - more["redis"].points <= lead_before + 1e-9


@PROFILE
@given(base=answers())
def test_one_region_for_writes_is_counted_once(
    engine: Engine, kb: KnowledgeBase, base: dict[str, Any]
) -> None:
    # A single-primary database sends every write to one region: fit.multi_region says
    # so; no region rule may charge it again for the same fact.
    ranking = engine.rank({**base, "multi_region": "active_active"})
    for entry in ranking:
        writers = [c for c in kb.databases[entry.database].consistency if c.multi_region_writes]
        if writers:
            continue
        again = [r for r in entry.reasons if r.rule.startswith("region.") and r.points < 0]
        assert not again, (entry.database, again)
