"""Engine behaviour beyond the case set: configuration, caveats, confidence, changes.

"What would change the answer" is computed incrementally; these tests check it against
a full re-score of every variant, so a bookkeeping slip in the fast path cannot hide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.engine import MAX_CHANGES, ComponentResult, Configuration, Engine, _variants
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.workload import Workload, load_workload, parse_workload
from tests.support import EXAMPLES, ROOT

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
            changed = dict(answers)
            if answer == "needs":
                changed["needs"] = (*answers.get("needs", ()), value)
            else:
                changed[answer] = value
            winner = _full_winner(engine, changed)
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
        "needs: [graph_traversal, ttl, pub_sub, sorted_sets]\ntransactions: multi_record\n",
    )
    assert component.recommendation is None
    assert component.confidence == "none"
    assert all(e.disqualified_by for e in component.ranking)


def test_polyglot_system_warns_and_suggests_consolidation(engine: Engine) -> None:
    result = engine.score(load_workload(ROOT / "examples" / "ecommerce.yaml"))
    assert len(result.system.databases) >= 3
    assert result.system.warnings[0].startswith(
        f"This system would run {len(result.system.databases)}"
    )


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
    assert (
        catalog.configuration is not None and catalog.configuration.id == "default_majority_local"
    )


def test_managed_exclusion_names_compatible_services(engine: Engine) -> None:
    component = _one(
        engine, "name: t\ncontext: {cloud: aws, managed: required}\nuse_case: time_series\n"
    )
    cassandra = next(e for e in component.ranking if e.database == "cassandra")
    assert not cassandra.eligible
    assert "Amazon Keyspaces" in cassandra.disqualified_by[0].text


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
