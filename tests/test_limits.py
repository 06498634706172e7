"""Hostile sizes and special files: every limit answers with exit 2 and one line, no hang.

These are the attacks of the hardening issue (items 4, 5 and 9), each as a test. They
assert behaviour only (exit codes, line counts, finiteness), never timings: the
timings are in the commit messages that removed the slow paths.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advisor.errors import MAX_PROBLEMS_PER_FILE, InputError, Problem, capped
from advisor.kb import MAX_POINTS
from advisor.workload import (
    MAX_AMOUNT,
    MAX_COMPONENTS,
    MAX_ENTITIES,
    MAX_FIELDS,
    MAX_PATTERNS,
    MAX_TOTAL_ENTITIES,
    MAX_TOTAL_PATTERNS,
    parse_workload,
)
from advisor.yamlload import MAX_BYTES
from tests.support import ROOT

LEADERBOARD = ROOT / "examples" / "leaderboard.yaml"
# Generous for a slow shared machine: a hang is what this catches, not slowness.
HANG_TIMEOUT = 60

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, so a hang fails the test instead of blocking it."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        env={**os.environ, "DBADVISOR_RULES": "", "NO_COLOR": "1"},
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str] | Result) -> str:
    """The single stderr line of a failed run (asserting exit 2 and no traceback)."""
    code = (
        result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    )
    assert code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --- item 9: special files ------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("command", ["validate", "recommend", "scaffold"])
def test_fifo_workload_is_refused(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "workload.yaml"
    os.mkfifo(fifo)
    extra = ["--db", "mongodb", "-o", str(tmp_path / "out")] if command == "scaffold" else []
    line = one_line(run(command, str(fifo), *extra))
    assert line == f"{fifo}:1:1: is a FIFO (named pipe), not a regular file"


@needs_fifo
def test_fifo_rules_overlay_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "overlay.yaml"
    os.mkfifo(fifo)
    line = one_line(run("recommend", "--rules", str(fifo), str(LEADERBOARD)))
    assert line == f"{fifo}:1:1: is a FIFO (named pipe), not a regular file"


@needs_fifo
def test_fifo_in_overlay_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    os.mkfifo(folder / "late.yaml")
    line = one_line(run("rules", "validate", str(folder)))
    assert line == f"{folder / 'late.yaml'}:1:1: is a FIFO (named pipe), not a regular file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_character_device_is_refused(device: str, cli: Callable[..., Result]) -> None:
    # /dev/zero never ends and /dev/null looks empty: neither is a workload file.
    line = one_line(cli("validate", device))
    assert line == f"{device}:1:1: is a character device, not a regular file"


def test_directory_as_rules_overlay_file_is_expanded_not_read(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    # A folder overlay is a documented form; an empty one adds nothing.
    result = cli("rules", "validate", str(tmp_path))
    assert result.exit_code == 0, result.output


# --- item 5: rule points --------------------------------------------------------------


def overlay(rules: list[tuple[str, str, float]]) -> str:
    """An overlay of ``when: {}`` rules, each giving ``points`` to one database or category."""
    lines = ["rules:"]
    for rule_id, target, points in rules:
        kind = "categories" if target in ("document", "relational") else "databases"
        lines += [
            f"  - id: {rule_id}",
            "    when: {}",
            # YAML 1.1 reads 1e308 as a string: a float needs the dot and the exponent's sign.
            f"    points: {{{kind}: {{{target}: {points:.6e}}}}}",
            "    why: An overlay rule that tests the bounds on points.",
            "    sources: [https://example.com/limits]",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("points", "shown"),
    [(-20000.0, "-20000"), (1.0e308, "1e+308"), (MAX_POINTS + 0.5, "100.5")],
)
def test_points_out_of_bounds_are_refused_at_load(
    points: float, shown: str, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.big", "mongodb", points)]))
    line = one_line(cli("recommend", "--rules", str(path), str(LEADERBOARD)))
    assert line == (
        f"{path}:4:35: rules[0].points.databases.mongodb: "
        f"points must be between -100 and 100, got {shown}"
    )


def test_category_points_are_bounded_too(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.big", "document", -101.0)]))
    line = one_line(cli("rules", "validate", str(path)))
    assert line.startswith(f"{path}:4:")
    assert "rules[0].points.categories.document: points must be between" in line


HUGE = "9" * 400  # an integer YAML reads, too large for any float


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("item_size_kb", "scale.item_size_kb"),
        ("data_size_gb", "scale.data_size_gb"),
        ("per_sec", "access_patterns[0].per_sec"),
    ],
)
def test_an_integer_too_large_for_a_float_is_one_line(
    field: str, where: str, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    # It passed the loader and then raised OverflowError where it met a float ("{:g}").
    text = LEADERBOARD.read_text(encoding="utf-8")
    start = text.index(f" {field}: ") + len(field) + 3
    end = text.index("\n", start)
    path = write("w.yaml", text[:start] + HUGE + text[end:])
    for fmt in ("json", "text", "markdown", "adr"):
        line = one_line(cli("recommend", "--format", fmt, str(path)))
        assert line.endswith(f" {where}: is too large: 400 digits, at most 308 are allowed")


def test_integer_points_too_large_for_a_float_are_one_line(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.big", "mongodb", 1.0)]).replace("1.000000e+00", HUGE))
    line = one_line(cli("rules", "validate", str(path)))
    assert line == f"{path}:4:35: rules[0].points.databases.mongodb: " + (
        "is too large: 400 digits, at most 308 are allowed"
    )


def test_the_bound_itself_is_allowed(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.max", "mongodb", -MAX_POINTS)]))
    result = cli("rules", "validate", str(path))
    assert result.exit_code == 0, result.output


def finite_everywhere(value: object) -> bool:
    """Whether every number in a JSON value is finite."""
    if isinstance(value, dict):
        return all(finite_everywhere(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_everywhere(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_many_max_value_rules_keep_every_score_finite(
    sign: float, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    # Thousands of rules at the bound: the total is far past what exp() takes directly.
    rules = [(f"x.r{i}", "mongodb", sign * MAX_POINTS) for i in range(3000)]
    rules += [(f"x.c{i}", "relational", sign * MAX_POINTS) for i in range(1000)]
    path = write("overlay.yaml", overlay(rules))
    result = cli("recommend", "--rules", str(path), str(LEADERBOARD), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert finite_everywhere(report)
    ranking = {e["database"]: e for e in report["components"][0]["ranking"]}
    assert math.isfinite(ranking["mongodb"]["points"])
    # The shipped rules move the total by a few points either way.
    assert abs(ranking["mongodb"]["points"]) > 2900 * MAX_POINTS
    assert ranking["mongodb"]["score"] == (100.0 if sign > 0 else 0.0)
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout


# --- item 4: bounded work -------------------------------------------------------------


def components(count: int) -> str:
    """A workload of ``count`` small components."""
    items = "".join(f"  - {{name: c{i}, use_case: cache}}\n" for i in range(count))
    return f"name: w\ncomponents:\n{items}"


def entities(count: int, fields: int = 1) -> str:
    """One component with ``count`` entities of ``fields`` fields each."""
    names = ", ".join(f"f{i}: string" for i in range(fields))
    items = "".join(f"  - {{name: e{i}, key: f0, fields: {{{names}}}}}\n" for i in range(count))
    return f"name: w\nentities:\n{items}"


def patterns(count: int, by: int = 1) -> str:
    """One entity and ``count`` access patterns of ``by`` equality fields each."""
    names = ", ".join(f"f{i}" for i in range(by))
    fields = ", ".join(f"f{i}: string" for i in range(min(max(by, 1), MAX_FIELDS)))
    items = "".join(
        f"  - {{name: p{i}, entity: E, kind: get, by: [{names}], limit: 1}}\n" for i in range(count)
    )
    return (
        f"name: w\nentities:\n  - {{name: E, key: f0, fields: {{{fields}}}}}\n"
        f"access_patterns:\n{items}"
    )


# (workload text, the line and path the one problem points at, what is counted)
OVER = {
    "components": (components(20000), "3:3: components", "20000 components", MAX_COMPONENTS),
    "entities": (entities(15000), "3:3: entities", "15000 entities", MAX_ENTITIES),
    "fields": (entities(1, MAX_FIELDS + 1), "3:33: entities[0].fields", "201 fields", MAX_FIELDS),
    "patterns": (patterns(15000), "5:3: access_patterns", "15000 access patterns", MAX_PATTERNS),
    "by": (patterns(1, MAX_FIELDS + 1), "5:42: access_patterns[0].by", "201 entries", MAX_FIELDS),
}


@pytest.mark.parametrize("name", sorted(OVER))
def test_over_limit_is_one_line_before_any_work(
    name: str, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    text, where, counted, limit = OVER[name]
    path = write(f"{name}.yaml", text)
    assert path.stat().st_size < MAX_BYTES  # under the size cap: the count limit is what acts
    for args in (["validate"], ["recommend", "--format", "json"]):
        line = one_line(cli(*args, str(path)))
        assert line == f"{path}:{where}: {counted}; at most {limit} are allowed"


@pytest.mark.parametrize(
    "text",
    [
        components(MAX_COMPONENTS),
        entities(MAX_ENTITIES),
        entities(1, MAX_FIELDS),
        patterns(MAX_PATTERNS),
        patterns(1, MAX_FIELDS),
    ],
)
def test_at_the_limit_is_accepted(text: str) -> None:
    parse_workload(text)


def several(count: int, one: str) -> str:
    """``count`` components, each the body of the single-component workload ``one``."""
    body = one.removeprefix("name: w\n").replace("\n", "\n    ").rstrip()
    items = "".join(f"  - name: c{i}\n    {body}\n" for i in range(count))
    return f"name: w\ncomponents:\n{items}"


@pytest.mark.parametrize(
    ("one", "per", "total", "what"),
    [
        (entities(MAX_ENTITIES), MAX_ENTITIES, MAX_TOTAL_ENTITIES, "entities"),
        (patterns(MAX_PATTERNS), MAX_PATTERNS, MAX_TOTAL_PATTERNS, "access patterns"),
    ],
)
def test_workload_wide_totals(
    one: str, per: int, total: int, what: str, write: Callable[[str, str | bytes], Path]
) -> None:
    at_most = total // per
    parse_workload(several(at_most, one))  # each component at its own limit, total within
    over = at_most + 1
    with pytest.raises(InputError) as caught:
        parse_workload(several(over, one), "w.yaml")
    assert caught.value.lines() == [
        f"w.yaml:3:3: components: {over * per} {what} across components; "
        f"at most {total} are allowed"
    ]


def test_scaffold_of_15000_patterns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "patterns.yaml"
    path.write_text(patterns(15000), encoding="utf-8")
    result = run("scaffold", str(path), "--db", "mongodb", "-o", str(tmp_path / "out"))
    assert one_line(result).endswith(
        "access_patterns: 15000 access patterns; at most 500 are allowed"
    )
    assert not (tmp_path / "out").exists()


def test_import_scan_memory_does_not_grow_with_the_code() -> None:
    """Scaffold reads each generated module's names for its imports: 500 patterns each
    by 200 fields (a workload under every limit) made 3 million tokens, and a list of
    them all took 800 MB. Streamed, the scan holds a few tokens whatever the length."""
    import tracemalloc

    from advisor.scaffold.render import used_names

    code = "x = f(a, b=c, d=e.g)\n" * 3000  # 63,000 tokens, 5 names
    tracemalloc.start()
    try:
        names = used_names(code)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert names == {"x", "f", "a", "c", "e"}
    assert peak < 2_000_000, f"{peak:,} bytes"  # a list of the tokens took 11 MB


def test_repeats_in_a_closed_set_are_refused_without_a_hint_each(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("needs.yaml", "name: w\nneeds: [" + ", ".join(["nope"] * 50000) + "]\n")
    line = one_line(cli("validate", str(path)))
    assert line == f"{path}:2:8: needs: 50000 entries, but only 17 distinct values exist"


def test_70000_unknown_keys_print_a_bounded_number_of_lines(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("unknown.yaml", "name: w\n" + "".join(f"k{i}: 1\n" for i in range(70000)))
    result = cli("validate", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_PROBLEMS_PER_FILE + 1
    assert lines[0] == f"{path}:2:1: k0: unknown key 'k0'"
    assert lines[-2] == f"{path}:101:1: k99: unknown key 'k99'"
    assert lines[-1] == f"{path}:102:1: ... and {70000 - MAX_PROBLEMS_PER_FILE} more problems"


def test_validate_json_carries_the_summary_too(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("unknown.yaml", "name: w\n" + "".join(f"k{i}: 1\n" for i in range(150)))
    result = cli("validate", "--format", "json", str(path))
    assert result.exit_code == 2
    problems = json.loads(result.stdout)
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    assert problems[-1]["message"] == "... and 50 more problems"


def test_misspellings_beyond_the_printed_ones_cost_no_hints(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    # 500 patterns naming 200 fields that do not exist: 100,000 problems, each of which
    # would otherwise be fuzzy-matched against 200 field names.
    fields = ", ".join(f"field{i}: string" for i in range(MAX_FIELDS))
    by = ", ".join(f"fieId{i}" for i in range(MAX_FIELDS))
    items = "".join(
        f"  - {{name: p{i}, entity: E, kind: get, by: [{by}]}}\n" for i in range(MAX_PATTERNS)
    )
    text = f"name: w\nentities:\n  - {{name: E, key: field0, fields: {{{fields}}}}}\n"
    path = write("by.yaml", f"{text}access_patterns:\n{items}")
    assert path.stat().st_size < MAX_BYTES
    result = cli("validate", str(path))
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_PROBLEMS_PER_FILE + 1
    assert lines[0].endswith("'fieId0' is not a field of E (did you mean 'field0'?)")
    assert lines[-1].endswith(
        f"... and {MAX_PATTERNS * MAX_FIELDS - MAX_PROBLEMS_PER_FILE} more problems"
    )


def test_capped_keeps_each_files_first_problems() -> None:
    def problem(file: str, line: int) -> Problem:
        return Problem(file, line, 1, "x", "bad")

    many = [problem("a", i) for i in range(1, 6)] + [problem("b", 1)] + [problem("a", 9)]
    assert capped(many, limit=3) == (
        problem("a", 1),
        problem("a", 2),
        problem("a", 3),
        Problem("a", 4, 1, "", "... and 3 more problems"),
        problem("b", 1),
    )
    assert capped(many[:4], limit=3)[-1].message == "... and 1 more problem"
    assert capped(many, limit=10) == tuple(many)


def test_schema_states_the_same_limits(cli: Callable[..., Result]) -> None:
    result = cli("schema")
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout)["properties"]
    component = top["components"]["items"]["properties"]
    assert top["components"]["maxItems"] == MAX_COMPONENTS
    assert component["entities"]["maxItems"] == MAX_ENTITIES
    assert component["access_patterns"]["maxItems"] == MAX_PATTERNS
    entity = component["entities"]["items"]["properties"]
    assert entity["fields"]["maxProperties"] == MAX_FIELDS
    assert component["access_patterns"]["items"]["properties"]["by"]["maxItems"] == MAX_FIELDS
    assert component["scale"]["properties"]["reads_per_sec"]["maximum"] == MAX_AMOUNT


def test_amounts_are_bounded_so_their_sums_stay_finite(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path], tmp_path: Path
) -> None:
    # Each of these was finite, but their sum (operations per second) and the scaffold's
    # capacity units were not: Infinity in the JSON and an OverflowError in scaffold.
    amounts = ("reads_per_sec", "writes_per_sec", "data_size_gb", "item_size_kb")
    text = LEADERBOARD.read_text(encoding="utf-8")
    at_limit, over = text, text
    for name in amounts:
        start = text.index(f" {name}: ") + len(name) + 3
        old = text[start : text.index("\n", start)]
        at_limit = at_limit.replace(f" {name}: {old}\n", f" {name}: {MAX_AMOUNT:.0f}\n")
        over = over.replace(f" {name}: {old}\n", f" {name}: 1.0e+308\n")
    bad = write("over.yaml", over)
    result = cli("validate", str(bad))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == len(amounts)
    assert "must be at most 1,000,000,000,000,000, got 1e+308" in result.stderr
    good = write("limit.yaml", at_limit)
    report = cli("recommend", "--format", "json", str(good))
    assert report.exit_code == 0, report.stderr
    json.loads(report.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    out = tmp_path / "project"
    made = cli("scaffold", str(good), "--db", "auto", "-o", str(out))
    assert made.exit_code == 0, made.stderr
    assert "Traceback" not in made.stderr
