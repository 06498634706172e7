"""Property-based fuzzing of the whole ``recommend --format json`` path.

Hypothesis writes workload files of three kinds: plausible ones built from the real
questions and their choices (``rules/questions.yaml``) with some answers swapped for
junk, documents of random keys and values (control characters, Unicode, wrong types,
nested lists, non-finite numbers), and text that is not YAML at all. Whatever the file,
``dbadvisor recommend FILE --format json`` must exit 0 or 2 without a traceback; on 2,
stderr holds one ``file:line:col: ...`` line per problem (as many as ``validate`` finds)
with no control characters; on 0, the JSON parses and every number in it is finite.
The examples are derandomised, so CI runs the same ones every time.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, get_args

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from advisor.cli import app
from advisor.questions import question_book
from advisor.workload import FieldType, PatternKind, UseCase

ENV = {"COLUMNS": "80", "NO_COLOR": "1", "DBADVISOR_RULES": ""}
HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
LOCATED = re.compile(r"(\d+):(\d+): .+")

# Text that tries every trick: escape sequences, bidi overrides, line separators, markup.
TRICKS = ["\x1b]0;t\x07", "\x1b[2J", "\x9b", "\u202e", "\u2028", "\x85", "\n", "[bold]", "`|*"]
tricky_text = (
    st.text(max_size=30)
    | st.sampled_from(TRICKS)
    | st.builds("".join, st.lists(st.sampled_from(TRICKS) | st.text(max_size=5), max_size=5))
)
numbers = (
    st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, 0.0, -1, 1e308, 5e-324, 10**400])  # 10**400: no float holds it
)
scalars = st.none() | st.booleans() | numbers | tricky_text
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=12,
)


def _choices() -> dict[str, list[str]]:
    """Each plain question path with its choices (an empty list for free answers)."""
    book = question_book()
    skip = ("components.", "entities.", "access_patterns.", "interview.", "version")
    return {
        q.path: list(q.choices or {})
        for q in book.questions
        if not q.path.startswith(skip) and q.path not in ("name", "description")
    }


CHOICES = _choices()
MANY = {"needs", "context.team_expertise"}


sane_numbers = st.integers(0, 10**9) | st.floats(min_value=0.001, max_value=1e12)
name_text = tricky_text.map(lambda t: t[:100] or "x")  # a valid name: 1 to 100 characters


def _answer(path: str, clean: bool) -> st.SearchStrategy[Any]:
    choices = CHOICES[path]
    if path in MANY:
        good: st.SearchStrategy[Any] = st.lists(st.sampled_from(choices), max_size=4, unique=True)
    elif choices:
        good = st.sampled_from(choices)
    else:  # latency_ms and scale.*: numbers, in a dirty document absurd ones too
        good = sane_numbers if clean else numbers
    return good if clean else st.one_of(good, good, good, junk)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def answers(clean: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Some of a component's questions answered (the rest left to "no preference")."""
    paths = [path for path in CHOICES if not path.startswith("context.")]
    return st.fixed_dictionaries({}, optional={p: _answer(p, clean) for p in paths}).map(_nest)


