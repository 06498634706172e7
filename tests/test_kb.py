"""The knowledge base: sourced facts, the seed's corrections, overlays and rule checking.

The seed document (shared/seed/nosql-fundamentals.md) labels products CP, AP, CA, ACID or
BASE as a whole; reference/db-facts.md section 18 lists where that is wrong. Each test
here pins one correction, so the error cannot creep back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
from typer.testing import Result

from advisor.errors import InputError
from advisor.kb import (
    Database,
    Fact,
    KnowledgeBase,
    load_knowledge_base,
)
from advisor.workload import Category
from tests.support import database_overlay

Cli = Callable[..., Result]
SPEC_DATABASES = {
    "mongodb", "redis", "memcached", "dynamodb", "riak", "cassandra", "hbase",
    "neo4j", "arangodb", "couchbase", "cosmosdb", "postgresql", "mysql", "sqlserver",
}  # fmt: skip


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _facts(value: Any, path: str) -> Iterator[tuple[str, Fact]]:
    """Every Fact reachable from a database, with its path."""
    if isinstance(value, Fact):
        yield path, value
    if is_dataclass(value):
        for f in fields(value):
            yield from _facts(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _facts(item, f"{path}[{i}]")
    elif isinstance(value, dict) or hasattr(value, "items"):
        for key, item in value.items():
            yield from _facts(item, f"{path}.{key}")


def test_every_spec_database_is_known(kb: KnowledgeBase) -> None:
    assert set(kb.databases) >= SPEC_DATABASES


def test_every_fact_has_a_source_and_a_date(kb: KnowledgeBase) -> None:
    count = 0
    for db in kb.databases.values():
        assert db.sources, db.id
        for path, fact in _facts(db, db.id):
            count += 1
            assert fact.sources, path
            assert all(s.startswith("https://") for s in fact.sources), path
            assert fact.as_of.strip(), path
    assert count > 14 * 10


def test_every_rule_has_a_source(kb: KnowledgeBase) -> None:
    for rule in kb.rules:
        assert rule.sources and all(s.startswith("https://") for s in rule.sources), rule.id


def test_a_fact_without_a_source_is_rejected(tmp_path: Path) -> None:
    overlay = tmp_path / "memcached.yaml"
    text = (_builtin("memcached")).replace("max_item:\n", "max_item:\n  sources: []\n", 1)
    overlay.write_text(_drop_first_sources_after(text, "max_item:"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_knowledge_base([overlay])
    lines = caught.value.lines()
    assert any("max_item.sources" in line and str(overlay) in line for line in lines), lines


def _builtin(db_id: str) -> str:
    from advisor.resources import rules_root

    return rules_root().joinpath("databases", f"{db_id}.yaml").read_text(encoding="utf-8")


def _drop_first_sources_after(text: str, marker: str) -> str:
    """Remove the original ``sources`` of the block after ``marker`` (keep the empty one)."""
    head, _, tail = text.partition(marker)
    lines = tail.splitlines(keepends=True)
    out, dropped, skipping = [], False, False
    for line in lines:
        if not dropped and line.startswith("  sources:") and "[]" not in line:
            dropped = skipping = not line.rstrip().endswith("]")
            dropped = True
            continue
        if skipping and line.startswith("    - "):
            continue
        skipping = False
        out.append(line)
    return head + marker + "".join(out)


# --- the seed's errors, corrected (reference/db-facts.md section 18) -------------------


def _configs(db: Database, **where: Any) -> list[Any]:
    return [c for c in db.consistency if all(getattr(c, k) == v for k, v in where.items())]


def test_mongodb_is_not_base_and_not_blanket_cp(kb: KnowledgeBase) -> None:
    mongo = kb.databases["mongodb"]
    assert mongo.transactions.scope == "multi_record", "multi-document ACID since 4.0"
    assert _configs(mongo, guarantee="strong", cap="CP", production_ready=True)
    assert _configs(mongo, cap="AP"), "w:1 or secondary reads are not CP"
    default = mongo.default_configuration()
    assert "majority" in default.settings, "w: majority is the default since 5.0"


def test_replicated_redis_is_never_cp(kb: KnowledgeBase) -> None:
    redis = kb.databases["redis"]
    replicated = [c for c in redis.consistency if c.id != "single_node"]
    assert replicated
    for config in replicated:
        assert config.cap == "AP", f"{config.id}: asynchronous replication is not CP"
        assert config.guarantee != "strong", config.id
    assert any("WAIT" in (c.note or "") + c.settings for c in redis.consistency)


def test_dynamodb_is_not_blanket_ap(kb: KnowledgeBase) -> None:
    dynamo = kb.databases["dynamodb"]
    default = dynamo.default_configuration()
    assert (default.guarantee, default.cap, default.pacelc) == (
        "eventual",
        "AP",
        "PA/EL",
    )
    assert _configs(dynamo, guarantee="strong", cap="CP")
    assert _configs(dynamo, guarantee="strong", multi_region=True), "MRSC global tables"
    assert dynamo.transactions.max_items == 100
    assert dynamo.max_item.kb == 400
    assert any("GSI" in c.text or "global secondary" in c.text.lower() for c in dynamo.caveats)


def test_cassandra_is_tunable_with_lwt_per_partition(kb: KnowledgeBase) -> None:
    cassandra = kb.databases["cassandra"]
    assert cassandra.default_configuration().cap == "AP"
    lwt = [c for c in cassandra.consistency if "SERIAL" in c.settings or "lwt" in c.id.lower()]
    assert lwt and all(c.cap == "CP" for c in lwt)
    assert cassandra.transactions.scope != "multi_record"


def test_riak_strong_consistency_is_not_production_ready(kb: KnowledgeBase) -> None:
    riak = kb.databases["riak"]
    assert riak.default_configuration().cap == "AP"
    strong = _configs(riak, guarantee="strong")
    assert strong and not any(c.production_ready for c in strong)


def test_hbase_is_cp_with_timeline_reads_as_the_exception(kb: KnowledgeBase) -> None:
    hbase = kb.databases["hbase"]
    default = hbase.default_configuration()
    assert (default.guarantee, default.cap) == ("strong", "CP")
    assert _configs(hbase, guarantee="eventual"), "TIMELINE replica reads"


def test_relational_databases_are_not_labelled_ca(kb: KnowledgeBase) -> None:
    for db_id in ("postgresql", "mysql", "sqlserver"):
        db = kb.databases[db_id]
        assert db.transactions.scope == "multi_record"
        # CP and AP are the only labels; asynchronous replicas are AP, synchronous CP.
        assert {c.cap for c in db.consistency} == {"CP", "AP"}, db_id


def test_neo4j_secondaries_are_causal_not_strong(kb: KnowledgeBase) -> None:
    neo4j = kb.databases["neo4j"]
    assert any(c.guarantee == "causal" for c in neo4j.consistency)


@pytest.mark.parametrize(
    ("db_id", "spdx", "osi"),
    [
        ("mongodb", "SSPL-1.0", False),
        ("couchbase", "BUSL-1.1", False),
        ("arangodb", "BUSL-1.1", False),
        ("postgresql", "PostgreSQL", True),
        ("cassandra", "Apache-2.0", True),
        ("hbase", "Apache-2.0", True),
        ("riak", "Apache-2.0", True),
    ],
)
def test_licences(kb: KnowledgeBase, db_id: str, spdx: str, osi: bool) -> None:
    licence = kb.databases[db_id].licence
    assert spdx in licence.spdx
    assert licence.osi_approved is osi


@pytest.mark.parametrize("db_id", ["dynamodb", "cosmosdb"])
def test_cloud_only_services_cannot_be_self_hosted(kb: KnowledgeBase, db_id: str) -> None:
    db = kb.databases[db_id]
    assert not db.deployment.self_hosted
    assert not db.licence.osi_approved


@pytest.mark.parametrize(
    ("db_id", "kb_limit"),
    [("mongodb", 16384), ("dynamodb", 400), ("cosmosdb", 2048), ("couchbase", 20480)],
)
def test_item_limits(kb: KnowledgeBase, db_id: str, kb_limit: float) -> None:
    assert kb.databases[db_id].max_item.kb == kb_limit


def test_memcached_is_a_cache(kb: KnowledgeBase) -> None:
    memcached = kb.databases["memcached"]
    assert not memcached.durability.durable
    assert memcached.transactions.scope != "multi_record"


def test_redis_caveats_cover_ttl_and_pub_sub(kb: KnowledgeBase) -> None:
    texts = " ".join(c.text.lower() for c in kb.databases["redis"].caveats)
    assert "at-most-once" in texts or "at most once" in texts
    assert "lazily" in texts or "lazy" in texts


def test_category_matrix_is_corrected(kb: KnowledgeBase) -> None:
    key_value = kb.categories["key_value"].matrix
    graph = kb.categories["graph"].matrix
    assert key_value.consistency != "eventual", "a single Redis is linearizable"
    assert graph.consistency != "strong", "Neo4j secondaries are causal"
    assert graph.scalability == "medium"
    assert set(kb.categories) == set(get_args(Category))


# --- overlays and rule checking -------------------------------------------------------


def test_overlay_replaces_a_database_and_adds_a_rule(tmp_path: Path) -> None:
    (tmp_path / "memcached.yaml").write_text(
        _builtin("memcached").replace("name: Memcached", "name: Memcached (our fork)"),
        encoding="utf-8",
    )
    (tmp_path / "ours.yaml").write_text(
        "rules:\n"
        "  - id: ours.prefer_postgres\n"
        "    when: {}\n"
        "    points: {databases: {postgresql: 50}}\n"
        "    why: Our platform team runs PostgreSQL for every service.\n"
        "    sources: [https://example.com/platform-handbook]\n",
        encoding="utf-8",
    )
    kb = load_knowledge_base([tmp_path])
    assert kb.databases["memcached"].name == "Memcached (our fork)"
    assert kb.rule("ours.prefer_postgres").databases == {"postgresql": 50}


def _edited_builtin_problems(tmp_path: Path, db_id: str, old: str, new: str) -> list[str]:
    """The problems the loader reports for a built-in file with ``old`` replaced by ``new``,
    each with ``FILE:LINE:`` standing for the overlay's path and the edited line."""
    overlay = database_overlay(tmp_path, db_id, old, new)
    text = _builtin(db_id)
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(InputError) as caught:
        load_knowledge_base([overlay])
    return [problem.replace(f"{overlay}:{line}:", "FILE:LINE:") for problem in caught.value.lines()]


