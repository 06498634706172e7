"""The shipped examples validate with the model and against the printed JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import Result

from advisor.questions import question_book
from advisor.schema import EXAMPLE_SCHEMA_PATH, SCHEMA_ID, workload_schema
from advisor.workload import ANSWER_FIELDS, load_workload
from tests.support import EXAMPLES, ROOT

COMMITTED_SCHEMA = ROOT / "schema" / "workload.schema.json"


def test_there_are_at_least_four_examples() -> None:
    assert len(EXAMPLES) >= 4
    assert any(load_workload(p).single is False for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid(path: Path, cli: Callable[..., Result]) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={EXAMPLE_SCHEMA_PATH}"
    # The path resolves from the example's folder to the committed schema.
    assert (path.parent / EXAMPLE_SCHEMA_PATH).resolve() == COMMITTED_SCHEMA.resolve()
    load_workload(path)
    result = cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), workload_schema())


def test_ecommerce_has_five_components() -> None:
    workload = load_workload(Path("examples/ecommerce.yaml"))
    names = [c.name for c in workload.components]
    assert names == [
        "user_sessions",
        "inventory",
        "product_catalog",
        "order_processing",
        "recommendations",
    ]
    assert all(c.entities and c.access_patterns for c in workload.components)


def test_printed_schema_is_valid_draft_2020_12(cli: Callable[..., Result]) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == workload_schema()


def test_committed_schema_is_what_dbadvisor_schema_prints(cli: Callable[..., Result]) -> None:
    """schema/workload.schema.json is regenerated with `dbadvisor schema > ...`."""
    printed = cli("schema").stdout
    assert COMMITTED_SCHEMA.read_text(encoding="utf-8") == printed, (
        "schema/workload.schema.json is stale: run `dbadvisor schema > schema/workload.schema.json`"
    )


def test_schema_id_is_a_name_not_an_invented_address() -> None:
    assert workload_schema()["$id"] == SCHEMA_ID
    assert not SCHEMA_ID.startswith(("http://", "https://"))


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_every_object_forbids_unknown_keys() -> None:
    objects = list(_objects(workload_schema()))
    assert len(objects) >= 6
    assert all(o["additionalProperties"] is False for o in objects)


def test_every_question_has_its_description_from_questions_yaml() -> None:
    schema = workload_schema()
    book = question_book()
    component = schema["properties"]["components"]["items"]["properties"]
    for name in ANSWER_FIELDS:
        if name in ("scale", "entities", "access_patterns"):
            continue
        question = book.get(name)
        assert question is not None, name
        assert component[name]["title"] == question.prompt
        assert schema["properties"][name]["title"] == question.prompt
    for name in ("reads_per_sec", "writes_per_sec", "data_size_gb", "item_size_kb"):
        scale_question = book.get(f"scale.{name}")
        assert scale_question is not None
        assert schema["properties"]["scale"]["properties"][name]["title"] == scale_question.prompt
    assert "description" in schema["properties"]["context"]["properties"]["cloud"]


def test_every_enum_value_has_a_meaning_in_questions_yaml() -> None:
    book = question_book()

    def walk(node: Any, path: str) -> Iterator[tuple[str, list[str]]]:
        if isinstance(node, dict):
            if "enum" in node and path:
                yield path, node["enum"]
            for key, value in node.get("properties", {}).items():
                yield from walk(value, f"{path}.{key}" if path else key)
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    yield from walk(node[key], path)

    found = list(walk(workload_schema(), ""))
    assert found
    for path, values in found:
        question = book.get(path) or book.get(path.removeprefix("components."))
        assert question is not None and question.choices is not None, path
        assert sorted(question.choices) == sorted(values), path


def test_schema_rejects_both_forms() -> None:
    doc = {"name": "x", "use_case": "cache", "components": [{"name": "a"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, workload_schema())
