"""The reports' structure and length: what an architect pastes comes first and fits.

The Markdown report opens with a one-screen decision summary (database, configuration,
deciding reasons, runner-up and what would flip it, risks), then per-component detail,
then an appendix; every claim's numbered reference resolves to one listed source; the
engine's internal answers never show. The decision records carry MADR 4.0 front matter
with only the people given, refuse MADR-unknown statuses, and supersede rather than
duplicate an earlier record of the same component.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.support import EXAMPLES, ROOT, database_overlay

Cli = Callable[..., Result]
ECOMMERCE = ROOT / "examples" / "ecommerce.yaml"
SESSIONS = ROOT / "examples" / "session-store.yaml"
CITE = re.compile(r"\[\\\[(\d+)\\\]\]\(<([^>]+)>\)")
LISTED = re.compile(r"^(\d+)\. <([^>]+)>$", re.M)
# The ecommerce report before the summary-first layout: 586 lines, 4,436 words.
LINES_BEFORE = 586


def _markdown(cli: Cli, example: Path) -> str:
    result = cli("recommend", str(example), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _sections(text: str) -> list[tuple[str, str]]:
    """The report's level-2 sections: ``(heading, body)`` in order."""
    parts = re.split(r"(?m)^## (.+)$", text)
    return list(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_summary_comes_first_then_detail_then_appendix(cli: Cli, example: Path) -> None:
    text = _markdown(cli, example)
    headings = [h for h, _ in _sections(text)]
    assert headings[0] == "Decision summary"
    assert headings[-2:] == ["Appendix", "Sources"]
    summary = dict(_sections(text))["Decision summary"]
    components = text.count("\n**Recommendation: ") + text.count("\n**No database is eligible")
    # One screen: the table, a note, and a short block per component.
    assert len(summary.strip().splitlines()) <= 16 + 10 * components
    for marker in ("- Configuration: ", "- Deciding: ", "- Runner-up: ", "- Risk: "):
        assert summary.count(marker) == components, marker
    assert "| Needs | Recommended configuration gives |" in summary


def test_the_ecommerce_report_is_shorter_than_before(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    assert len(text.splitlines()) < LINES_BEFORE
    summary = dict(_sections(text))["Decision summary"]
    assert len(summary.strip().splitlines()) <= 60


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_internal_answers(cli: Cli, example: Path) -> None:
    for fmt in ("markdown", "adr"):
        out = cli("recommend", str(example), "--format", fmt, "--date", "2026-11-24").stdout
        assert "derived." not in out, fmt


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_reference_resolves_to_one_listed_source(cli: Cli, example: Path) -> None:
    text = _markdown(cli, example)
    body, _, sources = text.rpartition("\n## Sources\n")
    listed = {int(n): url for n, url in LISTED.findall(sources)}
    assert sorted(listed) == list(range(1, len(listed) + 1)), "numbered 1..N"
    assert len(set(listed.values())) == len(listed), "each source listed once"
    cited = CITE.findall(body)
    assert cited, "claims carry references"
    for number, url in cited:
        assert listed[int(number)] == url
    assert {int(n) for n, _ in cited} == set(listed), "every listed source is cited"
    # Numbers are given in order of first citation.
    firsts = list(dict.fromkeys(int(n) for n, _ in cited))
    assert firsts == sorted(firsts)


def test_caveats_and_reasons_carry_their_own_references(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    inventory = dict(_sections(text))["inventory"]
    caveats = inventory.split("### Caveats", 1)[1]
    for line in caveats.strip().splitlines():
        assert CITE.search(line), line
    assert "Run 12.4 or later" in caveats and "jepsen.io/analyses/postgresql-12.3" in caveats


def test_labels_say_needs_and_what_the_configuration_gives(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    row = next(line for line in text.splitlines() if line.startswith("| user\\_sessions |"))
    # Redis with Sentinel is labelled AP by convention; its note says neither strictly.
    assert "AP (not strictly: neither CP nor AP)" in row
    assert "| AP, PA/EL, BASE |" in row
    inventory = next(line for line in text.splitlines() if line.startswith("| inventory |"))
    assert "strong reads, CP, PC/EC" in inventory and "not strictly" not in inventory


def test_managed_service_is_named_with_settings_it_exposes(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    inventory = dict(_sections(text))["inventory"]
    assert "- Run on: Amazon RDS for PostgreSQL" in inventory
    managed = next(line for line in inventory.splitlines() if line.startswith("- Settings on "))
    assert "Multi-AZ" in managed and "synchronous_standby_names" not in managed
    assert "Patroni synchronous" not in managed
    # The service's settings replace the self-hosted ones, which RDS does not expose.
    assert "- Self-hosted instead: " not in inventory
    assert "synchronous_standby_names" not in inventory.split("### Why")[0]
    ledger = _markdown(cli, ROOT / "examples" / "ledger.yaml")  # self-hosted on premises
    assert "- Run on: " not in ledger and "- Settings: " in ledger


def test_the_loader_rejects_managed_settings_for_an_unknown_service(tmp_path: Path) -> None:
    from advisor.errors import InputError
    from advisor.kb import load_knowledge_base

    redis = database_overlay(
        tmp_path, "redis", "service: Amazon ElastiCache\n", "service: Amazon Nothing\n"
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([redis])
    assert "'Amazon Nothing' is not a managed offering on aws" in "\n".join(caught.value.lines())


def test_charts_show_the_contenders_on_a_visible_axis_with_values(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    charts = re.findall(r"```mermaid\n(xychart-beta\n.*?)```", text, re.S)
    assert len(charts) == 5
    for chart in charts:
        assert '"showDataLabel": true' in chart
        axis = re.search(r"y-axis \"Score\" (\d+) --> (\d+)", chart)
        bars = re.search(r"bar \[(.*)\]", chart)
        assert axis is not None and bars is not None
        low, high = int(axis.group(1)), int(axis.group(2))
        scores = [float(s) for s in bars.group(1).split(", ")]
        assert 0 < low < min(scores) and max(scores) <= high <= 100
        assert high - low <= 50, "a 0-100 axis hides a gap of a point"


def test_system_flowchart_groups_components_and_is_left_out_for_one_database(cli: Cli) -> None:
    text = _markdown(cli, ECOMMERCE)
    flowchart = re.search(r"```mermaid\n(flowchart .*?)```", text, re.S)
    assert flowchart is not None
    nodes = re.findall(r'\[\("([^"]+)"\)\]', flowchart.group(1))
    assert sorted(nodes) == ["MongoDB", "Neo4j", "PostgreSQL", "Redis"], "one node per database"
    assert "## System" not in _markdown(cli, SESSIONS)


ADR = ["recommend", str(ECOMMERCE), "--format", "adr", "--date", "2026-11-24"]


def _front(record: str) -> str:
    return record.split("\n---\n", 1)[0]


def test_adr_front_matter_lists_only_the_people_given(cli: Cli) -> None:
    bare = cli(*ADR).stdout
    assert "decision-makers" not in bare and "consulted" not in bare and "[]" not in _front(bare)
    full = cli(
        *ADR,
        "--decision-maker",
        "Ana",
        "--consulted",
        "DBA team",
        "--consulted",
        "SRE",
        "--informed",
        "Product",
    ).stdout
    front = _front(full)
    assert 'decision-makers: ["Ana"]' in front
    assert 'consulted: ["DBA team", "SRE"]' in front
    assert 'informed: ["Product"]' in front


@pytest.mark.parametrize("status", ["proposed", "accepted", "rejected", "deprecated"])
def test_adr_accepts_madr_statuses(cli: Cli, status: str) -> None:
    result = cli(*ADR, "--status", status)
    assert result.exit_code == 0
    assert f'status: "{status}"' in result.stdout


def test_adr_refuses_other_statuses(cli: Cli) -> None:
    superseded = cli(*ADR, "--status", "superseded by ADR-0003")
    assert superseded.exit_code == 0 and 'status: "superseded by ADR-0003"' in superseded.stdout
    for bogus in ("bogus", "Accepted", "superseded by", ""):
        result = cli(*ADR, "--status", bogus)
        assert result.exit_code == 2, bogus
        assert len(result.stderr.strip().splitlines()) == 1
        assert "is not a MADR status" in result.stderr


def test_adr_rerun_refuses_then_supersedes_with_force(cli: Cli, tmp_path: Path) -> None:
    first = cli(*ADR, "-o", str(tmp_path))
    assert first.exit_code == 0, first.stderr
    before = sorted(p.name for p in tmp_path.iterdir())
    again = cli(*ADR, "-o", str(tmp_path))
    assert again.exit_code == 2
    assert "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing written"
    forced = cli(*ADR, "-o", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.stderr
    after = sorted(tmp_path.iterdir())
    assert len(after) == 2 * len(before)
    for old, new in zip(after[: len(before)], after[len(before) :], strict=True):
        assert f'status: "superseded by ADR-{new.name[:4]}"' in old.read_text(encoding="utf-8")
        assert 'status: "proposed"' in new.read_text(encoding="utf-8")
    # The superseded records no longer stand: a third run supersedes only the new ones.
    third = cli(*ADR, "-o", str(tmp_path), "--force")
    assert third.exit_code == 0
    texts = [p.read_text(encoding="utf-8") for p in sorted(tmp_path.iterdir())]
    assert sum('status: "proposed"' in t for t in texts) == len(before)


def _records(text: str) -> list[str]:
    return ["---\nstatus:" + part for part in re.split(r"(?m)^---\nstatus:", text)[1:]]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_adr_sections_argue_instead_of_repeating(cli: Cli, example: Path) -> None:
    out = cli("recommend", str(example), "--format", "adr", "--date", "2026-11-24").stdout
    for record in _records(out):
        drivers = record.split("## Decision Drivers", 1)[1].split("## Considered Options")[0]
        numbered = re.findall(r"(?m)^\d+\. ", drivers)
        assert 1 <= len(numbered) <= 6, "a few prioritised forces, not every answer"
        consequences = record.split("### Consequences", 1)[1].split("### Confirmation")[0]
        pros = record.split("## Pros and Cons of the Options", 1)[1].split("## More Information")[0]
        pro_lines = {line for line in pros.splitlines() if line.startswith("* ")}
        consequence_lines = [line for line in consequences.splitlines() if line.startswith("* ")]
        assert not pro_lines & set(consequence_lines), "consequences repeat the pros"
        assert any(line.startswith("* Neutral, because") for line in consequence_lines)
        options = re.split(r"(?m)^### ", pros)[1:]
        goods = [line for o in options for line in o.splitlines() if line.startswith("* Good")]
        assert len(goods) == len(set(goods)), "two options share an identical Good line"
        assert not re.search(r"because (run|keep|use|choose) ", record, re.I)


def test_a_component_with_no_eligible_database_still_renders_cleanly(
    cli: Cli, tmp_path: Path
) -> None:
    from pymarkdown.api import PyMarkdownApi

    workload = tmp_path / "impossible.yaml"
    workload.write_text(
        "version: 1\nname: impossible\ncontext: {cloud: on_prem, licensing: open_source}\n"
        "use_case: session_store\ntransactions: multi_record\n"
        "needs: [ttl, graph_traversal, pub_sub, time_series, offline_sync]\n",
        encoding="utf-8",
    )
    api = (
        PyMarkdownApi()
        .disable_rule_by_identifier("md013")
        .set_boolean_property("extensions.front-matter.enabled", True)
        .set_boolean_property("plugins.md024.siblings_only", True)
    )
    for fmt in ("markdown", "adr"):
        result = cli("recommend", str(workload), "--format", fmt, "--date", "2026-11-24")
        assert result.exit_code == 0, result.stderr
        failures = [
            f"{f.line_number}: {f.rule_id}" for f in api.scan_string(result.stdout).scan_failures
        ]
        assert not failures, (fmt, failures)
    markdown = cli("recommend", str(workload), "--format", "markdown").stdout
    assert "**impossible**: no database is eligible." in markdown
    assert "xychart-beta" not in markdown


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_adr_references_resolve(cli: Cli, example: Path) -> None:
    out = cli("recommend", str(example), "--format", "adr", "--date", "2026-11-24").stdout
    for record in _records(out):
        body, _, sources = record.rpartition("\nSources (knowledge base ")
        listed = {int(n): url for n, url in LISTED.findall(sources)}
        assert sorted(listed) == list(range(1, len(listed) + 1))
        cited = CITE.findall(body)
        assert {int(n) for n, _ in cited} == set(listed)
        for number, url in cited:
            assert listed[int(number)] == url
        consequences = body.split("### Consequences", 1)[1].split("### Confirmation")[0]
        for line in consequences.splitlines():
            if line.startswith("* Bad, because") and "leads" not in line:
                assert CITE.search(line), f"a caveat without its reference: {line}"