def test_a_pacelc_class_must_agree_with_the_cap_side(tmp_path: Path) -> None:
    assert _edited_builtin_problems(tmp_path, "memcached", "pacelc: PC/EC", "pacelc: PA/EL") == [
        "FILE:LINE:13: consistency[0].pacelc: PA/EL disagrees with cap CP: "
        "its PA means AP during a partition"
    ]


@pytest.mark.parametrize(
    ("level", "problem"),
    [
        (
            "high",
            "'high' is heavier than level 'medium': rebuildable data never needs more "
            "operations work",
        ),
        ("medium", "'medium' is the level itself: leave cache_level out"),
    ],
)
def test_a_cache_level_is_lighter_than_the_level(tmp_path: Path, level: str, problem: str) -> None:
    edited = _edited_builtin_problems(
        tmp_path, "redis", "cache_level: low", f"cache_level: {level}"
    )
    assert edited == [f"FILE:LINE:16: operational_burden.cache_level: {problem}"]


def test_redis_and_valkey_as_caches_take_memcacheds_work(kb: KnowledgeBase) -> None:
    for db_id in ("redis", "valkey"):
        burden = kb.databases[db_id].operational_burden
        assert (burden.level, burden.level_for("durable"), burden.level_for(None)) == (
            "medium",
            "medium",
            "medium",
        )
        assert burden.level_for("ephemeral") == kb.databases["memcached"].operational_burden.level


