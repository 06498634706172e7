"""The JSON Schema (draft 2020-12) of the workload file, generated from the model itself."""

from __future__ import annotations

from typing import Any

from advisor.questions import describe
from advisor.typed import json_schema
from advisor.workload import ANSWER_FIELDS, WorkloadFile

# A name, not an address: the schema is committed at schema/workload.schema.json and
# printed by `dbadvisor schema`; files point at a copy with a relative `$schema` path.
SCHEMA_ID = "urn:dbadvisor:workload:1"
# The `$schema` comment of the shipped examples, relative to the examples folder.
EXAMPLE_SCHEMA_PATH = "../schema/workload.schema.json"


def workload_schema() -> dict[str, Any]:
    """The schema of a workload file, with every question's wording as its description."""
    body = json_schema(WorkloadFile, describe)
    body["properties"]["version"]["const"] = 1
    # The two forms are exclusive: with `components:`, no question may sit at top level.
    body["allOf"] = [
        {
            "if": {"required": ["components"]},
            "then": {"not": {"anyOf": [{"required": [name]} for name in ANSWER_FIELDS]}},
        }
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "dbadvisor workload",
        "description": (
            "A workload for dbadvisor: one component (questions at top level) or several "
            "named components of one system. Every question is optional."
        ),
        **{k: v for k, v in body.items() if k not in {"title", "description"}},
    }