def context(clean: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the questions that apply to every component."""
    paths = [path for path in CHOICES if path.startswith("context.")]
    return st.fixed_dictionaries(
        {}, optional={p.split(".", 1)[1]: _answer(p, clean) for p in paths}
    )


field_types = st.sampled_from([t.value for t in FieldType])
kinds = st.sampled_from([k.value for k in PatternKind])


@st.composite
def model(draw: st.DrawFn, clean: bool) -> dict[str, Any]:
    """Entities and access patterns: consistent when clean, anything otherwise."""
    if clean:
        name, field = draw(name_text), draw(name_text.map(lambda t: f"f {t}"[:100]))
        fields = {"id": "string", field: draw(field_types)}
        return {
            "entities": [{"name": name, "key": "id", "fields": fields}],
            "access_patterns": [
                {"name": draw(name_text), "entity": name, "kind": "get", "by": ["id"]}
            ],
        }
    entities = st.fixed_dictionaries(
        {
            "name": tricky_text,
            "key": st.sampled_from(["id", "key"]) | tricky_text,
            "fields": st.dictionaries(tricky_text, field_types | junk, max_size=3),
        },
        optional={"parent": tricky_text},
    )
    patterns = st.fixed_dictionaries(
        {"name": tricky_text, "entity": tricky_text, "kind": kinds | junk},
        optional={
            "by": st.lists(tricky_text, max_size=3),
            "order_by": tricky_text,
            "limit": numbers,
            "per_sec": numbers,
            "descending": st.booleans() | junk,
        },
    )
    return {
        "entities": draw(st.lists(entities, max_size=2)),
        "access_patterns": draw(st.lists(patterns, max_size=2)),
    }


@st.composite
def component(draw: st.DrawFn, clean: bool) -> dict[str, Any]:
    """A component: a name and answers, sometimes a description, entities and patterns."""
    out = {"name": draw(name_text if clean else tricky_text), **draw(answers(clean))}
    if draw(st.booleans()):
        out["description"] = draw(tricky_text)
    if draw(st.integers(0, 3)) == 0:
        out.update(draw(model(clean)))
    return out


@st.composite
def plausible(draw: st.DrawFn) -> dict[str, Any]:
    """A workload built from the real questions; a third of them with junk mixed in."""
    clean = draw(st.integers(0, 2)) > 0
    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["version"] = 1 if clean else draw(st.sampled_from([1, 2]) | junk)
    if draw(st.booleans()):
        doc["context"] = draw(context(clean))
    if draw(st.booleans()):
        doc["components"] = draw(st.lists(component(clean), min_size=1, max_size=3))
    else:
        doc.update(draw(component(clean)))
    doc["name"] = draw(name_text if clean else tricky_text)
    if draw(st.booleans()):
        doc["description"] = draw(tricky_text)
    if not clean and draw(st.booleans()):  # a stray key, or a right key with a junk value
        doc[draw(tricky_text | st.sampled_from(["use_case", "components", "scale"]))] = draw(junk)
    return doc


def _yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


documents = st.one_of(
    plausible().map(_yaml),
    plausible().map(_yaml),
    st.dictionaries(tricky_text | st.sampled_from(list(CHOICES)), junk).map(_yaml),
    junk.map(_yaml),
    st.text(max_size=200),  # rarely YAML at all
    st.sampled_from(["", "---\n", "a: &x [*x]\n", "- 1\n- 2\n", "name: x\nname: y\n"]),
    st.builds(
        lambda name, use: f"name: {json.dumps(name)}\nuse_case: {use}\n",
        tricky_text,
        st.sampled_from(get_args(UseCase)),
    ),
)


def _finite(value: Any, where: str = "$") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _finite(item, f"{where}[{index}]")


def _no_constant(name: str) -> Any:
    raise AssertionError(f"JSON output holds {name}")


def _hidden(text: str) -> list[str]:
    return [c for c in text if c != "\n" and unicodedata.category(c) in HIDDEN]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents)
def test_recommend_json_survives_any_workload_file(text: str) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = runner.invoke(app, ["recommend", str(path), "--format", "json"], env=ENV)
        found = runner.invoke(app, ["validate", str(path), "--format", "json"], env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        text,
    )
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, text)
    event(f"exit {result.exit_code}")
    assert "Traceback" not in result.stdout + result.stderr
    assert not _hidden(result.stdout) and not _hidden(result.stderr), text
    lines = result.stderr.splitlines()
    assert lines == result.stderr.rstrip("\n").split("\n") if lines else result.stderr == ""
    if result.exit_code == 2:
        problems = json.loads(found.stdout)
        assert len(lines) == len(problems) >= 1, (lines, problems)
        for line in lines:
            assert line.startswith(f"{path}:") and LOCATED.fullmatch(
                line.removeprefix(f"{path}:")
            ), line
        return
    assert result.stderr == "", result.stderr
    assert found.exit_code == 0, found.stdout
    report = json.loads(result.stdout, parse_constant=_no_constant)
    _finite(report)
    assert report["format_version"] == 1 and report["components"]