def test_every_builtin_configuration_has_matching_cap_and_pacelc(kb: KnowledgeBase) -> None:
    # The loader enforces it; this pins the six mixed configurations whose reads stay
    # available while writes stop (the seed's habit was to call those AP).
    for db_id, config_id in [
        ("arangodb", "follower_dirty_reads"),
        ("cassandra", "quorum"),
        ("hbase", "timeline_reads"),
        ("mongodb", "multi_region_nearest_reads"),
        ("mysql", "group_replication_eventual"),
        ("neo4j", "cluster_secondary_reads"),
    ]:
        (config,) = [c for c in kb.databases[db_id].consistency if c.id == config_id]
        assert (config.cap, config.pacelc[:2]) == ("CP", "PC"), (db_id, config_id)


def test_an_overlay_rule_with_the_same_id_replaces_the_builtin(tmp_path: Path) -> None:
    builtin = load_knowledge_base()
    rule_id = builtin.rules[0].id
    overlay = tmp_path / "replace.yaml"
    overlay.write_text(
        f"rules:\n  - id: {rule_id}\n    when: {{}}\n    points: {{databases: {{riak: 1}}}}\n"
        "    why: Replaced by the team's own judgement.\n    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    kb = load_knowledge_base([overlay])
    assert len(kb.rules) == len(builtin.rules)
    assert kb.rule(rule_id).databases == {"riak": 1}


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            "when: {use_case: {equal: cache}}\n    points: {databases: {redis: 1}}",
            "4:23: rules[0].when.use_case.equal: unknown operator 'equal' (did you mean 'equals'?)",
        ),
        (
            "when: {use_case: {equals: cahce}}\n    points: {databases: {redis: 1}}",
            "did you mean 'cache'?",
        ),
        (
            "when: {use_cse: {equals: cache}}\n    points: {databases: {redis: 1}}",
            "did you mean 'use_case'?",
        ),
        (
            "when: {use_case: {equals: cache}}\n    points: {databases: {rediss: 1}}",
            "5:26: rules[0].points.databases.rediss: unknown database 'rediss'"
            " (did you mean 'redis'?)",
        ),
        (
            "when: {use_case: {equals: cache}}\n    exclude: [memcache]",
            "did you mean 'memcached'?",
        ),
    ],
)
def test_bad_rules_fail_with_file_and_line(
    tmp_path: Path, cli: Cli, snippet: str, expected: str
) -> None:
    overlay = tmp_path / "bad.yaml"
    overlay.write_text(
        "# a team's overlay\nrules:\n  - id: ours.bad\n    "
        + snippet
        + "\n    why: A rule with one mistake in it.\n    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", str(overlay))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{overlay}:")
    assert expected in lines[0]


