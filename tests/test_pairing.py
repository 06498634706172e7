"""Companion stores: when the report should say "pair X with Y" (rules/scoring/companions.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import Result

from advisor.engine import ComponentResult, Engine
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.pairing import pairings
from advisor.workload import parse_workload

CATALOG = """
name: shop
context: {{cloud: {cloud}, managed: {managed}}}
components:
  - name: catalog
    use_case: product_catalog
    data_shape: nested
    relationships: few
    query_complexity: medium
    consistency: eventual
    read_write_ratio: read_heavy
    needs: [full_text_search, secondary_indexes]
    scale: {{reads_per_sec: 5000, writes_per_sec: 100, data_size_gb: 50}}
"""

METRICS = """
name: fleet
components:
  - name: metrics
    use_case: iot_telemetry
    data_shape: series
    relationships: none
    query_complexity: simple
    consistency: eventual
    read_write_ratio: write_heavy
    needs: [aggregations, ttl]
    scale: {reads_per_sec: 200, writes_per_sec: 50000, data_size_gb: 5000}
"""


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _one(kb: KnowledgeBase, text: str) -> ComponentResult:
    (component,) = Engine(kb).score(parse_workload(text, "inline.yaml")).components
    return component


def test_a_busy_catalogue_with_full_text_search_pairs_its_store_with_a_search_engine(
    kb: KnowledgeBase,
) -> None:
    component = _one(kb, CATALOG.format(cloud="aws", managed="preferred"))
    assert component.recommendation is not None
    winner = component.recommendation.database
    (pairing,) = pairings(kb, component)
    assert (pairing.primary, pairing.companion, pairing.category) == (
        winner,
        "opensearch",
        "search",
    )
    assert pairing.text.startswith(f"pair {kb.databases[winner].name} with OpenSearch: ")
    assert pairing.sources


def test_no_pairing_where_the_context_rules_the_companion_out(kb: KnowledgeBase) -> None:
    # No cloud runs OpenSearch as a first-party managed service on Azure.
    component = _one(kb, CATALOG.format(cloud="azure", managed="required"))
    assert pairings(kb, component) == ()


def test_high_volume_metrics_with_rollups_pair_with_a_time_series_engine(
    kb: KnowledgeBase,
) -> None:
    component = _one(kb, METRICS)
    assert component.recommendation is not None
    # 50,000 writes/s outgrow one PostgreSQL primary, so a scale-out store wins the
    # component and the time-series engine is named beside it for the rollups.
    assert component.recommendation.category != "time_series"
    assert [p.companion for p in pairings(kb, component)] == ["timescaledb"]


def test_a_search_engine_is_never_paired_with_itself(kb: KnowledgeBase) -> None:
    component = _one(kb, CATALOG.format(cloud="aws", managed="preferred"))
    opensearch = next(e for e in component.ranking if e.database == "opensearch")
    as_search = replace(component, recommendation=opensearch)
    assert pairings(kb, as_search) == ()


def test_a_companion_naming_an_unknown_database_is_reported_at_its_line(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    overlay = tmp_path / "pairs.yaml"
    overlay.write_text(
        "companions:\n"
        "  - id: ours.pair\n"
        "    when: {needs: {contains: full_text_search}}\n"
        "    add: [opensaerch]\n"
        "    category: search\n"
        "    why: A search engine beside the store of record.\n"
        "    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", str(overlay))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{overlay}:4:")
    assert "unknown database 'opensaerch'" in line and "opensearch" in line


def test_the_engine_result_and_the_json_carry_the_pairings(kb: KnowledgeBase) -> None:
    from advisor.render.json_report import result_dict

    result = Engine(kb).score(parse_workload(CATALOG.format(cloud="aws", managed="preferred"), "x"))
    (component,) = result.components
    assert component.companions == pairings(kb, component)
    (shown,) = result_dict(result)["components"][0]["companions"]
    (pairing,) = component.companions
    assert shown == {
        "database": "opensearch",
        "category": "search",
        "beside": pairing.primary,
        "rule": "pair.search_index",
        "reason": pairing.text,
        "sources": list(pairing.sources),
    }


def test_the_polyglot_warning_counts_companion_stores(kb: KnowledgeBase) -> None:
    # Two components on two databases, one of them with a search engine beside it: the
    # system runs three databases, which is what the warning is for.
    text = CATALOG.format(cloud="aws", managed="preferred") + (
        "  - name: sessions\n"
        "    use_case: session_store\n"
        "    data_shape: blob\n"
        "    relationships: none\n"
        "    query_complexity: simple\n"
        "    consistency: eventual\n"
        "    durability: ephemeral\n"
        "    latency_ms: 1\n"
        "    needs: [ttl]\n"
        "    scale: {reads_per_sec: 20000, writes_per_sec: 2000, data_size_gb: 5}\n"
    )
    result = Engine(kb).score(parse_workload(text, "x"))
    winners = {c.recommendation.database for c in result.components if c.recommendation}
    assert len(winners) == 2 and "opensearch" not in winners
    assert result.system.databases == tuple(sorted(winners))
    first = result.system.warnings[0]
    assert first.startswith("This system would run 3 different databases")
    assert "with OpenSearch beside them" in first


def test_rules_show_resolves_a_companion_rule(cli: Callable[..., Result]) -> None:
    result = cli("rules", "show", "pair.search_index")
    assert result.exit_code == 0
    assert "add: opensearch (search)" in result.stdout
    assert "defined in: " in result.stdout
