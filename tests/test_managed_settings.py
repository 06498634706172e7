"""Managed services: each names the settings a user sets in it, and reports print those.

With ``managed: preferred`` on AWS, a report that recommends PostgreSQL must name Amazon
RDS for PostgreSQL and give settings RDS exposes (Multi-AZ, parameter groups, read
replicas), not Patroni or ``synchronous_standby_names``. The knowledge base holds those
settings per managed offering (``deployment.managed_settings``) and per configuration
(``consistency[].managed``); these tests keep them sourced, dated, tied to offerings
that exist, and used by every output format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from advisor.engine import Engine
from advisor.errors import InputError
from advisor.kb import CLOUDS, Database, KnowledgeBase, ManagedSettings, load_knowledge_base
from advisor.workload import parse_workload
from tests.support import ROOT, database_overlay

Cli = Callable[..., Result]
ECOMMERCE = ROOT / "examples" / "ecommerce.yaml"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The products the report must name with their own settings: (database, cloud, service).
COVERED = [
    ("postgresql", "aws", "Amazon RDS for PostgreSQL"),
    ("postgresql", "azure", "Azure Database for PostgreSQL (flexible server)"),
    ("postgresql", "gcp", "Cloud SQL for PostgreSQL"),
    ("mysql", "aws", "Amazon RDS for MySQL"),
    ("mysql", "azure", "Azure Database for MySQL (flexible server)"),
    ("mysql", "gcp", "Cloud SQL for MySQL"),
    ("mongodb", "aws", "MongoDB Atlas"),
    ("mongodb", "azure", "MongoDB Atlas"),
    ("mongodb", "gcp", "MongoDB Atlas"),
    ("redis", "aws", "Amazon ElastiCache"),
    ("redis", "azure", "Azure Managed Redis"),
    ("redis", "gcp", "Memorystore for Redis"),
    ("valkey", "aws", "Amazon ElastiCache for Valkey"),
    ("valkey", "gcp", "Memorystore for Valkey"),
    ("cassandra", "aws", "DataStax Astra DB"),
    ("sqlserver", "aws", "Amazon RDS for SQL Server"),
    ("sqlserver", "azure", "Azure SQL Database"),
    ("sqlserver", "gcp", "Cloud SQL for SQL Server"),
    ("oracle", "aws", "Amazon RDS for Oracle"),
    ("oracle", "azure", "Oracle Database@Azure"),
    ("neo4j", "aws", "Neo4j AuraDB"),
    ("valkey", "aws", "Amazon MemoryDB for Valkey"),
    ("opensearch", "aws", "Amazon OpenSearch Service"),
    ("cockroachdb", "gcp", "CockroachDB Cloud"),
    ("couchbase", "azure", "Couchbase Capella"),
    ("cassandra", "azure", "Azure Managed Instance for Apache Cassandra"),
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _entries(db: Database) -> Iterator[tuple[str, ManagedSettings]]:
    """Every managed-settings entry of a database, with where it sits."""
    for i, entry in enumerate(db.deployment.managed_settings):
        yield f"{db.id}.deployment.managed_settings[{i}]", entry
    for config in db.consistency:
        for i, entry in enumerate(config.managed):
            yield f"{db.id}.consistency.{config.id}.managed[{i}]", entry


def test_every_managed_settings_entry_has_sources_and_a_date(kb: KnowledgeBase) -> None:
    count = 0
    for db in kb.databases.values():
        for where, entry in _entries(db):
            count += 1
            assert entry.sources, where
            assert all(s.startswith("https://") for s in entry.sources), where
            assert DATE.fullmatch(entry.as_of), (where, entry.as_of)
            assert entry.settings.strip(), where
    assert count >= len(COVERED)


def test_every_named_service_is_an_offering_that_takes_new_workloads(kb: KnowledgeBase) -> None:
    for db in kb.databases.values():
        seen: set[tuple[str, str]] = set()
        for where, entry in _entries(db):
            assert entry.service in db.deployment.managed.available(entry.cloud), where
        for entry in db.deployment.managed_settings:
            assert (entry.cloud, entry.service) not in seen, (db.id, entry.service)
            seen.add((entry.cloud, entry.service))


@pytest.mark.parametrize(("db_id", "cloud", "service"), COVERED)
def test_the_main_managed_products_have_their_own_settings(
    kb: KnowledgeBase, db_id: str, cloud: str, service: str
) -> None:
    entry = kb.databases[db_id].deployment.settings_in(cloud, service)
    assert entry is not None and entry.service == service


def test_rds_settings_are_ones_rds_exposes(kb: KnowledgeBase) -> None:
    rds = kb.databases["postgresql"].deployment.settings_in("aws", "Amazon RDS for PostgreSQL")
    assert rds is not None
    for setting in ("Multi-AZ", "parameter group", "read replicas"):
        assert setting in rds.settings
    # Named only to say it is not needed: no Patroni setting to make on RDS.
    assert "synchronous_standby_names" not in rds.settings
    assert "no Patroni" in rds.settings


def test_self_hosted_settings_are_not_the_managed_ones(kb: KnowledgeBase) -> None:
    # A service's settings differ from every configuration's self-hosted ones.
    for db in kb.databases.values():
        own = {c.settings for c in db.consistency}
        for where, entry in _entries(db):
            assert entry.settings not in own, where


def test_the_loader_rejects_a_service_not_offered_on_that_cloud(tmp_path: Path) -> None:
    path = database_overlay(
        tmp_path,
        "postgresql",
        "      service: Cloud SQL for PostgreSQL\n",
        "      service: Cloud SQL for PostgresQL\n",
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([path])
    text = "\n".join(caught.value.lines())
    assert "managed_settings" in text
    assert "'Cloud SQL for PostgresQL' is not a managed offering on gcp" in text
    assert "did you mean 'Cloud SQL for PostgreSQL'" in text


def test_the_loader_rejects_a_service_listed_twice(tmp_path: Path) -> None:
    path = database_overlay(
        tmp_path,
        "mongodb",
        "    - cloud: azure\n      service: MongoDB Atlas\n",
        "    - cloud: aws\n      service: MongoDB Atlas\n",
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([path])
    assert "'MongoDB Atlas' on aws is listed twice" in "\n".join(caught.value.lines())


def test_the_loader_wants_sources_for_managed_settings(tmp_path: Path) -> None:
    path = database_overlay(
        tmp_path,
        "neo4j",
        "        - https://neo4j.com/docs/aura/classic/aurads/create-instance\n",
        "",
    )
    # Dropping one of three sources is fine; dropping the list is not.
    load_knowledge_base([path])
    text = path.read_text(encoding="utf-8")
    bare = re.sub(
        r"(service: Neo4j AuraDB\n(?:.*\n)*?)      sources:\n(        - .*\n)+", r"\1", text
    )
    assert bare != text
    path.write_text(bare, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_knowledge_base([path])
    assert "sources" in "\n".join(caught.value.lines())


# Output: every format names the service and prints its settings, not the self-hosted ones.


def _workload(tmp_path: Path, **context: str) -> Path:
    text = ECOMMERCE.read_text(encoding="utf-8")
    for key, value in context.items():
        text, count = re.subn(rf"(?m)^  {key}: .*$", f"  {key}: {value}", text, count=1)
        assert count == 1, key
    path = tmp_path / "workload.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(cli: Cli, path: Path, fmt: str) -> str:
    result = cli("recommend", str(path), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _inventory(report: str) -> dict[str, object]:
    components = json.loads(report)["components"]
    found: dict[str, object] = next(c for c in components if c["name"] == "inventory")
    return found


def test_json_names_the_service_and_its_settings(cli: Cli) -> None:
    inventory = _inventory(_run(cli, ECOMMERCE, "json"))
    assert inventory["recommendation"] == {
        "database": "postgresql",
        "category": "relational",
        "score": inventory["recommendation"]["score"],  # type: ignore[index]
    }
    managed = inventory["managed_service"]
    assert isinstance(managed, dict)
    assert managed["cloud"] == "aws"
    assert managed["service"] == "Amazon RDS for PostgreSQL"
    assert "Multi-AZ" in managed["settings"]
    assert "synchronous_standby_names" not in managed["settings"]
    assert managed["sources"] and managed["as_of"]
    assert managed["settings_scope"] in ("configuration", "service")
    assert managed["self_hosted_settings_only"] is False
    # The configuration keeps its self-hosted settings: fields are added, never changed.
    assert "synchronous_standby_names" in inventory["configuration"]["settings"]  # type: ignore[index]


def test_text_markdown_and_adr_print_the_service_settings(cli: Cli) -> None:
    text = _run(cli, ECOMMERCE, "text")
    panel = text.split("─ inventory ")[1].split("╭─")[0]
    assert "Run on: Amazon RDS for PostgreSQL" in panel
    assert "Configure on Amazon RDS for PostgreSQL:" in panel
    assert "Configure: synchronous_standby_names" not in panel
    markdown = _run(cli, ECOMMERCE, "markdown")
    section = markdown.split("\n## inventory\n")[1].split("\n## ")[0]
    setup = section.split("### Configuration to use")[1].split("###")[0]
    assert "- Settings on Amazon RDS for PostgreSQL: " in setup
    assert "synchronous_standby_names" not in setup
    adr = _run(cli, ECOMMERCE, "adr")
    assert "* Run it on Amazon RDS for PostgreSQL: " in adr
    assert "Configure PostgreSQL (Amazon RDS for PostgreSQL) as:" not in adr


def test_settings_made_in_the_application_are_kept_beside_the_service_ones(cli: Cli) -> None:
    catalog = next(
        c
        for c in json.loads(_run(cli, ECOMMERCE, "json"))["components"]
        if c["name"] == "product_catalog"
    )
    assert catalog["recommendation"]["database"] == "mongodb"
    assert catalog["managed_service"]["service"] == "MongoDB Atlas"
    assert catalog["managed_service"]["configuration_settings_apply"] is True
    markdown = _run(cli, ECOMMERCE, "markdown")
    section = markdown.split("\n## product\\_catalog\n")[1].split("\n## ")[0]
    assert "- Settings on MongoDB Atlas: " in section
    assert "- In the application (the same on MongoDB Atlas): writeConcern" in section


@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_cloud_gets_its_own_service(cli: Cli, tmp_path: Path, cloud: str) -> None:
    inventory = _inventory(_run(cli, _workload(tmp_path, cloud=cloud), "json"))
    if inventory["recommendation"]["database"] != "postgresql":  # type: ignore[index]
        pytest.skip("another database wins on this cloud")
    managed = inventory["managed_service"]
    assert isinstance(managed, dict)
    expected = dict((c, s) for d, c, s in COVERED if d == "postgresql")[cloud]
    assert managed["service"] == expected
    assert managed["settings"]


@pytest.mark.parametrize("managed", ["self_hosted", "no_preference"])
def test_self_hosted_settings_stay_without_a_managed_preference(
    cli: Cli, tmp_path: Path, managed: str
) -> None:
    path = _workload(tmp_path, managed=managed)
    inventory = _inventory(_run(cli, path, "json"))
    assert inventory["managed_service"] is None
    markdown = _run(cli, path, "markdown")
    section = markdown.split("\n## inventory\n")[1].split("\n## ")[0]
    assert "- Run on: " not in section and "- Settings: " in section
    text = _run(cli, path, "text")
    assert "Run on: " not in text and "Configure: " in text


def test_no_service_settings_when_no_one_cloud_is_named(cli: Cli, tmp_path: Path) -> None:
    inventory = _inventory(_run(cli, _workload(tmp_path, cloud="any"), "json"))
    managed = inventory["managed_service"]
    assert isinstance(managed, dict)
    assert managed["cloud"] is None and managed["service"] is None
    assert managed["settings"] is None and managed["self_hosted_settings_only"] is True
    assert len(managed["services"]) >= 3  # every cloud's


def test_charts_are_compact_and_narrow_for_few_contenders(cli: Cli, tmp_path: Path) -> None:
    # Seen in a browser: at mermaid's default 700x500 a two-bar chart filled the screen
    # with its value labels; the size follows the number of bars and stays short. Offline
    # sync leaves two contenders (Firestore, and Couchbase through Couchbase Mobile).
    few = tmp_path / "few.yaml"
    few.write_text("name: mobile\nneeds: [offline_sync]\n", encoding="utf-8")
    sizes = []
    for example in (ECOMMERCE, few):
        text = _run(cli, example, "markdown")
        for chart in re.findall(r"```mermaid\n(xychart-beta\n.*?)```", text, re.S):
            width = int(re.search(r'"width": (\d+)', chart).group(1))  # type: ignore[union-attr]
            height = int(re.search(r'"height": (\d+)', chart).group(1))  # type: ignore[union-attr]
            bars = len(re.search(r"bar \[(.*)\]", chart).group(1).split(", "))  # type: ignore[union-attr]
            sizes.append((bars, width))
            assert height <= 360
    assert sorted(sizes)[0][1] < sorted(sizes)[-1][1]  # fewer bars, narrower chart


FAILOVER_ADVICE = "a failover manager that promotes only synchronous standbys"


def test_self_hosted_advice_is_left_out_on_a_managed_service(cli: Cli) -> None:
    inventory = _inventory(_run(cli, ECOMMERCE, "json"))
    flags = {c["id"]: c["self_hosted_only"] for c in inventory["caveats"]}  # type: ignore[attr-defined]
    assert flags["async_replication_loses_commits"] is True
    assert flags["read_committed_default"] is False
    markdown = _run(cli, ECOMMERCE, "markdown")
    section = markdown.split("\n## inventory\n")[1].split("\n## ")[0]
    assert FAILOVER_ADVICE not in section and "Read Committed" in section
    assert FAILOVER_ADVICE not in _run(cli, ECOMMERCE, "adr")
    panel = _run(cli, ECOMMERCE, "text").split("─ inventory ")[1].split("╭─")[0]
    assert "synchronous_standby_names" not in panel


def test_self_hosted_advice_stays_when_self_hosted(cli: Cli, tmp_path: Path) -> None:
    path = _workload(tmp_path, managed="self_hosted")
    markdown = _run(cli, path, "markdown")
    section = markdown.split("\n## inventory\n")[1].split("\n## ")[0]
    assert FAILOVER_ADVICE in " ".join(section.split())


def test_self_hosted_caveats_belong_to_databases_one_can_run(kb: KnowledgeBase) -> None:
    flagged = [(db.id, c.id) for db in kb.databases.values() for c in db.caveats if c.self_hosted]
    assert ("postgresql", "async_replication_loses_commits") in flagged
    for db_id, _ in flagged:
        assert kb.databases[db_id].deployment.self_hosted, db_id


@pytest.mark.parametrize(("managed", "self_managed"), [("preferred", True), ("self_hosted", False)])
def test_self_managed_edition_is_named_for_self_managed_deployments_only(
    managed: str, self_managed: bool, kb: KnowledgeBase
) -> None:
    # Neo4j's clustered configurations need Enterprise Edition when run on your own
    # servers; on AuraDB the service tier provides them, so "Needs Enterprise Edition"
    # alone would send a managed user to buy a licence the service already includes.
    text = ECOMMERCE.read_text(encoding="utf-8").replace(
        "managed: preferred", f"managed: {managed}"
    )
    result = Engine(kb).score(parse_workload(text, "ecommerce.yaml"))
    (component,) = [c for c in result.components if c.name == "recommendations"]
    assert component.recommendation is not None
    assert component.recommendation.database == "neo4j"
    configuration = component.configuration
    assert configuration is not None
    editions = [a for a in configuration.advice if "Neo4j Enterprise Edition" in a]
    assert len(editions) == 1
    if self_managed:
        assert editions[0].startswith("Self-managed, this needs Neo4j Enterprise Edition")
        assert "Neo4j AuraDB" in editions[0]
    else:
        assert editions[0].startswith("Needs Neo4j Enterprise Edition")
