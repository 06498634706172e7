"""The filters that carry user-supplied names into generated code, tested on hostile input."""

from __future__ import annotations

import ast
import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.scaffold.names import Namespace, field_ident, module_name, pascal, plural, snake
from advisor.scaffold.render import (
    formatted,
    import_block,
    top_level_names,
    used_names,
    without_unused_helpers,
)
from advisor.templating import environment, safe_identifier, safe_literal
from tests.hostile import HOSTILE_NAMES


def _is_safe_identifier(name: str) -> bool:
    return (
        name.isidentifier()
        and name.isascii()
        and not name.startswith("_")
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_become_harmless_identifiers(name: str) -> None:
    for make in (safe_identifier, snake, pascal, field_ident, module_name):
        ident = make(name)
        assert _is_safe_identifier(ident), (make.__name__, ident)
        assert "/" not in ident and "\\" not in ident and "." not in ident


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_become_inert_literals(name: str) -> None:
    literal = safe_literal(name)
    assert literal.isascii() and "\n" not in literal and "\r" not in literal
    # As a whole statement it is one string expression that evaluates to the name.
    (statement,) = ast.parse(literal).body
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    assert ast.literal_eval(literal) == name


@given(st.text(max_size=100))
def test_any_text_gives_an_idempotent_safe_identifier(text: str) -> None:
    ident = safe_identifier(text)
    assert _is_safe_identifier(ident)
    assert safe_identifier(ident) == ident


@given(st.text(max_size=100))
def test_any_text_round_trips_through_a_literal(text: str) -> None:
    literal = safe_literal(text)
    assert literal.isascii() and "\n" not in literal
    assert ast.literal_eval(literal) == text


def test_literals_of_other_values() -> None:
    assert safe_literal(True) == "True"
    assert safe_literal(None) == "None"
    assert safe_literal(3) == "3"
    assert safe_literal(1.5) == "1.5"
    for bad in (float("nan"), float("inf"), b"bytes", object()):
        with pytest.raises(TypeError):
            safe_literal(bad)


def test_filters_are_registered_in_the_one_environment() -> None:
    env = environment()
    assert env.filters["ident"] is safe_identifier
    assert env.filters["lit"] is safe_literal
    rendered = env.from_string("{{ name | ident }} = {{ name | lit }}").render(name="x'\nimport os")
    assert rendered == 'x_import_os = "x\'\\nimport os"'


def test_printable_escapes_control_and_bidi_characters() -> None:
    from advisor.templating import printable

    assert printable("near me\u202e\nnext\x00") == "near me\\u202e next\\x00"


def test_names_keep_their_meaning() -> None:
    assert snake("StockLevel") == "stock_level"
    assert snake("HTTPServer") == "http_server"
    assert pascal("stock_level") == "StockLevel"
    assert safe_identifier("Café") == "Cafe"
    assert safe_identifier("class") == "class_"
    assert field_ident("PK") == "PK_"
    assert field_ident("json") == "json_"
    assert module_name("redis", top_level=True) == "redis_app"
    assert module_name("os", top_level=True) == "os_app"
    assert module_name("connection") == "connection_"
    assert module_name("Redis support") == "redis_support_"
    # Distinct names that fold to nothing stay distinct.
    assert safe_identifier("日本") != safe_identifier("中国")


def test_namespace_hands_out_unique_names() -> None:
    names = Namespace({"main"})
    assert [names.take("main"), names.take("x"), names.take("x")] == ["main_2", "x", "x_2"]


def test_used_names_skip_attributes_keywords_and_strings() -> None:
    code = 'table.get_item(Key=key)\nvalue = json.dumps({"Decimal": 1})  # Any\n'
    assert used_names(code) == {"table", "key", "value", "json"}


def test_import_block_imports_only_what_the_code_uses() -> None:
    code = "x: Any = Decimal(1)\ny = datetime.now(UTC)\nredis.Redis()\nraise AlreadyExistsError\n"
    errors = [("pkg.errors", ["AlreadyExistsError", "ConflictError", "NotFoundError"])]
    assert import_block(code, "pkg", offered=errors) == (
        "import redis\n"
        "from datetime import UTC, datetime\n"
        "from decimal import Decimal\n"
        "from pkg.errors import AlreadyExistsError\n"
        "from typing import Any\n"
    )


def test_import_block_skips_empty_imports_and_keeps_first_party_aliases() -> None:
    code = "_Entity(_chunks(x), REVISION)\n"
    first_party = [("pkg.redis_support", ["_chunks", "_Entity", "REVISION"]), ("pkg.other", [])]
    assert import_block(code, "pkg", [*first_party, ("pkg.component", ["component as repo"])]) == (
        "from pkg.component import component as repo\n"
        "from pkg.redis_support import REVISION, _Entity, _chunks\n"
    )


def test_formatted_modules_have_ruffs_import_order() -> None:
    # ruff groups standard library, third party and the package, and orders members as
    # isort does (constants, classes, functions); a long line is wrapped.
    block = import_block(
        "redis.Redis()\nUTC\nraise AlreadyExistsError\n",
        "pkg",
        offered=[("pkg.errors", ["AlreadyExistsError"])],
        first_party=[("pkg.support", [*(f"name_{i}" for i in range(9)), "_Entity", "REVISION"])],
    )
    # The module uses every name it imports: ruff's F401 fix drops unused imports.
    names = ["redis", "UTC", "AlreadyExistsError", "REVISION", "_Entity"]
    use = f"X = [{', '.join(names + [f'name_{i}' for i in range(9)])}]\n"
    code = f"from __future__ import annotations\n\n{block}\n{use}"
    assert formatted({"pkg/m.py": code}, "pkg")["pkg/m.py"] == (
        "from __future__ import annotations\n\n"
        "from datetime import UTC\n\n"
        "import redis\n\n"
        "from pkg.errors import AlreadyExistsError\n"
        "from pkg.support import (\n"
        "    REVISION,\n"
        "    _Entity,\n" + "".join(f"    name_{i},\n" for i in range(9)) + ")\n\n"
        "X = [\n"
        + "".join(f"    {name},\n" for name in names)
        + "".join(f"    name_{i},\n" for i in range(9))
        + "]\n"
    )


def test_formatting_drops_the_imports_no_code_uses() -> None:
    code = "from __future__ import annotations\n\nimport json\nimport os\n\nX = os.sep\n"
    assert formatted({"pkg/m.py": code}, "pkg")["pkg/m.py"] == (
        "from __future__ import annotations\n\nimport os\n\nX = os.sep\n"
    )


def test_a_support_module_keeps_only_the_helpers_the_project_reaches() -> None:
    support = (
        "import json\n\n"
        "PUBLIC = 1\n\n\n"
        "# Why _wanted exists.\n"
        "def _wanted() -> str:\n    return _inner()\n\n\n"
        "def _inner() -> str:\n    return json.dumps(1)\n\n\n"
        "# Why _unused exists.\n"
        "@functools.cache\n"
        "def _unused() -> int:\n    return 2\n\n\n"
        "_TABLE = {1: _unused}\n"
    )
    kept = without_unused_helpers(support, {"_wanted"})
    # _inner is reached through _wanted; _TABLE and _unused (with its comment and
    # decorator) are not; a public name stays whoever uses it.
    assert kept == (
        "import json\n\n"
        "PUBLIC = 1\n\n\n"
        "# Why _wanted exists.\n"
        "def _wanted() -> str:\n    return _inner()\n\n\n"
        "def _inner() -> str:\n    return json.dumps(1)\n\n\n"
        "\n\n"  # the blank lines around the dropped definitions, which ruff squeezes
    )
    assert "_unused" in without_unused_helpers(support, {"_TABLE"})


def test_top_level_names_are_what_a_module_defines() -> None:
    code = "X = 1\ny: int = 2\ndef f() -> None:\n    z = 3\nclass _C:\n    w = 4\n"
    assert top_level_names(code) == ["X", "_C", "f", "y"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("address", "addresses"),
        ("box", "boxes"),
        ("quiz", "quizes"),
        ("batch", "batches"),
        ("wish", "wishes"),
        ("category", "categories"),
        ("order_entry", "order_entries"),
        ("day", "days"),
        ("survey", "surveys"),
        ("order_line", "order_lines"),
        ("payment", "payments"),
        ("class_", "classes"),
        ("y", "ys"),
    ],
)
def test_plural_follows_english_for_the_common_cases(name: str, expected: str) -> None:
    # Embedded arrays are named by it, and the names end up in stored documents.
    assert plural(name) == expected
