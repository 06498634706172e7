"""Bad and hostile input: one clean line on stderr, exit 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from advisor.errors import InputError
from advisor.workload import load_workload, parse_workload, validate_document
from advisor.yamlload import MAX_BYTES, parse

VALID = "name: shop\nuse_case: cache\n"

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
        for i in range(8)
    ]
)

# name -> (file content, text the single error line must contain)
CASES: dict[str, tuple[str | bytes, str]] = {
    "empty": ("", "file is empty"),
    "only_comment": ("# nothing here\n", "file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    "latin1": ("name: caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
    "syntax_error": ("name: [unclosed\n", "YAML syntax error"),
    "top_level_list": ("- name: x\n", "expected a mapping, got a list"),
    "top_level_scalar": ("just text\n", "expected a mapping, got a string"),
    "missing_name": ("use_case: cache\n", "missing required key 'name'"),
    "unknown_key": ("name: x\nconsistncy: strong\n", "did you mean 'consistency'?"),
    "bad_enum": (
        "name: x\nconsistency: strng\n",
        "'strng' is not one of eventual, session, strong (did you mean 'strong'?)",
    ),
    "wrong_type": ("name: x\nlatency_ms: fast\n", "latency_ms: expected a number, got a string"),
    "negative_number": ("name: x\nscale: {reads_per_sec: -5}\n", "must be >= 0, got -5"),
    "zero_latency": ("name: x\nlatency_ms: 0\n", "must be > 0"),
    "both_forms": (
        "name: x\nuse_case: cache\ncomponents:\n  - name: a\n",
        "cannot be combined with 'components:'",
    ),
    "empty_components": ("name: x\ncomponents: []\n", "needs at least 1 item"),
    "duplicate_components": (
        "name: x\ncomponents:\n  - name: a\n  - name: a\n",
        "duplicate component name 'a'",
    ),
    "unknown_entity": (
        "name: x\nentities:\n  - {name: User, key: id, fields: {id: string}}\n"
        "access_patterns:\n  - {name: p, entity: Usr, kind: get, by: [id]}\n",
        "entity 'Usr' is not defined in this component (did you mean 'User'?)",
    ),
    "unknown_field": (
        "name: x\nentities:\n  - {name: User, key: id, fields: {id: string}}\n"
        "access_patterns:\n  - {name: p, entity: User, kind: get, by: [idd]}\n",
        "'idd' is not a field of User (did you mean 'id'?)",
    ),
    "alias_bomb": (BILLION_LAUGHS, "anchors (&name) are not allowed"),
    "python_tag": (
        "name: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
        "tag '!!python/object/apply:os.system' is not allowed",
    ),
    "duplicate_key": ("name: a\nname: b\n", "duplicate key 'name' (first defined at line 1)"),
    "deep_nesting": ("name: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than 64 levels"),
    "deep_block_nesting": (
        "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)),
        "nesting deeper than 64 levels",
    ),
    "wrong_version": ("version: 2\nname: x\n", "unsupported version 2"),
    "long_name": ("name: " + "x" * 101 + "\n", "must be 1-100 characters long, got 101"),
    "tabs": ("name: x\nscale:\n\treads_per_sec: 1\n", "tab character"),
    "several_documents": ("name: a\n---\nname: b\n", "several YAML documents"),
    "merge_key": ("name: x\nscale:\n  <<: {reads_per_sec: 1}\n", "merge keys"),
    "huge_integer": ("name: x\nscale: {reads_per_sec: " + "9" * 5000 + "}\n", "cannot read"),
    "nan": ("name: x\nlatency_ms: .nan\n", "must be a finite number"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clean_line(
    name: str, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    content, expected = CASES[name]
    path = write(f"{name}.yaml", content)
    result = cli("validate", str(path))
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{path}:"), lines[0]
    assert expected in lines[0]
    assert "Traceback" not in result.output + result.stderr
    assert result.stdout == ""


def test_python_tag_executes_nothing(
    tmp_path: Path, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    marker = tmp_path / "pwned"
    path = write("evil.yaml", f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    assert cli("validate", str(path)).exit_code == 2
    assert not marker.exists()


def test_huge_file_is_refused_without_reading_it(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"name: x\n")
        chunk = (b"# padding" + b"x" * 1014 + b"\n") * 1024
        for _ in range(60):
            handle.write(chunk)
    assert path.stat().st_size > 60 * 1024 * 1024
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:1:1: file is larger than {MAX_BYTES // 1024} KiB; refusing to parse it"
    ]


def test_missing_path_and_directory(tmp_path: Path, cli: Callable[..., Result]) -> None:
    missing = tmp_path / "nope.yaml"
    result = cli("validate", str(missing), str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{missing}:1:1: no such file",
        f"{tmp_path}:1:1: is a directory, not a file",
    ]


def test_unreadable_file(
    write: Callable[[str, str | bytes], Path], cli: Callable[..., Result]
) -> None:
    import os

    path = write("secret.yaml", VALID)
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: nothing to test here
        pytest.skip("running as a user who can read mode-000 files")
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert "permission denied" in result.stderr


def test_validate_reports_every_problem_in_every_file(
    write: Callable[[str, str | bytes], Path], cli: Callable[..., Result]
) -> None:
    one = write("one.yaml", "name: x\nconsistency: strng\nlatency_ms: -1\n")
    two = write("two.yaml", "name: y\nusecase: cache\n")
    good = write("good.yaml", VALID)
    result = cli("validate", str(one), str(good), str(two))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"{one}:2:14: consistency:")
    assert lines[1].startswith(f"{one}:3:13: latency_ms:")
    assert lines[2] == f"{two}:2:1: usecase: unknown key 'usecase' (did you mean 'use_case'?)"
    assert f"{good}: ok (1 component)" in result.stdout


def test_validate_json_format(
    write: Callable[[str, str | bytes], Path], cli: Callable[..., Result]
) -> None:
    import json

    bad = write("bad.yaml", "name: x\nconsistency: strng\n")
    result = cli("validate", "--format", "json", str(bad))
    assert result.exit_code == 2
    problems = json.loads(result.stdout)
    assert problems == [
        {
            "file": str(bad),
            "line": 2,
            "column": 14,
            "path": "consistency",
            "message": "'strng' is not one of eventual, session, strong (did you mean 'strong'?)",
        }
    ]
    good = write("good.yaml", VALID)
    result = cli("validate", "--format", "json", str(good))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_positions_point_at_the_value(write: Callable[[str, str | bytes], Path]) -> None:
    text = "name: x\ncomponents:\n  - name: a\n    scale:\n      item_size_kb: -3\n"
    with pytest.raises(InputError) as caught:
        parse_workload(text, "w.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (
        5,
        21,
        "components[0].scale.item_size_kb",
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        validate_document(parse(text, "random.yaml"))
    except InputError as error:
        assert error.problems and all(p.file == "random.yaml" for p in error.problems)


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["name", "use_case", "scale", "components", "entities", "fields", "kind", "x"]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=30,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(yaml_values)
def test_random_yaml_never_crashes(value: object) -> None:
    import yaml

    text = yaml.safe_dump(value)
    try:
        validate_document(parse(text, "random.yaml"))
    except InputError as error:
        assert error.problems


def test_a_control_character_is_reported_where_it_stands(
    write: Callable[[str, str | bytes], Path],
) -> None:
    path = write("w.yaml", 'name: a\ndescription: "x\x1by"\n')
    with pytest.raises(InputError) as raised:
        load_workload(path)
    (problem,) = raised.value.problems
    assert (problem.line, problem.column) == (2, 16)
    assert problem.message == "unacceptable character #x001b: control characters are not allowed"


ONE_PASS = """\
name: x
multi_region: no
scale: {reads_per_sec: 5k, data_size_gb: 2TB}
needs: [ttl, ttl, bogus]
entities:
  - {name: User, key: id, fields: {user_id: string, at: geo}}
  - {name: Order, key: order_id, fields: {order_id: strng}}
