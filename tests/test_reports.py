"""Reports on the shipped examples: golden files, Markdown lint, MADR headings, writing.

Golden files are the reviewed output of every format for every example; they change only
on purpose (``pytest --update-golden``) and are compared byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.support import EXAMPLES, ROOT

GOLDEN = ROOT / "tests" / "golden" / "reports"
FORMATS = {"markdown": "md", "json": "json", "text": "txt", "adr": "adr.md"}
ADR_DATE = "2026-11-24"
Cli = Callable[..., Result]


def _args(example: Path, fmt: str) -> list[str]:
    extra = ["--date", ADR_DATE, "--decision-maker", "Architecture board"] if fmt == "adr" else []
    return ["recommend", str(example), "--format", fmt, *extra]


def test_every_output_format_has_golden_files() -> None:
    from advisor.cli import OutputFormat

    assert set(FORMATS) == {f.value for f in OutputFormat}


def golden_path(example: Path, fmt: str) -> Path:
    """Where the golden output of one example in one format lives."""
    return GOLDEN / f"{example.stem}.{FORMATS[fmt]}"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_golden(example: Path, fmt: str, cli: Cli, request: pytest.FixtureRequest) -> None:
    result = cli(*_args(example, fmt))
    assert result.exit_code == 0, result.stderr
    golden = golden_path(example, fmt)
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), f"missing {golden}; run pytest --update-golden"
    assert result.stdout == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_input_same_bytes(fmt: str, cli: Cli) -> None:
    first, second = (cli(*_args(EXAMPLES[0], fmt)).stdout for _ in range(2))
    assert first == second


def test_text_fits_80_columns(cli: Cli) -> None:
    for example in EXAMPLES:
        out = cli(*_args(example, "text")).stdout
        assert max(len(line) for line in out.splitlines()) <= 80
        assert "\x1b[" not in out, "NO_COLOR and a non-terminal mean no escape codes"


def _markdown_goldens() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*.md"))


def _documents(golden: Path) -> list[str]:
    """A golden file's Markdown documents: an ADR golden holds one record per component."""
    text = golden.read_text(encoding="utf-8")
    if not golden.name.endswith(".adr.md"):
        return [text]
    parts = re.split(r"(?m)^---\nstatus:", text)[1:]
    # Records on stdout are separated by one blank line, which belongs to neither.
    return ["---\nstatus:" + part.rstrip("\n") + "\n" for part in parts]


def test_markdown_passes_the_linter() -> None:
    from pymarkdown.api import PyMarkdownApi

    api = (
        PyMarkdownApi()
        # Long lines are the report's tables and sentences; MD013 is about prose style.
        .disable_rule_by_identifier("md013")
        # MADR records start with YAML front matter.
        .set_boolean_property("extensions.front-matter.enabled", True)
        # Each component repeats the same sub-headings under its own heading.
        .set_boolean_property("plugins.md024.siblings_only", True)
    )
    goldens = _markdown_goldens()
    assert len(goldens) == 2 * len(EXAMPLES)
    for golden in goldens:
        for document in _documents(golden):
            result = api.scan_string(document)
            failures = [
                f"{f.line_number}: {f.rule_id} {f.rule_description}" for f in result.scan_failures
            ]
            assert not failures, f"{golden.name}: {failures}"


def test_the_linter_catches_a_broken_document() -> None:
    from pymarkdown.api import PyMarkdownApi

    result = PyMarkdownApi().scan_string("# Title\n## Heading without a blank line\n")
    assert {f.rule_id for f in result.scan_failures} == {"MD022"}


MADR_HEADINGS = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "### Consequences",
    "### Confirmation",
    "## Pros and Cons of the Options",
    "## More Information",
]


def test_adr_follows_madr_4(cli: Cli) -> None:
    out = cli(*_args(ROOT / "examples" / "session-store.yaml", "adr")).stdout
    front, body = out.split("\n---\n", 1)
    assert front.startswith("---\n")
    assert re.search(r"^status: \"proposed\"$", front, re.M)
    assert re.search(rf"^date: {ADR_DATE}$", front, re.M)
    assert re.search(r"^decision-makers: \[\"Architecture board\"\]$", front, re.M)
    headings = [line for line in body.splitlines() if re.match(r"^##+ ", line)]
    level2 = [h for h in headings if h in MADR_HEADINGS]
    assert level2 == MADR_HEADINGS
    assert re.search(r'^Chosen option: "[^"]+", because ', body, re.M)
    assert body.count("# ") >= 1 and body.lstrip().startswith("# Use ")


def test_adr_files_are_numbered_in_the_folder(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "0007-use-postgres.md").write_text("earlier decision\n", encoding="utf-8")
    ecommerce = ROOT / "examples" / "ecommerce.yaml"
    result = cli(*_args(ecommerce, "adr"), "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written[0] == "0007-use-postgres.md"
    numbers = [name[:4] for name in written[1:]]
    assert numbers == ["0008", "0009", "0010", "0011", "0012"]
    assert all(re.fullmatch(r"\d{4}-choose-[a-z0-9-]+\.md", n) for n in written[1:])
    assert "-for-ecommerce-user-sessions.md" in " ".join(written)


def test_bad_adr_date_is_a_usage_error(cli: Cli) -> None:
    result = cli("recommend", str(EXAMPLES[0]), "--format", "adr", "--date", "24/11/2026")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "dbadvisor: --date: '24/11/2026' is not a date (YYYY-MM-DD)"
    ]


