"""Engine behaviour beyond the case set: configuration, caveats, confidence, changes.

"What would change the answer" is computed incrementally; these tests check it against
a full re-score of every variant, so a bookkeeping slip in the fast path cannot hide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.conditions import derive
from advisor.engine import (
    MAX_CHANGES,
    MIGRATION_POINTS,
    ComponentResult,
    Configuration,
    Engine,
    _variants,
    variant_answered,
    variant_change,
)
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.workload import Workload, load_workload, parse_workload
from tests.support import EXAMPLES, ROOT, database_overlay

CASES = sorted((ROOT / "tests" / "cases" / "engine").glob("*.yaml"))


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def _one(engine: Engine, text: str) -> ComponentResult:
    workload: Workload = parse_workload(text, "inline.yaml")
    (component,) = engine.score(workload).components
    return component


def _configured(component: ComponentResult, db_id: str) -> Configuration:
    """The configuration of the winner, which must be ``db_id``."""
    assert component.recommendation is not None
    assert component.recommendation.database == db_id
    assert component.configuration is not None
    return component.configuration


def _full_winner(engine: Engine, answers: dict[str, Any]) -> str | None:
    from advisor.conditions import derive

    fresh = dict(answers)
    derive(fresh)
    return engine.winner(engine.state(fresh))


@pytest.mark.parametrize("path", [*EXAMPLES, *CASES[::5]], ids=lambda p: p.stem)
def test_what_would_change_agrees_with_a_full_rescore(engine: Engine, path: Path) -> None:
    from advisor.workload import validate_document
    from advisor.yamlload import load_file

    document = load_file(path)
    workload = (
        validate_document(document.part(("workload",)))
        if "workload" in document.data
        else load_workload(path)
    )
    for component in engine.score(workload).components:
        current = component.recommendation.database if component.recommendation else None
        answers = dict(component.answers)
        listed = {(c.answer, c.value): c.database for c in component.what_would_change}
        assert len(component.what_would_change) <= MAX_CHANGES
        winners = [c.database for c in component.what_would_change]
        assert len(winners) == len(set(winners)), "one change per new winner"
        missed = []
        for answer, value, _size in _variants(answers):
            changed = {**answers, **variant_change(answers, answer, value)}
            winner = _full_winner(engine, changed)
            if not variant_answered(answer, value, winner):
                continue
            if (answer, value) in listed:
                assert listed[(answer, value)] == winner != current, (component.name, answer)
            elif winner is not None and winner != current:
                missed.append(winner)
        # A change that would pick another database is left out only when that database
        # is already named by a smaller change, or the list is full.
        full = len(listed) == MAX_CHANGES
        assert full or set(missed) <= set(winners), (component.name, missed)


def test_changes_are_plausible_neighbours() -> None:
    answers = {
        "use_case": "financial_ledger",
        "consistency": "strong",
        "durability": "durable",
        "transactions": "multi_record",
        "context.licensing": "open_source",
        "context.managed": "required",
        "context.cloud": "aws",
        "relationships": "few",
    }
    variants = {(p, v) for p, v, _ in _variants(answers)}
    # One step away, relaxed context, related use cases only.
    assert ("consistency", "session") in variants
    assert ("consistency", "eventual") not in variants
    assert ("durability", "ephemeral") not in variants
    assert ("context.licensing", "any") in variants
    assert ("context.managed", "preferred") in variants
    assert ("context.managed", "self_hosted") not in variants
    assert ("context.cloud", "any") in variants
    assert ("context.cloud", "gcp") not in variants
    assert ("use_case", "order_processing") in variants
    assert not {v for p, v in variants if p == "use_case"} & {"cache", "leaderboard", "pub_sub"}
    assert ("needs", "transactions") in variants
    assert ("needs", "sorted_sets") not in variants
    sizes = [size for _, _, size in _variants(answers)]
    assert min(sizes) == 1 and max(sizes) == 3


def test_dynamodb_strong_reads_use_the_table_and_warn_about_gsis(engine: Engine) -> None:
    component = _one(
        engine,
        "name: orders\ncontext: {cloud: aws, managed: required}\nuse_case: order_processing\n"
        "consistency: strong\ntransactions: multi_record\ndata_shape: nested\n",
    )
    dynamo = engine.kb.databases["dynamodb"]
    ranking = {e.database: e for e in component.ranking}
    assert ranking["dynamodb"].eligible
    from advisor.engine import _configuration

    config = _configuration(dynamo, component.answers, component.cap)
    assert config.guarantee == "strong"
    assert "ConsistentRead" in config.settings
    caveats = [
        c.id
        for c in dynamo.caveats
        if engine.kb.caveat_conditions[("dynamodb", c.id)](component.answers)
    ]
    assert "strong_reads_only_on_table_and_lsi" in caveats


def test_durable_redis_gets_aof_advice(engine: Engine) -> None:
    component = _one(
        engine,
        "name: board\nuse_case: leaderboard\ndurability: durable\nneeds: [sorted_sets]\n"
        "consistency: eventual\nmulti_region: none\ncontext: {cloud: on_prem}\n",
    )
    advice = _configured(component, "redis").advice
    assert any("appendonly yes" in line for line in advice)


def test_pub_sub_caveat_says_at_most_once(engine: Engine) -> None:
    component = _one(
        engine, "name: chat\nuse_case: pub_sub\nneeds: [pub_sub]\ndurability: ephemeral\n"
    )
    assert component.recommendation is not None
    assert component.recommendation.database == "redis"
    assert any("at-most-once" in c.text or "at most once" in c.text for c in component.caveats)


def test_mongodb_strong_configuration_is_majority_and_linearizable(engine: Engine) -> None:
    component = _one(
        engine,
        "name: docs\ncontext: {team_expertise: [mongodb]}\nuse_case: content_management\n"
        "data_shape: nested\nconsistency: strong\non_partition: stay_consistent\n",
    )
    configuration = _configured(component, "mongodb")
    assert configuration.cap == "CP"
    assert "majority" in configuration.settings
    assert "linearizable" in configuration.settings


def test_confidence_follows_the_lead_in_points(kb: KnowledgeBase, tmp_path: Path) -> None:
    workload = "name: plain\nuse_case: cache\ncontext: {cloud: on_prem}\n"
    base = _one(Engine(kb), workload)
    assert base.recommendation is not None and base.runner_up is not None
    runner = base.runner_up.database
    lead = base.recommendation.points - base.runner_up.points

    def with_bonus(points: float) -> ComponentResult:
        overlay = tmp_path / f"bonus{points:g}.yaml"
        overlay.write_text(
            "rules:\n  - id: test.bonus\n    when: {}\n"
            f"    points: {{databases: {{{runner}: {points}}}}}\n"
            "    why: A test bonus that sets the runner-up's lead.\n"
            "    sources: [https://example.com/test]\n",
            encoding="utf-8",
        )
        return _one(Engine(load_knowledge_base([overlay])), workload)

    assert with_bonus(lead + 1).recommendation.database == runner  # type: ignore[union-attr]
    assert with_bonus(lead + 1).confidence == "too_close_to_call"
    assert with_bonus(lead + 5).confidence == "medium"
    assert with_bonus(lead + 20).confidence == "high"


def test_nothing_eligible_is_reported_not_crashed(engine: Engine) -> None:
    component = _one(
        engine,
        "name: impossible\ncontext: {cloud: on_prem, licensing: open_source}\n"
        "needs: [graph_traversal, ttl, pub_sub, sorted_sets, offline_sync]\n"
        "transactions: multi_record\n",
    )
    assert component.recommendation is None
    assert component.confidence == "none"
    assert all(e.disqualified_by for e in component.ranking)


def test_polyglot_system_warns_and_suggests_consolidation(engine: Engine) -> None:
    result = engine.score(load_workload(ROOT / "examples" / "ecommerce.yaml"))
    assert len(result.system.databases) >= 3
    # Companion stores beside a winner are databases the system runs too.
    beside = {p.companion for c in result.components for p in c.companions}
    running = len(set(result.system.databases) | beside)
    assert result.system.warnings[0].startswith(f"This system would run {running}")


def test_team_expertise_and_managed_preference_count(engine: Engine) -> None:
    plain = _one(engine, "name: p\nuse_case: user_profiles\ndata_shape: nested\n")
    known = _one(
        engine,
        "name: p\nuse_case: user_profiles\ndata_shape: nested\n"
        "context: {team_expertise: [couchbase]}\n",
    )
    points = {e.database: e.points for e in plain.ranking}
    after = {e.database: e.points for e in known.ranking}
    assert after["couchbase"] == points["couchbase"] + 10
    assert any(r.rule == "context.team_expertise" for e in known.ranking for r in e.reasons)


def test_a_single_redis_does_not_count_as_stay_consistent(engine: Engine) -> None:
    component = _one(
        engine,
        "name: lock\nuse_case: distributed_lock\nconsistency: strong\n"
        "on_partition: stay_consistent\ndurability: durable\n",
    )
    redis = next(e for e in component.ranking if e.database == "redis")
    fits = [r for r in redis.reasons if r.rule == "fit.on_partition"]
    assert fits and fits[0].points < 0


def test_ecommerce_configurations_are_replicated_and_default_first(engine: Engine) -> None:
    result = engine.score(load_workload(ROOT / "examples" / "ecommerce.yaml"))
    by_name = {c.name: c for c in result.components}
    inventory = by_name["inventory"].configuration
    assert inventory is not None and inventory.replicated and inventory.cap == "CP"
    catalog = by_name["product_catalog"]
    assert catalog.recommendation is not None and catalog.recommendation.database == "mongodb"
    # MongoDB's default (majority writes) is CP, like every majority-write configuration, so
    # this stay_available component gets an AP configuration instead of the default.
    configuration = catalog.configuration
    assert configuration is not None and configuration.replicated and configuration.cap == "AP"


def test_managed_exclusion_names_compatible_services(engine: Engine) -> None:
    component = _one(
        engine, "name: t\ncontext: {cloud: gcp, managed: required}\nuse_case: time_series\n"
    )
    hbase = next(e for e in component.ranking if e.database == "hbase")
    assert not hbase.eligible
    assert "Cloud Bigtable (HBase API)" in hbase.disqualified_by[0].text


def test_a_capability_missing_from_the_managed_service_excludes_when_managed_is_required(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    workload = (
        "name: s\nuse_case: product_catalog\nneeds: [full_text_search]\n"
        "context: {cloud: aws, managed: %s}\n"
    )
    # Redis Cloud runs on AWS and has the Query Engine (ElastiCache does not).
    required = _one(Engine(kb), workload % "required")
    assert next(e for e in required.ranking if e.database == "redis").eligible
    # Were it only on Azure, a managed Redis with full-text search would not exist on AWS.
    from advisor.resources import rules_root

    text = rules_root().joinpath("databases", "redis.yaml").read_text(encoding="utf-8")
    overlay = tmp_path / "redis.yaml"
    overlay.write_text(
        text.replace(
            "  full_text_search:\n    managed: {aws: [Redis Cloud], azure: [Azure Managed Redis], "
            "gcp: [Redis Cloud]}",
            "  full_text_search:\n    managed: {azure: [Azure Managed Redis]}",
        ),
        encoding="utf-8",
    )
    limited = Engine(load_knowledge_base([overlay]))
    redis = next(e for e in _one(limited, workload % "required").ranking if e.database == "redis")
    assert not redis.eligible
    assert redis.disqualified_by[0].text == (
        "no managed Redis service on aws offers full_text_search"
    )
    preferred = _one(limited, workload % "preferred")
    assert next(e for e in preferred.ranking if e.database == "redis").eligible


def test_variants_keep_the_answers_derived_from_entities(engine: Engine) -> None:
    result = engine.score(load_workload(ROOT / "examples" / "ecommerce.yaml"))
    orders = next(c for c in result.components if c.name == "order_processing")
    base = engine.state(dict(orders.answers))
    assert base.answers["derived.has_parent_child"] is True
    changed = engine.variant(base, {"consistency": "eventual"})
    for key in ("derived.has_parent_child", "derived.pattern_kinds"):
        assert changed.answers[key] == base.answers[key]


# -- the classes of issue 13 ---------------------------------------------------------


def _entry(component: ComponentResult, db_id: str) -> Any:
    return next(e for e in component.ranking if e.database == db_id)


def test_restated_data_model_answers_are_capped_and_integrity_wins(engine: Engine) -> None:
    component = _one(
        engine,
        "name: billing\ndata_shape: nested\nschema_flexibility: evolving\n"
        "relationships: few\nquery_complexity: medium\nconsistency: strong\n"
        "transactions: multi_record\nscale: {data_size_gb: 100, writes_per_sec: 500}\n",
    )
    assert component.recommendation is not None
    assert component.recommendation.category == "relational"
    mongodb = _entry(component, "mongodb")
    grouped = [r for r in mongodb.reasons if r.rule in ("shape.nested", "schema.evolving")]
    assert len(grouped) == 2
    assert any(r.rule == "cap.data_model" and r.points < 0 for r in mongodb.reasons)


def test_write_volume_counts_once(engine: Engine) -> None:
    component = _one(
        engine,
        "name: events\nread_write_ratio: write_heavy\nscale: {writes_per_sec: 90000}\n",
    )
    cassandra = _entry(component, "cassandra")
    volume = {"load.write_heavy", "scale.heavy_writes", "cap.write_volume"}
    assert sum(r.points for r in cassandra.reasons if r.rule in volume) == 8


def test_social_graph_with_one_hop_relationships_gets_no_deep_graph_bonus(engine: Engine) -> None:
    component = _one(
        engine,
        "name: follows\nuse_case: social_graph\ndata_shape: tabular\nrelationships: many\n",
    )
    neo4j = _entry(component, "neo4j")
    assert all(r.rule != "use_case.social_graph" for r in neo4j.reasons)
    assert component.recommendation is not None
    assert component.recommendation.category == "relational"


def test_every_printed_rule_id_resolves(engine: Engine, kb: KnowledgeBase) -> None:
    from advisor.engine import describe_builtin

    ids = {r.id for r in kb.rules}
    for path in [*EXAMPLES, *CASES]:
        from advisor.workload import validate_document
        from advisor.yamlload import load_file

        document = load_file(path)
        workload = (
            validate_document(document.part(("workload",)))
            if "workload" in document.data
            else load_workload(path)
        )
        for component in engine.score(workload).components:
            for entry in component.ranking:
                printed = [r.rule for r in entry.reasons] + [d.rule for d in entry.disqualified_by]
                for rule_id in printed:
                    assert rule_id in ids or describe_builtin(rule_id), rule_id


def test_a_capability_served_by_modelling_costs_points_but_does_not_exclude(
    engine: Engine,
) -> None:
    component = _one(
        engine,
        "name: metrics\ncontext: {licensing: open_source}\ndata_shape: series\n"
        "read_write_ratio: write_heavy\nneeds: [time_series, ttl]\n"
        "scale: {writes_per_sec: 100000, data_size_gb: 20000}\n",
    )
    cassandra = _entry(component, "cassandra")
    assert cassandra.eligible
    assert any(r.rule == "fit.capability_degree" and r.points < 0 for r in cassandra.reasons)
    assert component.recommendation is not None
    assert component.recommendation.database in ("cassandra", "hbase")
    assert not _entry(component, "neo4j").eligible  # no time series at all: excluded


def test_active_active_needs_writes_in_several_regions(engine: Engine) -> None:
    component = _one(
        engine,
        "name: profiles\ndata_shape: nested\nmulti_region: active_active\n"
        "on_partition: stay_available\n",
    )
    mongodb = _entry(component, "mongodb")
    assert any(r.rule == "fit.multi_region" and r.points <= -10 for r in mongodb.reasons)
    cassandra = _entry(component, "cassandra")
    assert all(r.rule != "fit.multi_region" for r in cassandra.reasons)


def test_aws_active_active_stay_available_gets_global_tables_mrec(engine: Engine) -> None:
    text = (
        "name: aa\ncontext: {cloud: aws, managed: required}\nconsistency: %s\n"
        "on_partition: stay_available\nmulti_region: active_active\n"
    )
    assert _configured(_one(engine, text % "eventual"), "dynamodb").id == "global_tables_mrec"
    # Strongly consistent reads work within a Region, so a client homed to one Region
    # reads its own writes: session consistency across regions, without MRSC's CP side.
    session = _one(engine, text % "session")
    assert _configured(session, "dynamodb").id == "global_tables_mrec_home_region"
    assert all(r.rule != "fit.multi_region" for r in _entry(session, "dynamodb").reasons)


def test_in_memory_stores_lose_at_terabytes_of_durable_data(engine: Engine) -> None:
    text = "name: archive\ndata_shape: blob\nquery_complexity: simple\nscale: {data_size_gb: %s}\n"
    small = _one(engine, text % 5)
    large = _one(engine, text % 50000)
    assert _entry(large, "redis").points < _entry(small, "redis").points
    assert large.recommendation is not None
    assert large.recommendation.database not in ("redis", "memcached")


def test_a_one_millisecond_target_goes_to_an_in_memory_store(engine: Engine) -> None:
    component = _one(
        engine,
        "name: counters\ndata_shape: blob\nread_write_ratio: write_heavy\ndurability: ephemeral\n"
        "latency_ms: 1\nneeds: [counters]\n"
        "scale: {writes_per_sec: 80000, reads_per_sec: 10000, data_size_gb: 5}\n",
    )
    assert component.recommendation is not None
    assert component.recommendation.database in ("redis", "memcached")
    assert _entry(component, "dynamodb").points < component.recommendation.points


def test_cosmos_db_is_scored_per_api(engine: Engine) -> None:
    component = _one(
        engine,
        "name: docs\ncontext: {cloud: azure, managed: required}\ndata_shape: nested\n"
        "schema_flexibility: evolving\nquery_complexity: medium\n",
    )
    cosmos = _entry(component, "cosmosdb")
    assert cosmos.category == "document"
    assert cosmos.api == "Azure Cosmos DB for NoSQL"
    assert component.recommendation is not None
    assert component.recommendation.database == "cosmosdb"


def test_neo4j_clustering_needs_the_enterprise_edition(engine: Engine) -> None:
    any_licence = _one(
        engine,
        "name: g\ndata_shape: network\nrelationships: deep\non_partition: stay_consistent\n"
        "needs: [graph_traversal]\n",
    )
    assert any("Enterprise" in a for a in _configured(any_licence, "neo4j").advice)
    open_only = _one(
        engine,
        "name: g\ncontext: {licensing: open_source}\ndata_shape: network\nrelationships: deep\n"
        "on_partition: stay_consistent\nneeds: [graph_traversal]\n",
    )
    configuration = _configured(open_only, "neo4j")
    assert not configuration.replicated
    assert any("not open source" in a for a in configuration.advice)


def test_mongodb_multi_record_work_uses_snapshot_transactions(engine: Engine) -> None:
    component = _one(
        engine,
        "name: tx\ncontext: {team_expertise: [mongodb]}\nuse_case: content_management\n"
        "data_shape: nested\nconsistency: strong\ntransactions: multi_record\n",
    )
    assert _configured(component, "mongodb").id == "transactions_snapshot"


def test_a_small_redis_with_failover_uses_sentinel_not_cluster(engine: Engine) -> None:
    component = _one(
        engine,
        "name: lb\nuse_case: leaderboard\ndata_shape: blob\ndurability: ephemeral\n"
        "on_partition: stay_available\nneeds: [sorted_sets]\nscale: {data_size_gb: 2}\n",
    )
    assert _configured(component, "redis").id == "sentinel"


# Answers on which PostgreSQL and MySQL tie on points.
TIED = (
    "data_shape: tabular\nrelationships: many\nschema_flexibility: fixed\n"
    "query_complexity: medium\n"
)


def test_an_exact_tie_is_broken_by_stated_criteria_and_said(engine: Engine) -> None:
    component = _one(engine, "name: t\n" + TIED)
    winner, runner = component.recommendation, component.runner_up
    assert winner is not None and runner is not None
    assert winner.points == runner.points
    assert component.tie_break is not None
    assert winner.name in component.tie_break and runner.name in component.tie_break
    expert = _one(engine, f"name: t\ncontext: {{team_expertise: [{runner.database}]}}\n" + TIED)
    assert expert.recommendation is not None
    assert expert.recommendation.database == runner.database


def test_a_tie_nothing_else_separates_goes_to_the_broader_database(engine: Engine) -> None:
    # PostgreSQL and MySQL tie here with equal burden and no cloud or expertise asked: the
    # one serving more of the tracked capabilities natively is first, not the first id.
    component = _one(engine, "name: t\n" + TIED)
    winner, runner = component.recommendation, component.runner_up
    assert winner is not None and runner is not None
    assert {winner.database, runner.database} == {"postgresql", "mysql"}
    assert engine.breadth["postgresql"] > engine.breadth["mysql"]
    assert winner.database == "postgresql"
    assert component.tie_break is not None and "capabilities" in component.tie_break


def test_the_loader_checks_groups_and_multi_region_writes(tmp_path: Path) -> None:
    from advisor.errors import InputError

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - id: ours.x\n    group: nonsense\n    when: {}\n"
        "    points: {databases: {redis: 1}}\n    why: A rule in no known group.\n"
        "    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([rules])
    assert "rules[0].group: 'nonsense' is not one of" in "\n".join(caught.value.lines())
    mongodb = database_overlay(
        tmp_path,
        "mongodb",
        "multi_region: false\n",
        "multi_region: false\n    multi_region_writes: true\n",
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([mongodb])
    assert "multi_region_writes: true needs multi_region: true" in "\n".join(caught.value.lines())


def test_a_licence_exclusion_is_reported_once_not_as_a_consistency_gap(engine: Engine) -> None:
    component = _one(
        engine,
        "name: l\ncontext: {licensing: open_source}\nconsistency: strong\n"
        "on_partition: stay_consistent\n",
    )
    mongodb = _entry(component, "mongodb")
    assert [d.rule for d in mongodb.disqualified_by] == ["constraint.licensing"]
    assert all(r.rule != "fit.on_partition" for r in mongodb.reasons)


def test_scale_out_degrees_cost_by_how_writes_are_sharded(engine: Engine, tmp_path: Path) -> None:
    from advisor.errors import InputError

    kb = engine.kb
    assert kb.databases["cassandra"].scaling.degree == "native"
    # Citus and Vitess shard PostgreSQL and MySQL; SQL Server is sharded by the application.
    assert kb.databases["postgresql"].scaling.degree == "add_on"
    assert kb.databases["mysql"].scaling.degree == "add_on"
    assert kb.databases["sqlserver"].scaling.degree == "modelled"
    large = {"scale.data_size_gb": 50_000.0}
    points = {
        e.database: {r.rule: r.points for r in e.reasons}["fit.scale_out"]
        for e in engine.rank(large)
        if e.database in ("cassandra", "postgresql", "sqlserver")
    }
    assert points["cassandra"] > points["postgresql"] > points["sqlserver"]
    assert all(
        "fit.scale_out" not in {r.rule for r in e.reasons}
        for e in engine.rank({"scale.data_size_gb": 100.0})
    )
    cassandra = database_overlay(
        tmp_path, "cassandra", "horizontal: true\n", "horizontal: true\n  sharding: add_on\n"
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([cassandra])
    assert "sharding: add_on disagrees with horizontal: true" in "\n".join(caught.value.lines())


def test_compare_shows_capability_and_scale_out_degrees(engine: Engine) -> None:
    from advisor.render.compare import as_dict, table

    mysql = engine.kb.databases["mysql"]
    rows = dict(table([mysql]))
    cell = rows["capabilities (degree unless built in)"][0]
    assert "ttl (modelled)" in cell and "joins," in cell and "joins (" not in cell
    assert rows["scales writes out"] == ["with a sharding add-on"]
    doc = as_dict([mysql], engine.kb)["databases"][0]
    assert doc["capability_degrees"]["ttl"] == "modelled"
    assert doc["capability_degrees"]["joins"] == "native"
    assert doc["scale_out"] == "add_on"


def test_durable_data_under_writes_needs_snapshot_headroom_in_memory(engine: Engine) -> None:
    def memory(**answers: Any) -> float | None:
        redis = next(e for e in engine.rank(answers) if e.database == "redis")
        return {r.rule: r.points for r in redis.reasons}.get("fit.memory")

    base = {"scale.data_size_gb": 200.0, "durability": "durable"}
    # 200 GB fits; written steadily, the fork for snapshots may need twice that.
    assert memory(**base, read_write_ratio="read_heavy") is None
    assert memory(**base, read_write_ratio="balanced") == -6.0
    assert memory(**{**base, "durability": "ephemeral"}, read_write_ratio="balanced") is None
    # Large by size alone earns an in-memory store nothing for scaling out.
    large = next(e for e in engine.rank({"scale.data_size_gb": 6_000.0}) if e.database == "redis")
    assert "fit.scale_out" not in {r.rule for r in large.reasons}


def test_durable_data_of_no_stated_size_is_a_bet_for_in_memory_stores(engine: Engine) -> None:
    def memory(**answers: Any) -> dict[str, float | None]:
        ranked = engine.rank(answers)
        return {
            e.database: {r.rule: r.points for r in e.reasons}.get("fit.memory")
            for e in ranked
            if e.database in ("redis", "valkey", "dynamodb")
        }

    unsized = memory(durability="durable")
    assert unsized["redis"] == unsized["valkey"] == -2.0
    # Disk-based stores hold any size; a small stated size settles the bet; ephemeral
    # data can be rebuilt, so its size risks nothing.
    assert unsized["dynamodb"] is None
    assert memory(durability="durable", **{"scale.data_size_gb": 5.0})["redis"] is None
    assert memory(durability="ephemeral")["redis"] is None


def test_strong_reads_of_durable_data_need_replicated_strong_copies(engine: Engine) -> None:
    def reasons(**answers: Any) -> dict[str, dict[str, float]]:
        return {e.database: {r.rule: r.points for r in e.reasons} for e in engine.rank(answers)}

    both = reasons(durability="durable", consistency="strong")
    # Redis and Neo4j are strong only as one unreplicated server; PostgreSQL and DynamoDB
    # keep synchronous copies that read strongly.
    assert both["redis"]["fit.durable_strong"] < 0
    assert both["neo4j"]["fit.durable_strong"] < 0
    assert "fit.durable_strong" not in both["postgresql"]
    assert "fit.durable_strong" not in both["dynamodb"]
    assert (
        "fit.durable_strong" not in reasons(durability="durable", consistency="eventual")["redis"]
    )
    assert (
        "fit.durable_strong" not in reasons(durability="ephemeral", consistency="strong")["redis"]
    )


def test_one_hop_networks_are_edge_tables_unless_traversals_are_needed(engine: Engine) -> None:
    def fired(**answers: Any) -> bool:
        pg = next(e for e in engine.rank(answers) if e.database == "postgresql")
        return "shape.network_edge_tables" in {r.rule for r in pg.reasons}

    assert fired(data_shape="network", relationships="many")
    assert not fired(data_shape="network", relationships="deep")
    assert not fired(data_shape="network", relationships="many", needs=("graph_traversal",))


def test_distributed_sql_counts_the_relational_model_and_pays_for_distribution(
    engine: Engine,
) -> None:
    def ranked(**answers: Any) -> dict[str, Any]:
        return {e.database: e for e in engine.rank(answers)}

    relational = {
        "data_shape": "tabular",
        "relationships": "many",
        "transactions": "multi_record",
        "consistency": "strong",
        "durability": "durable",
    }
    one_region = ranked(**relational, **{"scale.writes_per_sec": 2000.0})
    cockroach = {r.rule: r.points for r in one_region["cockroachdb"].reasons}
    # The relational model's rules count for distributed SQL too...
    assert cockroach["shape.tabular"] == 10
    # ...but not the single-server baseline, and distribution costs on every write.
    assert "baseline.simplest_thing" not in cockroach
    assert cockroach["dsql.consensus_cost"] < 0
    assert one_region["postgresql"].points > one_region["cockroachdb"].points
    # Read replicas elsewhere are asynchronous copies, even where the primary refuses to
    # diverge; writes kept strongly consistent in several regions ask for consensus.
    for replicas in (
        ranked(**relational, multi_region="replicas"),
        ranked(**relational, multi_region="replicas", on_partition="stay_consistent"),
    ):
        assert "dsql.global_consistency" not in {r.rule for r in replicas["cockroachdb"].reasons}
    everywhere = ranked(
        **relational, multi_region="active_active", **{"scale.writes_per_sec": 10000.0}
    )
    assert everywhere["cockroachdb"].points > everywhere["postgresql"].points


def test_rules_show_names_the_points_distributed_sql_inherits(kb: KnowledgeBase) -> None:
    from advisor.render.kb_text import describe_rule

    assert "category distributed_sql +10 (as relational" in describe_rule(kb.rule("shape.tabular"))
    # The single-server baseline is what distribution gives up: not inherited.
    assert "distributed_sql" not in describe_rule(kb.rule("baseline.simplest_thing"))


def test_a_team_that_runs_a_demanding_database_is_not_charged_its_burden(engine: Engine) -> None:
    def burden(**answers: Any) -> float | None:
        oracle = next(e for e in engine.rank(answers) if e.database == "oracle")
        return next((r.points for r in oracle.reasons if r.rule == "fit.operational_burden"), None)

    assert burden(data_shape="tabular") == -4
    assert burden(data_shape="tabular", **{"context.team_expertise": ("oracle",)}) is None
    assert burden(data_shape="tabular", **{"context.team_expertise": ("postgresql",)}) == -4


def test_at_a_scale_every_self_run_choice_clusters_a_partitioned_store_gets_its_burden_back(
    engine: Engine,
) -> None:
    def points(db: str, **answers: Any) -> dict[str, float]:
        entry = next(e for e in engine.rank(answers) if e.database == db)
        return {r.rule: r.points for r in entry.reasons if "burden" in r.rule}

    large = {"data_shape": "blob", "scale.growth": "outgrows_one_server"}
    given_back = {"fit.operational_burden": -4, "fit.burden_of_scale": 4}
    assert points("cassandra", **large) == given_back
    assert points("cassandra", **large, **{"context.cloud": "on_prem"}) == given_back
    self_run = {"context.cloud": "aws", "context.managed": "self_hosted"}
    assert points("cassandra", **large, **self_run) == given_back
    # On a chosen cloud, or where a managed service is wanted, managed partitioned
    # services are the alternative.
    charged = {"fit.operational_burden": -4}
    assert points("cassandra", **large, **{"context.cloud": "aws"}) == charged
    for managed in ("required", "preferred"):
        assert points("cassandra", **large, **{"context.managed": managed}) == charged
        own_machines = {"context.managed": managed, "context.cloud": "on_prem"}
        assert points("cassandra", **large, **own_machines) == given_back

    # The tie-break weighs the burden as the checks do: Cassandra's counts as medium here.
    def burden_rank(db: str, **answers: Any) -> int:
        return engine.tie_key(derive(answers), db)[2]

    assert burden_rank("cassandra", **large) == burden_rank("mongodb", **large)
    on_aws = {**large, "context.cloud": "aws"}
    assert burden_rank("cassandra", **on_aws) > burden_rank("mongodb", **on_aws)
    # One server's worth of data is no cluster; a store sharded by a layer gets nothing.
    assert points("cassandra", data_shape="blob") == {"fit.operational_burden": -4}
    assert points("oracle", **large) == {"fit.operational_burden": -4}
    # The team's own database was never charged.
    own = {"context.team_expertise": ("cassandra",)}
    assert points("cassandra", **large, **own) == {}


def test_a_plain_cache_weighs_redis_as_lightly_as_memcached(engine: Engine) -> None:
    cache = {"durability": "ephemeral", "data_shape": "blob", "read_write_ratio": "read_heavy"}
    ranking = {e.database: e for e in engine.rank(cache)}
    burdens = {
        db: [r.points for r in ranking[db].reasons if r.rule == "fit.operational_burden"]
        for db in ("redis", "valkey", "memcached")
    }
    assert burdens == {"redis": [2.0], "valkey": [2.0], "memcached": [2.0]}
    # Durable data keeps Redis's persistence and failover work: no credit.
    durable = {e.database: e for e in engine.rank({**cache, "durability": "durable"})}
    assert not [r for r in durable["redis"].reasons if r.rule == "fit.operational_burden"]
    # At equal points the tie-break no longer reads the heavier level for Redis: its
    # native capabilities decide, and the sentence says so.
    assert engine.tie_key(cache, "redis")[2] == engine.tie_key(cache, "memcached")[2]
    component = _one(
        engine, "name: c\ndurability: ephemeral\ndata_shape: blob\nread_write_ratio: read_heavy\n"
    )
    ranked = [e.database for e in component.ranking if e.eligible]
    assert ranked[:2] == ["redis", "memcached"]
    assert component.tie_break is not None and "capabilities" in component.tie_break


def test_team_skills_carry_over_by_engine_then_by_interface(engine: Engine) -> None:
    # A PostgreSQL team runs TimescaleDB (a PostgreSQL extension) with the skills it has,
    # writes CockroachDB's SQL and drivers but learns its operations, and starts MySQL
    # from scratch: +8, +4, nothing, below the +10 for PostgreSQL itself.
    component = _one(
        engine,
        "name: t\ncontext: {team_expertise: [postgresql]}\ndata_shape: series\n"
        "needs: [time_series]\n",
    )
    points = {
        entry.database: sum(r.points for r in entry.reasons if r.rule == "context.team_expertise")
        for entry in component.ranking
    }
    assert points["postgresql"] == 10
    assert points["timescaledb"] == 8
    assert points["cockroachdb"] == 4
    assert points["mysql"] == 0
    (reason,) = [
        r
        for e in component.ranking
        if e.database == "timescaledb"
        for r in e.reasons
        if r.rule == "context.team_expertise"
    ]
    assert "PostgreSQL extension" in reason.text


def test_surviving_a_region_takes_synchronous_cross_region_replication(engine: Engine) -> None:
    text = (
        "name: ledger\ndata_shape: tabular\nconsistency: strong\non_partition: stay_consistent\n"
        "transactions: multi_record\ndurability: durable\nmulti_region: replicas\n%s"
    )
    asked = _one(engine, text % "survives: region\n")
    unasked = _one(engine, text % "")
    # PostgreSQL's copies in other regions are asynchronous: losing a region can lose
    # acknowledged writes, so the answer costs it points and not CockroachDB.
    postgres = _entry(asked, "postgresql")
    assert any(r.rule == "fit.survives" and r.points == -8 for r in postgres.reasons)
    assert all(r.rule != "fit.survives" for r in _entry(asked, "cockroachdb").reasons)
    assert postgres.points < _entry(unasked, "postgresql").points
    assert asked.recommendation is not None
    winner = asked.recommendation.database
    assert winner in ("cockroachdb", "spanner")
    # The configuration recommended is the one that rides out a region.
    assert _configured(asked, winner).id in ("multi_region_survive_region", "multi_region_strong")


def test_surviving_a_zone_counts_against_asynchronous_replicas_only(engine: Engine) -> None:
    text = "name: s\ndata_shape: blob\ndurability: %s\nsurvives: zone\n"
    durable = _one(engine, text % "durable")
    redis = _entry(durable, "redis")
    assert any(r.rule == "fit.survives" and r.points == -6 for r in redis.reasons)
    assert all(r.rule != "fit.survives" for r in _entry(durable, "dynamodb").reasons)
    # Data that may be lost has no write to keep: the answer then changes nothing.
    ephemeral = _one(engine, text % "ephemeral")
    assert all(r.rule != "fit.survives" for r in _entry(ephemeral, "redis").reasons)


def test_growth_states_the_scale_class_the_figures_only_estimate() -> None:
    from advisor.conditions import derive

    def scale(**answers: Any) -> str | None:
        return derive(dict(answers)).get("derived.scale")

    assert scale() is None
    assert scale(**{"scale.growth": "outgrows_one_server"}) == "large"
    assert scale(**{"scale.growth": "outgrows_one_server", "scale.data_size_gb": 5}) == "large"
    assert scale(**{"scale.growth": "fits_one_server"}) == "small"
    assert scale(**{"scale.growth": "fits_one_server", "scale.reads_per_sec": 250_000}) == "medium"
    assert scale(**{"scale.growth": "fits_one_server", "scale.data_size_gb": 800}) == "medium"
    assert scale(**{"scale.reads_per_sec": 250_000}) == "large"


def test_the_loader_checks_that_surviving_a_region_spans_regions(tmp_path: Path) -> None:
    from advisor.errors import InputError

    redis = database_overlay(tmp_path, "redis", "survives: none\n", "survives: region\n")
    with pytest.raises(InputError) as caught:
        load_knowledge_base([redis])
    assert "survives: region needs multi_region: true" in "\n".join(caught.value.lines())


def test_vector_search_excludes_only_the_stores_without_it(engine: Engine) -> None:
    component = _one(engine, "name: rag\ndata_shape: nested\nneeds: [vector_search]\n")
    eligible = {e.database for e in component.ranking if e.eligible}
    # HBase and Memcached have no vector search of their own; PostgreSQL has it through
    # the pgvector extension, which costs points (fit.capability_degree) but does not
    # exclude. DynamoDB has vector indexes (SearchVectors) since 2026.
    assert {"hbase", "memcached"}.isdisjoint(eligible)
    assert {"postgresql", "mongodb", "opensearch", "cassandra", "dynamodb"} <= eligible
    postgres = next(e for e in component.ranking if e.database == "postgresql")
    assert any(r.rule == "fit.capability_degree" and r.points < 0 for r in postgres.reasons)


def test_offline_sync_leaves_the_stores_with_a_device_sync_of_their_own(engine: Engine) -> None:
    component = _one(engine, "name: app\ndata_shape: nested\nneeds: [offline_sync]\n")
    eligible = {e.database for e in component.ranking if e.eligible}
    # Firestore's client SDKs sync natively; Couchbase through Couchbase Lite and Sync
    # Gateway (an add-on, which costs points). MongoDB's Atlas Device Sync reached its end
    # of life in 2025, so it is excluded like every store without a sync of its own.
    assert eligible == {"firestore", "couchbase"}
    couchbase = _entry(component, "couchbase")
    assert any(r.rule == "fit.capability_degree" and r.points < 0 for r in couchbase.reasons)
    assert "lacks offline_sync" in " ".join(
        d.text for d in _entry(component, "mongodb").disqualified_by
    )


def test_the_tie_break_counts_skills_that_carry_over(engine: Engine) -> None:
    answers = {"context.team_expertise": ("postgresql",)}
    own, engine_shared, interface, none = (
        engine.tie_key(answers, db) for db in ("postgresql", "timescaledb", "cockroachdb", "mysql")
    )
    # The team's own database first, then one on the same engine, then one behind the
    # same protocol, then the rest: the order the expertise points give.
    assert own < engine_shared < interface < none


def test_durable_valkey_on_aws_goes_to_a_service_that_keeps_writes(
    engine: Engine, kb: KnowledgeBase
) -> None:
    from advisor.render.managed import service

    text = (
        "name: v\ncontext: {cloud: aws, managed: required, team_expertise: [valkey]}\n"
        "data_shape: blob\nquery_complexity: simple\nlatency_ms: 1\ndurability: %s\n%s"
    )
    durable = _one(engine, text % ("durable", "survives: zone\n"))
    assert durable.recommendation is not None
    assert durable.recommendation.database == "valkey"
    # A Multi-AZ transaction log (MemoryDB's, or ElastiCache for Valkey's durability
    # option) keeps the writes that Valkey's asynchronous replicas may lose: no
    # fit.survives penalty, and the report names a service flagged for it with the
    # setting that does it. Redis on ElastiCache (Redis OSS) has no such option.
    assert all(r.rule != "fit.survives" for r in _entry(durable, "valkey").reasons)
    assert any(r.rule == "fit.survives" for r in _entry(durable, "redis").reasons)
    found = service(durable, kb)
    assert found is not None and kb.databases["valkey"].deployment.keeps_writes("aws", found.name)
    settings = kb.databases["valkey"].deployment.settings_in("aws", found.name)
    assert settings is not None and "durability set to sync" in settings.settings
    # Data that may be lost keeps the listed order: ElastiCache, the cache service.
    ephemeral = service(_one(engine, text % ("ephemeral", "")), kb)
    assert ephemeral is not None and ephemeral.name.startswith("Amazon ElastiCache")


def test_a_database_being_replaced_is_excluded_and_staying_on_it_is_a_change(
    engine: Engine,
) -> None:
    text = (
        "name: t\ncontext: {team_expertise: [cassandra]}\ndata_shape: series\n"
        "read_write_ratio: write_heavy\ndurability: durable\n"
        "scale: {writes_per_sec: 100000, growth: outgrows_one_server}\n"
    )
    before = _one(engine, text).recommendation
    assert before is not None and before.database == "cassandra"  # the team's own
    moving = _one(engine, text + "replacing: [cassandra]\n")
    ranking = {e.database: e for e in moving.ranking}
    assert not ranking["cassandra"].eligible
    assert [d.rule for d in ranking["cassandra"].disqualified_by] == ["constraint.replacing"]
    # ScyllaDB speaks Cassandra's CQL: the move keeps schemas, queries and drivers.
    migration = {r.rule: r.points for r in ranking["scylladb"].reasons}["fit.migration"]
    assert migration == MIGRATION_POINTS
    assert all(r.rule != "fit.migration" for r in ranking["mongodb"].reasons)
    assert moving.recommendation is not None
    (stay,) = [c for c in moving.what_would_change if c.answer == "replacing"]
    assert (stay.value, stay.database, stay.change) == ("cassandra", "cassandra", "keep cassandra")


def test_a_ranked_set_is_native_in_redis_and_modelled_by_an_ordered_index(engine: Engine) -> None:
    # Top-N from an index on the score and a rank by counting the entries above it serve a
    # leaderboard in SQL, MongoDB and DynamoDB, at a cost; a wide-column store, whose
    # clustering order cannot follow a changing score, still lacks it.
    kb = engine.kb
    degrees = {
        db: kb.databases[db].capabilities["sorted_sets"].degree
        for db in kb.databases
        if "sorted_sets" in kb.databases[db].capabilities
    }
    assert degrees["redis"] == degrees["valkey"] == "native"
    assert {"postgresql", "mysql", "sqlserver", "oracle", "mongodb"} <= {
        db for db, degree in degrees.items() if degree == "modelled"
    }
    assert degrees["dynamodb"] == "modelled" and "cassandra" not in degrees
    queue = _one(
        engine,
        "name: q\nneeds: [sorted_sets]\ntransactions: multi_record\nconsistency: strong\n",
    )
    eligible = {e.database for e in queue.ranking if e.eligible}
    assert "postgresql" in eligible
    cassandra = next(e for e in queue.ranking if e.database == "cassandra")
    assert "constraint.needs" in {d.rule for d in cassandra.disqualified_by}
    postgres = next(e for e in queue.ranking if e.database == "postgresql")
    assert any(r.rule == "fit.capability_degree" and r.points < 0 for r in postgres.reasons)


def test_a_one_cloud_service_wins_no_tie_on_operations_before_its_cloud_is_chosen(
    engine: Engine,
) -> None:
    # cloud.single_provider cancels in points the operational advantage that presupposes
    # adopting the service's cloud; the tie-break must not give it back. Once the cloud
    # is chosen, the managed service's lighter operations count again.
    answers = {"durability": "durable", "data_shape": "series", "query_complexity": "simple"}

    def burden_rank(db: str, **more: Any) -> int:
        return engine.tie_key(derive({**answers, **more}), db)[2]

    high = burden_rank("cassandra", **{"scale.growth": "fits_one_server"})
    for db in ("cosmosdb", "dynamodb", "spanner", "firestore", "bigtable"):
        assert burden_rank(db) == high
        assert burden_rank(db, **{"context.cloud": "any"}) == high
    assert burden_rank("cosmosdb", **{"context.cloud": "azure"}) < high
    assert burden_rank("dynamodb", **{"context.cloud": "aws"}) < high
    # A database that also runs self-hosted keeps its own level.
    assert burden_rank("redis") < high


def test_a_write_heavy_share_at_a_low_stated_rate_favours_no_storage_engine(
    engine: Engine,
) -> None:
    # Write-heavy in share at 300 writes a second is absorbed by any database's single
    # primary: the LSM rules (Cassandra, ScyllaDB) count only from 1,000 writes a second,
    # or when no rate is stated.
    base = "name: c\ndurability: durable\nread_write_ratio: write_heavy\n"
    fired = {"load.write_heavy", "scylladb.write_heavy"}

    def rules(text: str) -> set[str]:
        component = _one(engine, text)
        return {r.rule for e in component.ranking for r in e.reasons} & fired

    assert rules(base) == fired
    assert rules(base + "scale: {writes_per_sec: 300}\n") == set()
    assert rules(base + "scale: {writes_per_sec: 999}\n") == set()
    assert rules(base + "scale: {writes_per_sec: 1000}\n") == fired


def test_a_tie_won_against_a_one_cloud_service_says_why(engine: Engine) -> None:
    # Redis and Cosmos DB tie here (a published case, Tumblr's dashboard notifications):
    # Redis is first, and the sentence names Cosmos DB's cloud as the reason.
    component = _one(
        engine,
        "name: c\ndata_shape: series\nrelationships: none\nquery_complexity: simple\n"
        "schema_flexibility: fixed\ntransactions: single_record\nread_write_ratio: balanced\n"
        "latency_ms: 5\nneeds: [sorted_sets]\nreplacing: [mysql]\n"
        "scale: {reads_per_sec: 5000, writes_per_sec: 2500, data_size_gb: 370, "
        "growth: outgrows_one_server, item_size_kb: 0.16}\n",
    )
    assert component.recommendation is not None and component.runner_up is not None
    assert component.recommendation.database == "redis"
    assert component.runner_up.database == "cosmosdb"
    assert component.tie_break is not None
    assert "presuppose its one cloud" in component.tie_break