access_patterns:
  - {name: p, entity: User, kind: near, by: [at]}
  - {name: q, entity: Usr, kind: get}
"""


def test_validate_reports_type_and_reference_problems_in_one_pass(
    write: Callable[[str, str | bytes], Path], cli: Callable[..., Result]
) -> None:
    """Type problems no longer hide the reference checks: one run shows them all."""
    path = write("w.yaml", ONE_PASS)
    result = cli("validate", str(path))
    assert result.exit_code == 2
    found = [line.removeprefix(f"{path}:").split(": ", 1)[1] for line in result.stderr.splitlines()]
    assert found == [
        "multi_region: 'no' is read as a yes/no answer here; "
        "answer none, replicas or active_active",
        "scale.reads_per_sec: expected a number, got a string '5k'; write 5000",
        "scale.data_size_gb: expected a number, got a string '2TB'; write 2000 (GB)",
        "needs[1]: 'ttl' is listed twice",
        "needs[2]: 'bogus' is not one of ttl, pub_sub, full_text_search, geospatial, "
        "change_streams, sorted_sets, counters, secondary_indexes, aggregations, joins, "
        "graph_traversal, time_series, transactions, streams, atomic_updates, offline_sync, "
        "vector_search",
        "entities[0].key: key 'id' is not one of the entity's fields (did you mean 'user_id'?)",
        "entities[1].fields.order_id: 'strng' is not one of string, int, float, decimal, bool, "
        "datetime, list, map, geo (did you mean 'string'?)",
        "access_patterns[0].kind: a 'near' read on a geo field is a geospatial query, but "
        "'geospatial' is not in needs; add it to needs (or serve this read from another "
        "component and drop the pattern)",
        "access_patterns[1].entity: entity 'Usr' is not defined in this component "
        "(did you mean 'User'?)",
    ]
    # Fixing every reported problem leaves a valid file: there was no second round.
    fixed = (
        ONE_PASS.replace("no\n", "none\n", 1)
        .replace("5k", "5000")
        .replace("2TB", "2000")
        .replace("ttl, ttl, bogus", "ttl, geospatial")
        .replace("key: id", "key: user_id")
        .replace("strng", "string")
        .replace("Usr", "User")
    )
    assert cli("validate", str(write("fixed.yaml", fixed))).exit_code == 0


@pytest.mark.parametrize(
    ("fields", "key", "hint"),
    [
        ("{user_id: string, name: string}", "id", " (did you mean 'user_id'?)"),
        ("{user_id: string, order_id: string}", "id", " (did you mean 'user_id'?)"),
        ("{order_id: string, item_id: string}", "id", ""),
        ("{user_id: string}", "usr_id", " (did you mean 'user_id'?)"),
    ],
)
def test_unknown_key_suggests_the_field_it_shortens(fields: str, key: str, hint: str) -> None:
    text = f"name: x\nentities:\n  - {{name: User, key: {key}, fields: {fields}}}\n"
    with pytest.raises(InputError) as caught:
        parse_workload(text, "w.yaml")
    (problem,) = caught.value.problems
    assert problem.message == f"key '{key}' is not one of the entity's fields{hint}"


def test_near_pattern_on_a_geo_field_with_geospatial_is_valid() -> None:
    text = (
        "name: x\nneeds: [geospatial]\n"
        "entities:\n  - {name: Store, key: id, fields: {id: string, at: geo}}\n"
        "access_patterns:\n  - {name: p, entity: Store, kind: near, by: [at]}\n"
    )
    assert parse_workload(text).components[0].needs == ("geospatial",)
    # The same read in a component of a several-component file is checked there too.
    several = text.replace("name: x\n", "name: x\ncomponents:\n  - name: c\n", 1)
    several = "\n".join(
        line if i < 3 else "    " + line for i, line in enumerate(several.splitlines())
    ).replace("needs: [geospatial]", "needs: [ttl]")
    with pytest.raises(InputError) as caught:
        parse_workload(several + "\n")
    assert [p.path for p in caught.value.problems] == ["components[0].access_patterns[0].kind"]


def test_traverse_pattern_needs_graph_traversal() -> None:
    text = (
        "name: x\nneeds: [ttl]\n"
        "entities:\n  - {name: Person, key: id, fields: {id: string}}\n"
        "access_patterns:\n  - {name: p, entity: Person, kind: traverse, by: [id]}\n"
    )
    with pytest.raises(InputError) as caught:
        parse_workload(text)
    (problem,) = caught.value.problems
    assert problem.path == "access_patterns[0].kind"
    assert problem.message.startswith(
        "a 'traverse' read walks relationships, but 'graph_traversal' is not in needs"
    )
    fixed = text.replace("needs: [ttl]", "needs: [ttl, graph_traversal]")
    assert parse_workload(fixed).components[0].needs == ("ttl", "graph_traversal")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("needs: ttl", "needs: expected a list, got a string; write [ttl]"),
        (
            "consistency: [strong]",
            "consistency: expected one answer, got a list; answer eventual, session or strong",
        ),
        ("latency_ms: 50ms", "latency_ms: expected a number, got a string '50ms'; write 50"),
        (
            "scale: {item_size_kb: 1.5MB}",
            "scale.item_size_kb: expected a number, got a string '1.5MB'; write 1500 (KB)",
        ),
    ],
)
def test_type_mismatches_are_explained_in_the_users_words(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_workload(f"name: x\n{text}\n", "w.yaml")
    (problem,) = caught.value.problems
    assert f"{problem.path}: {problem.message}".startswith(message)


GROUPED = """name: x
entities:
  - name: Entry
    key: id
    optional: [memo]
    fields: {{id: string, account: string, direction: string, amount: decimal, at: datetime,
             memo: string, legs: int, final: bool}}