def test_builtin_knowledge_base_validates(cli: Cli) -> None:
    result = cli("rules", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_compare_json_follows_spec_section_7(cli: Cli) -> None:
    import json

    result = cli("compare", "dynamodb", "redis", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["format_version"] == 1
    assert [d["id"] for d in doc["databases"]] == ["dynamodb", "redis"], "order as asked"
    dynamo = doc["databases"][0]
    assert dynamo["max_item_kb"] == 400
    assert dynamo["transactions"] == {"scope": "multi_record", "max_items": 100}
    assert dynamo["self_hosted"] is False and dynamo["managed"]["azure"] == []
    assert sum(c["default"] for c in dynamo["consistency"]) == 1
    for config in dynamo["consistency"]:
        assert config["cap"] in {"CP", "AP"} and config["sources"]


def test_compare_every_database_in_every_format(cli: Cli) -> None:
    from advisor.cli import CompareFormat

    ids = sorted(SPEC_DATABASES | set(NEW_2026))
    for fmt in (f.value for f in CompareFormat):
        result = cli("compare", *ids, "--format", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
    markdown = cli("compare", "mongodb", "cassandra", "--format", "markdown").stdout
    assert "| consistency (configuration: guarantee, CAP, PACELC) |" in markdown
    assert "## Sources" in markdown


def test_compare_unknown_id_is_a_clean_error(cli: Cli) -> None:
    result = cli("compare", "mongodb", "postgres")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "dbadvisor: unknown database 'postgres' (did you mean 'postgresql'?); known: "
        + ", ".join(sorted(SPEC_DATABASES | set(NEW_2026)))
    ]


def test_single_servers_are_not_replicated_and_cassandra_is_linearizable_only_with_lwt(
    kb: KnowledgeBase,
) -> None:
    for db_id in ("redis", "memcached", "postgresql", "mysql", "sqlserver", "neo4j", "arangodb"):
        default = kb.databases[db_id].default_configuration()
        assert default.replicated is False, db_id
    cassandra = kb.databases["cassandra"]
    strong = [c for c in cassandra.consistency if c.guarantee == "strong"]
    assert strong and all("SERIAL" in c.settings for c in strong)
    # QUORUM refuses on the minority side (CP, PC/EC) but resolves concurrent writes by
    # last-write-wins: session guarantees, not linearizable.
    (quorum,) = [c for c in cassandra.consistency if c.id == "quorum"]
    assert (quorum.cap, quorum.guarantee) == ("CP", "session")


def test_compatible_services_are_not_managed_offerings(kb: KnowledgeBase) -> None:
    cassandra = kb.databases["cassandra"].deployment
    assert "Amazon Keyspaces" in cassandra.compatible.on("aws")
    assert "Amazon Keyspaces" not in cassandra.managed.on("aws")
    mongo = kb.databases["mongodb"].deployment
    assert "Amazon DocumentDB" in mongo.compatible.on("aws")
    assert "Amazon DocumentDB" not in mongo.managed.on("aws")
    assert "MongoDB Atlas" in mongo.managed.on("aws")


# --- knowledge corrections checked against vendor documentation (as of 2026-12-06) ----
#
# One test per correction: each asserts the corrected fact and that the fact carries
# sources and an as_of, so a later edit cannot drop the evidence with the claim.


def _sourced(fact: Any, *needles: str) -> None:
    """The fact has https sources (one containing each needle) and a non-empty as_of."""
    assert fact.sources and all(s.startswith("https://") for s in fact.sources), fact
    assert fact.as_of and fact.as_of.strip(), fact
    for needle in needles:
        assert any(needle in s for s in fact.sources), (needle, fact.sources)


def _config(db: Database, config_id: str) -> Any:
    (config,) = [c for c in db.consistency if c.id == config_id]
    return config


def test_mysql_group_replication_default_is_before_on_primary_failover(
    kb: KnowledgeBase,
) -> None:
    config = _config(kb.databases["mysql"], "group_replication_eventual")
    assert "BEFORE_ON_PRIMARY_FAILOVER (the default from 8.4.0" in config.settings
    assert "EVENTUAL (the default)" not in config.settings
    assert "EVENTUAL before" in config.settings, "older versions still default to EVENTUAL"
    assert config.as_of == "MySQL 8.4.0+"
    # The Shell 8.4 page states the default; the refman page lists the levels.
    _sourced(config, "mysql-shell/8.4/en/mysql-innodb-cluster-failover-consistency")


def test_mongodb_strong_needs_linearizable_reads(kb: KnowledgeBase) -> None:
    mongo = kb.databases["mongodb"]
    strong = [c for c in mongo.consistency if c.guarantee == "strong"]
    assert strong, "linearizable reads are production-ready"
    for config in strong:
        assert 'readConcern "linearizable"' in config.settings, config.id
        _sourced(config, "read-concern-linearizable")
    # Majority reads (causal sessions) are not strong: a deposed primary can serve them stale.
    for config in mongo.consistency:
        if 'readConcern "majority"' in config.settings:
            assert config.guarantee != "strong", config.id
    (caveat,) = [c for c in mongo.caveats if c.id == "strong_needs_linearizable"]
    assert 'nor "majority" is enough' in caveat.text
    assert "snapshot reads inside transactions" not in caveat.text, "snapshots are not recency"
    assert "deposed primary" in caveat.text
    _sourced(caveat, "read-concern-linearizable")


def test_mongodb_default_is_labelled_like_other_majority_write_systems(
    kb: KnowledgeBase,
) -> None:
    default = kb.databases["mongodb"].default_configuration()
    assert "majority" in default.settings
    # Majority writes stop on the minority side (PC, the CP side), as for MySQL Group
    # Replication, Neo4j, ArangoDB and Cassandra QUORUM; primary reads are EC.
    assert (default.cap, default.pacelc) == ("CP", "PC/EC")
    assert default.guarantee == "session", "local reads are not linearizable"
    others = [
        _config(kb.databases["mysql"], "group_replication_eventual"),
        _config(kb.databases["cassandra"], "quorum"),
    ]
    assert all(c.cap == default.cap for c in others)
    note = default.note or ""
    assert "Abadi" in note and "PA/EC" in note, "states Abadi's class and why this differs"
    _sourced(default, "abadi-pacelc", "mongodb-defaults")


def test_arangodb_community_licence_bars_commercial_use(kb: KnowledgeBase) -> None:
    arango = kb.databases["arangodb"]
    note = arango.licence.note or ""
    assert "no commercial use at any size" in note
    assert "100 GiB" in note
    assert "three clusters" not in note or "gone" in note
    assert "3.12.5" in note and "OneShard" in note
    _sourced(arango.licence, "incompatible-changes-in-3-12", "community-license")
    (caveat,) = [c for c in arango.caveats if c.id == "community_licence_cap"]
    assert caveat.when is None, "commercial use is barred at any size, not only above 100 GiB"
    assert "three clusters" not in caveat.text
    _sourced(caveat, "community-license")
    oneshard = _config(arango, "oneshard_cluster")
    assert "3.12.5" in (oneshard.note or "") and "Enterprise Edition and" not in (
        oneshard.note or ""
    )
    _sourced(oneshard, "features/list")


@pytest.mark.parametrize(
    ("db_id", "cloud", "name", "status", "no_new_after", "retires", "successor"),
    [
        (
            "memcached",
            "gcp",
            "Memorystore for Memcached",
            "deprecated",
            "2027-02-01",
            "2029-01-31",
            "Memorystore for Valkey",
        ),
        (
            "redis",
            "azure",
            "Azure Cache for Redis",
            "retiring",
            None,
            "2028-09-30",
            "Azure Managed Redis",
        ),
    ],
)
def test_ending_managed_services_do_not_count_for_new_workloads(
    kb: KnowledgeBase,
    db_id: str,
    cloud: str,
    name: str,
    status: str,
    no_new_after: str | None,
    retires: str,
    successor: str,
) -> None:
    managed = kb.databases[db_id].deployment.managed
    (offering,) = [o for o in managed.offers(cloud) if o.name == name]
    assert (offering.status, offering.no_new_after, offering.retires) == (
        status,
        no_new_after,
        retires,
    )
    assert offering.successor == successor
    assert not offering.for_new_workloads
    assert name in managed.on(cloud), "still listed, with its status"
    assert name not in managed.available(cloud)
    assert name in managed.available(cloud, for_new=False), "existing workloads still run"
    _sourced(offering)


def test_a_retiring_service_cannot_satisfy_managed_required(kb: KnowledgeBase) -> None:
    from advisor.engine import Engine
    from advisor.workload import parse_workload

    engine = Engine(kb)
    text = (
        "version: 1\nname: cache\ncontext: {cloud: gcp, managed: required}\n"
        "components:\n  - name: c\n    use_case: cache\n"
    )
    result = engine.score(parse_workload(text))
    ranking = {e.database: e for e in result.components[0].ranking}
    memcached = ranking["memcached"]
    assert not memcached.eligible
    reasons = " ".join(d.text for d in memcached.disqualified_by)
    assert "Memorystore for Memcached (deprecated" in reasons
    assert ranking["redis"].eligible, "Memorystore for Redis is generally available"


def test_riak_is_openriak_3_4_with_deprecations(kb: KnowledgeBase) -> None:
    riak = kb.databases["riak"]
    strong = _config(riak, "strong_buckets")
    assert not strong.production_ready
    assert "deprecated in 3.4.0" in strong.configuration
    assert strong.as_of == "Riak KV 3.4"
    _sourced(strong, "OpenRiak/riak")
    (caveat,) = [c for c in riak.caveats if c.id == "community_maintained"]
    for deprecated in ("eleveldb", "memory backend", "map/reduce", "riak_ensemble"):
        assert deprecated in caveat.text, deprecated
    _sourced(caveat, "OpenRiak/riak", "openriak.github.io")
    assert "https://openriak.github.io/riak/" in riak.sources
    assert "OpenRiak" in (riak.deployment.note or "")
    _sourced(riak.deployment, "openriak.github.io")


def test_sql_server_2025_express_allows_50_gb(kb: KnowledgeBase) -> None:
    sqlserver = kb.databases["sqlserver"]
    (caveat,) = [c for c in sqlserver.caveats if c.id == "edition_limits"]
    assert "50 GB in SQL Server 2025" in caveat.text
    assert caveat.as_of == "SQL Server 2025"
    _sourced(caveat, "editions-and-components-of-sql-server-2025")
    assert "50 GB per database" in (sqlserver.licence.note or "")
    _sourced(sqlserver.licence, "editions-and-components-of-sql-server-2025")


def test_mongodb_on_gcp_has_firestore_compatibility(kb: KnowledgeBase) -> None:
    deployment = kb.databases["mongodb"].deployment
    assert "Firestore with MongoDB compatibility" in deployment.compatible.on("gcp")
    assert "Firestore with MongoDB compatibility" not in deployment.managed.on("gcp")
    assert "Firestore Enterprise edition" in (deployment.note or "")
    _sourced(deployment, "firestore/mongodb-compatibility")


def test_third_party_managed_cassandra_counts(kb: KnowledgeBase) -> None:
    deployment = kb.databases["cassandra"].deployment
    for cloud in ("aws", "azure", "gcp"):
        offered = deployment.managed.available(cloud)
        assert "DataStax Astra DB" in offered, cloud
        assert "Instaclustr for Apache Cassandra" in offered, cloud
    assert "Amazon Keyspaces" in deployment.compatible.on("aws"), "API-compatible, not Cassandra"
    _sourced(deployment, "AstraDatabaseCloudProvider", "instaclustr")


def test_redis_8_is_available_under_agplv3(kb: KnowledgeBase) -> None:
    licence = kb.databases["redis"].licence
    assert "AGPL-3.0-only" in licence.spdx and licence.osi_approved
    _sourced(licence, "redis.io/blog/agplv3")


def test_an_ending_offering_needs_sources_and_a_real_date(tmp_path: Path) -> None:
    text = _builtin("memcached")
    start = text.index("        sources:\n          - https://docs.cloud.google.com")
    end = text.index('        as_of: "2026-12-06"\n', start)
    broken = text[:start] + text[end:].replace('"2029-01-31"', '"2029-02-30"', 1)
    broken = broken.replace('retires: "2029-01-31"', 'retires: "2029-02-30"', 1)
    overlay = tmp_path / "memcached.yaml"
    overlay.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_knowledge_base([overlay])
    lines = caught.value.lines()
    assert any("deployment.managed.gcp[0]: a deprecated offering needs sources" in x for x in lines)
    assert any("gcp[0].retires: '2029-02-30' is not a date" in x for x in lines), lines


def test_a_plain_string_offering_is_generally_available(kb: KnowledgeBase) -> None:
    (atlas,) = kb.databases["mongodb"].deployment.managed.offers("aws")
    assert (atlas.name, atlas.status, atlas.for_new_workloads) == ("MongoDB Atlas", "ga", True)


NEW_2026 = {
    "oracle": ("LicenseRef-Oracle-Commercial", False, "relational"),
    "valkey": ("BSD-3-Clause", True, "key_value"),
    "scylladb": ("LicenseRef-ScyllaDB-Source-Available", False, "column_family"),
    "spanner": ("LicenseRef-proprietary", False, "distributed_sql"),
    "cockroachdb": ("LicenseRef-CockroachDB-Software-License", False, "distributed_sql"),
    "firestore": ("LicenseRef-proprietary", False, "document"),
    "bigtable": ("LicenseRef-proprietary", False, "column_family"),
    "opensearch": ("Apache-2.0", True, "search"),
    "timescaledb": ("LicenseRef-Timescale-License", False, "time_series"),
}


@pytest.mark.parametrize("db_id", sorted(NEW_2026))
def test_databases_added_in_2026_licences_and_categories(kb: KnowledgeBase, db_id: str) -> None:
    spdx, osi, category = NEW_2026[db_id]
    db = kb.database(db_id)
    assert (db.licence.spdx, db.licence.osi_approved, db.category) == (spdx, osi, category)


def test_twenty_three_databases(kb: KnowledgeBase) -> None:
    assert set(kb.databases) == SPEC_DATABASES | set(NEW_2026)


@pytest.mark.parametrize(
    ("db_id", "config", "guarantee", "cap", "pacelc"),
    [
        ("spanner", "regional_strong", "strong", "CP", "PC/EC"),
        ("cockroachdb", "serializable", "strong", "CP", "PC/EC"),
        ("scylladb", "one", "eventual", "AP", "PA/EL"),
        ("valkey", "single_node", "strong", "CP", "PC/EC"),
        ("bigtable", "single_cluster", "strong", "CP", "PC/EC"),
        ("firestore", "strong", "strong", "CP", "PC/EC"),
        ("opensearch", "near_real_time", "eventual", "AP", "PA/EL"),
        ("timescaledb", "single_server", "strong", "CP", "PC/EC"),
        ("oracle", "single_instance", "strong", "CP", "PC/EC"),
    ],
)
def test_consistency_defaults_of_the_2026_databases(
    kb: KnowledgeBase, db_id: str, config: str, guarantee: str, cap: str, pacelc: str
) -> None:
    default = kb.database(db_id).default_configuration()
    assert (default.id, default.guarantee, default.cap, default.pacelc) == (
        config,
        guarantee,
        cap,
        pacelc,
    )


def test_replicated_valkey_and_bigtable_multi_cluster_are_not_cp(kb: KnowledgeBase) -> None:
    for db_id, config_id in [
        ("valkey", "sentinel"),
        ("valkey", "cluster"),
        ("bigtable", "replicated_multi_cluster_routing"),
    ]:
        config = next(c for c in kb.database(db_id).consistency if c.id == config_id)
        assert (config.guarantee, config.cap) == ("eventual", "AP")


def test_timescaledb_apache_edition_is_the_open_source_one(kb: KnowledgeBase) -> None:
    apache = next(c for c in kb.database("timescaledb").consistency if c.licence is not None)
    assert apache.licence is not None
    assert (apache.licence.spdx, apache.licence.osi_approved) == ("Apache-2.0", True)


def test_timescaledb_keeps_every_capability_of_the_postgresql_it_extends(
    kb: KnowledgeBase,
) -> None:
    # A hypertable is a PostgreSQL table, so a capability PostgreSQL has cannot be missing
    # from TimescaleDB (a missing capability excludes a database from a workload needing it).
    postgresql, timescaledb = kb.database("postgresql"), kb.database("timescaledb")
    assert set(postgresql.capabilities) <= set(timescaledb.capabilities)


def test_spanner_multi_region_needs_enterprise_plus_and_is_not_multi_leader(
    kb: KnowledgeBase,
) -> None:
    config = next(c for c in kb.database("spanner").consistency if c.id == "multi_region_strong")
    assert config.edition == "Enterprise Plus"
    assert config.multi_region and not config.multi_region_writes


def test_skills_from_must_name_another_database(tmp_path: Path) -> None:
    text = _builtin("timescaledb")
    overlay = tmp_path / "timescaledb.yaml"
    overlay.write_text(text.replace("  - database: postgresql", "  - database: postgres", 1))
    line = text[: text.index("  - database: postgresql")].count("\n") + 1
    with pytest.raises(InputError) as caught:
        load_knowledge_base([overlay])
    (problem,) = caught.value.lines()
    assert problem.startswith(f"{overlay}:{line}:")
    assert "skills_from[0].database: 'postgres' is not another database" in problem
    assert "did you mean 'postgresql'" in problem