def test_output_refuses_to_overwrite_and_leaves_the_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("my notes\n", encoding="utf-8")
    result = cli("recommend", str(EXAMPLES[0]), "-o", str(target))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"], "no temporary left"
    forced = cli("recommend", str(EXAMPLES[0]), "-o", str(target), "--force")
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# Database recommendation")


def test_output_suffix_picks_the_format(cli: Cli, tmp_path: Path) -> None:
    cli("recommend", str(EXAMPLES[0]), "-o", str(tmp_path / "r.md"))
    cli("recommend", str(EXAMPLES[0]), "-o", str(tmp_path / "r.json"))
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("# ")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["format_version"] == 1


def test_report_cites_every_fired_rule_source(cli: Cli) -> None:
    report = json.loads(cli(*_args(EXAMPLES[0], "json")).stdout)
    markdown = cli(*_args(EXAMPLES[0], "markdown")).stdout
    rules = {
        line.split("\t")[0]
        for line in cli("rules", "list").stdout.splitlines()
        if not line.startswith("database:")
    }
    winner_rules = {
        r["rule"]
        for c in report["components"]
        for r in (c["ranking"][0]["reasons"] if c["recommendation"] else [])
        if r["rule"] in rules
    }
    assert winner_rules, "the example fires at least one knowledge-base rule"
    for rule_id in sorted(winner_rules):
        shown = cli("rules", "show", rule_id).stdout.splitlines()
        sources = [line.removeprefix("source: ") for line in shown if line.startswith("source: ")]
        assert sources
        for source in sources:
            assert f"<{source}>" in markdown


def test_compare_text_balances_blocks_and_keeps_labels_whole(cli: Cli) -> None:
    out = cli("compare", "postgresql", "mongodb", "redis", "cassandra", "--format", "text")
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    headers = [line for line in lines if line.startswith("┃")]
    names = [[cell.strip() for cell in h.strip("┃").split("┃")][1:] for h in headers]
    assert names == [["PostgreSQL", "MongoDB"], ["Redis", "Apache Cassandra"]]
    assert max(len(line) for line in lines) <= 80
    from advisor.render.compare import ROWS

    words = {word for label, _ in ROWS for word in label.split()}
    labels = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    pieces = {word for label in labels for word in label.split()}
    assert pieces <= words, f"label words broken: {sorted(pieces - words)}"


def test_compare_blocks_are_as_even_as_can_be() -> None:
    from advisor.render.compare import _blocks

    assert _blocks(3, 3) == [0]
    assert _blocks(4, 3) == [0, 2]
    assert _blocks(5, 3) == [0, 3]
    assert _blocks(7, 3) == [0, 3, 5]


def test_compare_sizes_are_human_and_pub_sub_follows_capabilities(cli: Cli) -> None:
    from advisor.kb import load_knowledge_base
    from advisor.render.compare import human_size, table

    assert [human_size(kb) for kb in (400, 1024, 16384, 524288, 1048576)] == [
        "400 KB",
        "1 MB",
        "16 MB",
        "512 MB",
        "1 GB",
    ]
    kb = load_knowledge_base()
    databases = list(kb.databases.values())
    rows = dict(table(databases))
    for db, pub_sub, ttl in zip(databases, rows["pub/sub"], rows["TTL"], strict=True):
        assert (pub_sub != "no") == ("pub_sub" in db.capabilities), db.id
        assert (ttl != "no") == ("ttl" in db.capabilities), db.id
        assert pub_sub not in ("-", ""), db.id
    assert "e+" not in " ".join(rows["max item"])
    out = cli("compare", "postgresql", "--format", "markdown").stdout
    assert "| max item | 1 GB |" in out
    assert "LISTEN/NOTIFY" in next(line for line in out.splitlines() if "| pub/sub |" in line)


def test_compare_labels_a_not_strict_configuration(cli: Cli) -> None:
    out = cli("compare", "redis", "postgresql", "--format", "markdown").stdout
    row = next(line for line in out.splitlines() if line.startswith("| consistency"))
    redis, postgresql = row.split(" | ")[1:3]
    assert "Sentinel failover: eventual, AP (not strictly: neither CP nor AP), PA/EL" in redis
    # PostgreSQL's synchronous quorum configuration is CP without qualification.
    assert "primary: strong, CP, PC/EC" in postgresql


MOVING_OFF = (
    "name: events\ncontext: {team_expertise: [cassandra]}\ndata_shape: series\n"
    "read_write_ratio: write_heavy\ndurability: durable\n"
    "scale: {writes_per_sec: 100000, growth: outgrows_one_server}\nreplacing: [cassandra]\n"
)


def test_every_format_words_staying_on_a_replaced_database(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "moving.yaml"
    path.write_text(MOVING_OFF, encoding="utf-8")

    def report(fmt: str) -> str:
        result = cli(*_args(path, fmt))
        assert result.exit_code == 0, result.stderr
        return result.stdout

    excluded = "Apache Cassandra is the database this component is moving off"
    markdown = report("markdown")
    assert f"excluded by `constraint.replacing` ({excluded})" in markdown
    assert "| replacing | cassandra | keep cassandra | Apache Cassandra |" in markdown
    adr = report("adr")
    assert "the component stayed on cassandra (dropped from `replacing`): Apache Cassandra" in adr
    assert "is not a database the component is moving off (cassandra)" in adr
    assert "Moving off cassandra (`replacing`)" in adr
    assert "from cassandra to cassandra" not in adr
    assert "replacing: cassandra -> keep cassandra picks cassandra" in report("text")
    (component,) = json.loads(report("json"))["components"]
    assert {"answer": "replacing", "from": "cassandra", "to": "cassandra"}.items() <= next(
        c for c in component["what_would_change"] if c["answer"] == "replacing"
    ).items()