access_patterns:
  - {{name: p, entity: Entry, kind: {kind}, by: [account], group_by: {group}}}
"""


@pytest.mark.parametrize(
    ("kind", "group", "message"),
    [
        (
            "query",
            "direction",
            "access_patterns[0].group_by: only an aggregate groups its totals, not a 'query'",
        ),
        ("aggregate", "directon", "'directon' is not a field of Entry (did you mean 'direction'?)"),
        ("aggregate", "at", "'at' is a datetime field; group by a string, int or bool field"),
        ("aggregate", "amount", "'amount' is a decimal field"),
        ("aggregate", "memo", "'memo' is optional in Entry, so items without it would be in no"),
        ("aggregate", "id", "'id' is Entry's key, so every item would be its own group"),
        ("aggregate", "account", "'account' is also in by, so every item read has the same value"),
    ],
)
def test_group_by_names_a_required_discrete_field_of_an_aggregate(
    kind: str, group: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_workload(GROUPED.format(kind=kind, group=group), "w.yaml")
    assert str(caught.value).startswith("w.yaml:9:")
    assert message in str(caught.value)


@pytest.mark.parametrize("group", ["direction", "legs", "final"])
def test_group_by_accepts_string_int_and_bool_fields(group: str) -> None:
    workload = parse_workload(GROUPED.format(kind="aggregate", group=group), "w.yaml")
    assert workload.components[0].access_patterns[0].group_by == group
