"""The interview: every question kind, re-asking, skipping, help, defaults, --from, exits.

Answers are piped one per line through ``CliRunner(input=...)``, as a script would; one
test at the end drives the real command in a pseudo-terminal with pexpect.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, get_args

import pexpect
import pytest
from typer.testing import Result

from advisor.cli import OutputFormat
from advisor.interview import (
    Choice,
    Multi,
    Number,
    Prompter,
    Text,
    YesNo,
    _carry_lifetime,
    model_kind,
    workload_yaml,
)
from advisor.questions import question_book
from advisor.workload import (
    ANSWER_FIELDS,
    Component,
    Entity,
    FieldType,
    UseCase,
    Workload,
    component_answers,
    load_workload,
    parse_workload,
)
from tests.support import EXAMPLES, ROOT

Cli = Callable[..., Result]

COMPONENT: tuple[str, ...] = (
    "use_case",
    "data_shape",
    "relationships",
    "query_complexity",
    "schema_flexibility",
    "consistency",
    "on_partition",
    "transactions",
    "read_write_ratio",
    "durability",
    "latency_ms",
    "multi_region",
    "survives",
    "scale.reads_per_sec",
    "scale.writes_per_sec",
    "scale.data_size_gb",
    "scale.growth",
    "scale.item_size_kb",
    "needs",
    "replacing",
)
# The questions of a one-component workload without entities, in the order asked.
SINGLE: tuple[str, ...] = (
    "name",
    "description",
    "context.cloud",
    "context.managed",
    "context.team_expertise",
    "context.licensing",
    "components",
    *COMPONENT,
    "entities[0]",
)

Answer = str | Sequence[str]


def script(answers: Mapping[str, Answer], tail: Sequence[str] = ("no",)) -> str:
    """One line per question of SINGLE (Enter where not given), then ``tail``."""
    unknown = set(answers) - set(SINGLE)
    assert not unknown, unknown
    lines: list[str] = []
    for where in SINGLE:
        value = answers.get(where, "")
        lines.extend([value] if isinstance(value, str) else value)
    lines.extend(tail)
    return "".join(f"{line}\n" for line in lines)


def label(where: str) -> str:
    """The words a prompt line shows for a question of SINGLE."""
    book = question_book()
    return book.label("interview.components" if where == "components" else where)


def only(workload: Workload) -> Component:
    assert workload.single and len(workload.components) == 1
    return workload.components[0]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "w.yaml"


def test_every_question_kind_round_trips(cli: Cli, out: Path) -> None:
    answers: dict[str, Answer] = {
        "name": "shop",
        "description": "Carts of 'logged-in' users: yes, #1",
        "context.cloud": "2",  # a choice by number
        "context.managed": "preferred",  # ... by value
        "context.team_expertise": "12, redis",  # a list, numbers and values mixed
        "context.licensing": "OPEN_SOURCE",  # values are matched case-insensitively
        "components": "n",
        "use_case": "shopping_cart",
        "relationships": "-",  # skip a pre-selected default
        "consistency": "strong",
        "latency_ms": "2.5",
        "multi_region": "replicas",
        "survives": "zone",
        "scale.reads_per_sec": "20000",
        "scale.writes_per_sec": "0",
        "scale.data_size_gb": "5.5",
        "scale.growth": "2",
        "needs": "ttl counters",
        "entities[0]": "y",
    }
    entity = [
        "Cart",
        "cart_id",
        "1",
        "user_id",
        "string",
        "total",
        "decimal",
        "placed_at",
        "datetime",
        "",  # no more fields
        "",  # key: the guessed default, cart_id
        "n",  # no second entity
    ]
    pattern = ["y", "carts_of_user", "", "query", "user_id", "placed_at", "y", "10", "5", "n"]
    result = cli(
        "interview", "--full", "-o", str(out), input=script(answers, [*entity, *pattern, "no"])
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr

    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("# Written by `dbadvisor interview`")
    assert "$schema" not in text  # a relative path from an unknown place would not resolve
    assert "# Where must it run?" in text
    assert cli("validate", str(out)).exit_code == 0

    workload = load_workload(out)
    assert workload.name == "shop"
    assert workload.description == "Carts of 'logged-in' users: yes, #1"
    assert workload.context.cloud == "aws"
    assert workload.context.managed == "preferred"
    assert workload.context.team_expertise == ("postgresql", "redis")
    assert workload.context.licensing == "open_source"
    component = only(workload)
    assert component.name == "shop"
    assert component.use_case == "shopping_cart"
    assert component.data_shape == "nested"  # from the shopping_cart preset
    assert component.relationships is None  # skipped
    assert component.consistency == "strong"
    assert component.latency_ms == 2.5
    assert component.multi_region == "replicas"
    assert component.scale is not None
    assert component.scale.reads_per_sec == 20000
    assert component.scale.writes_per_sec == 0
    assert component.scale.data_size_gb == 5.5
    assert component.scale.growth == "outgrows_one_server"
    assert component.survives == "zone"
    assert component.scale.item_size_kb is None
    assert component.needs == ("ttl", "counters")
    (cart,) = component.entities
    assert (cart.name, cart.key, cart.parent) == ("Cart", "cart_id", None)
    assert dict(cart.fields) == {
        "cart_id": "string",
        "user_id": "string",
        "total": "decimal",
        "placed_at": "datetime",
    }
    (by_user,) = component.access_patterns
    assert by_user.name == "carts_of_user"
    assert by_user.entity == "Cart"
    assert by_user.kind == "query"
    assert by_user.by == ("user_id",)
    assert (by_user.order_by, by_user.descending, by_user.limit, by_user.per_sec) == (
        "placed_at",
        True,
        10,
        5,
    )


@pytest.mark.parametrize(
    ("where", "bad", "good", "message", "check"),
    [
        ("name", "x" * 101, "ok", "must be 1-100 characters long, got 101", ("name", "ok")),
        ("name", "-", "ok", "an answer is needed here; Enter keeps 'w'", ("name", "ok")),
        (
            "context.cloud",
            "azur",
            "azure",
            "'azur' is not one of any, aws, azure, gcp, on_prem (did you mean 'azure'?)",
            ("cloud", "azure"),
        ),
        ("context.cloud", "9", "3", "9 is not a number from 1 to 5", ("cloud", "azure")),
        (
            "context.team_expertise",
            "redis, 2",
            "redis",
            "'redis' is listed twice",
            ("team_expertise", ("redis",)),
        ),
        ("components", "maybe", "n", "'maybe' is not yes or no (y/n)", ("single", True)),
        ("latency_ms", "0", "1", "must be > 0, got 0", ("latency_ms", 1)),
        ("latency_ms", "nan", "1", "must be a finite number", ("latency_ms", 1)),
        ("scale.reads_per_sec", "-1", "7", "must be >= 0, got -1", ("reads_per_sec", 7)),
        ("scale.reads_per_sec", "lots", "7", "expected a number, got 'lots'", ("reads_per_sec", 7)),
        ("description", "a\x1b[Ab", "ab", "contains control characters", ("description", "ab")),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 25 else "",
)
def test_invalid_answer_is_explained_and_asked_again(
    cli: Cli, out: Path, where: str, bad: str, good: str, message: str, check: tuple[str, Any]
) -> None:
    result = cli("interview", "--full", "-o", str(out), input=script({where: [bad, good]}))
    assert result.exit_code == 0, result.stderr
    assert f"! {message}" in " ".join(result.stderr.split())
    assert result.stderr.count(f"\n{label(where)}") == 2  # the prompt, asked again
    workload = load_workload(out)
    field, expected = check
    if field == "single":
        assert workload.single is expected
    elif field in ("name", "description"):
        assert getattr(workload, field) == expected
    elif field in ("cloud", "team_expertise"):
        assert getattr(workload.context, field) == expected
    elif field == "reads_per_sec":
        assert only(workload).scale is not None
        assert only(workload).scale.reads_per_sec == expected  # type: ignore[union-attr]
    else:
        assert getattr(only(workload), field) == expected


def test_question_mark_shows_the_longer_help_then_asks_again(cli: Cli, out: Path) -> None:
    result = cli(
        "interview", "--full", "-o", str(out), input=script({"consistency": ["?", "session"]})
    )
    assert result.exit_code == 0, result.stderr
    question = question_book().get("consistency")
    assert question is not None and question.details is not None
    flat = " ".join(result.stderr.split())
    assert question.details[:60] in flat
    assert result.stderr.count("\nconsistency: ") == 2
    assert "(in the workload file: consistency)" in result.stderr
    assert only(load_workload(out)).consistency == "session"


def test_every_question_can_be_skipped(cli: Cli, out: Path) -> None:
    skip_all = {where: "-" for where in SINGLE if where != "name"}
    result = cli("interview", "--full", "-o", str(out), input=script(skip_all))
    assert result.exit_code == 0, result.stderr
    workload = load_workload(out)
    assert workload.name == "w"  # the -o file's name is the default name
    assert only(workload) == Component(name="w")


@pytest.mark.parametrize("use_case", get_args(UseCase))
def test_use_case_pre_selects_its_preset(cli: Cli, out: Path, use_case: UseCase) -> None:
    result = cli("interview", "--full", "-o", str(out), input=script({"use_case": use_case}))
    assert result.exit_code == 0, result.stderr
    answers = {
        name: value if not isinstance(value, tuple) else list(value)
        for name, value in _answered(only(load_workload(out))).items()
    }
    preset = dict(question_book().presets[use_case])
    assert answers == {"use_case": use_case, **preset}


def test_pre_selected_default_stays_editable(cli: Cli, out: Path) -> None:
    answers = {"use_case": "session_store", "durability": "durable", "needs": "-"}
    result = cli("interview", "--full", "-o", str(out), input=script(answers))
    assert result.exit_code == 0, result.stderr
    assert "durability [ephemeral]: " in result.stderr
    component = only(load_workload(out))
    assert (component.durability, component.needs) == ("durable", ())
    assert component.consistency == "eventual"


def test_every_preset_is_a_valid_workload() -> None:
    presets = question_book().presets
    assert sorted(presets) == sorted(get_args(UseCase))
    for use_case, preset in presets.items():
        body = "\n".join(f"{key}: {json.dumps(value)}" for key, value in preset.items())
        parse_workload(f"name: x\nuse_case: {use_case}\n{body}\n")
        assert set(preset) <= set(ANSWER_FIELDS) - {"scale", "latency_ms", "multi_region"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_from_pre_fills_every_answer(cli: Cli, out: Path, example: Path) -> None:
    # Enter on every question keeps every answer; the surplus lines answer the report offer.
    result = cli("interview", "--from", str(example), "-o", str(out), input="\n" * 2000)
    assert result.exit_code == 0, result.stderr
    original, revised = load_workload(example), load_workload(out)
    assert (revised.name, revised.description) == (original.name, original.description)
    assert revised.context == original.context
    assert revised.single == original.single
    assert revised.components == original.components
    assert cli("validate", str(out)).exit_code == 0


def test_from_then_revise_one_answer(cli: Cli, out: Path) -> None:
    example = ROOT / "examples" / "session-store.yaml"
    original = load_workload(example)
    assert original.single
    lines = {"context.cloud": "gcp"}
    result = cli("interview", "--from", str(example), "-o", str(out), input=_enter_but(lines))
    assert result.exit_code == 0, result.stderr
    revised = load_workload(out)
    assert revised.context.cloud == "gcp"
    assert revised.components == original.components


def test_from_file_text_reaches_the_terminal_escaped(cli: Cli, out: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(
        'name: "a\\e]0;pwned\\ab"\ndescription: "x\\u202ey"\nuse_case: cache\n',
        encoding="utf-8",
    )
    result = cli("interview", "--from", str(hostile), "-o", str(out), input="\n" * 2000)
    assert result.exit_code == 0, result.stderr
    assert "[a\\x1b]0;pwned\\x07b]" in result.stderr
    assert not any(c in result.stderr for c in "\x1b\x07\u202e")
    assert load_workload(out).name == "a\x1b]0;pwned\x07b", "the answer itself is kept"


def _enter_but(answers: Mapping[str, str]) -> str:
    """Enter everywhere except the named questions (their position found by prompt order)."""
    lines = []
    for where in SINGLE[: SINGLE.index("components")]:
        lines.append(answers.get(where, ""))
    return "\n".join(lines) + "\n" * 2000


def test_refuses_to_overwrite_before_asking(cli: Cli, out: Path) -> None:
    out.write_text("keep me\n", encoding="utf-8")
    result = cli("interview", "--full", "-o", str(out), input=script({}))
    assert result.exit_code == 2
    assert result.stderr == f"dbadvisor: {out}: already exists; use --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "keep me\n"

    result = cli("interview", "--full", "-o", str(out), "--force", input=script({"name": "again"}))
    assert result.exit_code == 0, result.stderr
    assert load_workload(out).name == "again"


def test_end_of_input_exits_2_with_one_line_and_writes_nothing(cli: Cli, out: Path) -> None:
    result = cli("interview", "-o", str(out), input="shop\nA shop\n")
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last == "dbadvisor: end of input at question context.cloud; nothing was written"
    assert not out.exists()


def test_no_answers_at_all(cli: Cli, out: Path) -> None:
    result = cli("interview", "-o", str(out), input="")
    assert result.exit_code == 2
    assert result.stderr.endswith("end of input at question name; nothing was written\n")
    assert not out.exists()


class _InterruptedAfter:
    """Piped answers, then the Ctrl-C a terminal would deliver while waiting for more."""

    def __init__(self, answers: TextIO) -> None:
        self.answers = answers

    def readline(self) -> str:
        line = self.answers.readline()
        if not line:
            raise KeyboardInterrupt
        return line


def test_ctrl_c_exits_130_and_writes_nothing(
    cli: Cli, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = Prompter.__init__

    def interrupted(self: Prompter, answers: TextIO, out: TextIO, **options: bool) -> None:
        plain(self, typing.cast(TextIO, _InterruptedAfter(answers)), out, **options)

    monkeypatch.setattr(Prompter, "__init__", interrupted)
    result = cli("interview", "-o", str(out), input="shop\n")
    assert result.exit_code == 130
    assert result.stderr.endswith("description: \ndbadvisor: interrupted\n")
    assert not out.exists()


def test_without_o_stdout_is_only_the_yaml(cli: Cli) -> None:
    result = cli("interview", "--full", input=script({"name": "piped", "use_case": "cache"}))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Written by `dbadvisor interview`")
    assert only(parse_workload(result.stdout)).use_case == "cache"
    assert "What is the workload or system called?" in result.stderr
    assert "What is" not in result.stdout.replace("# What is", "")


def test_offers_the_recommendation_in_the_chosen_format(cli: Cli, out: Path) -> None:
    answers = {"name": "sessions", "use_case": "session_store"}
    result = cli("interview", "--full", "-o", str(out), input=script(answers, tail=["json"]))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["workload"] == "sessions"
    assert report["components"][0]["recommendation"]["database"]
    assert out.exists()


def test_end_of_input_at_the_offer_means_no(cli: Cli, out: Path) -> None:
    result = cli("interview", "--full", "-o", str(out), input=script({}, tail=[]))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.exists()


def test_several_components_with_entities_parents_and_patterns(cli: Cli, out: Path) -> None:
    head = ["shop", "", "aws", "", "", "", "y"]
    orders = [
        "orders",
        "Orders and their lines",
        "order_processing",
        *[""] * (len(COMPONENT) - 1),
        "y",
        "Order",
        "order_id",
        "string",
        "",
        "",
        "y",
        "Order",  # taken: asked again
        "Line",
        "line_id",
        "string",
        "order_id",
        "string",
        "",
        "1",  # key by number: line_id
        "Order",  # parent
        "n",
        "y",
        "lines_of_order",
        "Line",
        "1",  # kind: get ... then by by number
        "2",
        "-",
        "",
        "",
        "n",
    ]
    sessions = ["orders", "sessions", "", "1", *[""] * (len(COMPONENT) - 1), "n"]
    lines = [*head, *orders, "y", *sessions, "n", "no"]
    result = cli("interview", "--full", "-o", str(out), input="".join(f"{x}\n" for x in lines))
    assert result.exit_code == 0, result.stderr
    assert "'Order' is already the name of another entity" in result.stderr
    assert "'orders' is already the name of another component" in result.stderr
    workload = load_workload(out)
    assert not workload.single
    assert [c.name for c in workload.components] == ["orders", "sessions"]
    first, second = workload.components
    assert first.description == "Orders and their lines"
    assert first.transactions == "multi_record"
    order, line = first.entities
    assert (order.name, order.key, order.parent) == ("Order", "order_id", None)
    assert (line.name, line.key, line.parent) == ("Line", "line_id", "Order")
    (pattern,) = first.access_patterns
    assert (pattern.entity, pattern.kind, pattern.by) == ("Line", "get", ("order_id",))
    assert second.use_case == "session_store" and second.durability == "ephemeral"
    assert cli("validate", str(out)).exit_code == 0


def test_recommend_without_file_and_without_terminal_is_a_usage_error(cli: Cli) -> None:
    result = cli("recommend", input="")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "stdin is not a terminal" in result.stderr


@pytest.mark.parametrize("command", ["interview", "recommend"])
def test_no_prompt_waits_without_terminal_or_answers(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "advisor", command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1].startswith("dbadvisor: ")


def test_yaml_quotes_what_yaml_would_misread() -> None:
    tricky = ["yes", "null", "1.0", "2024-01-01", "a: b", "# no comment", "- x", "ünï", "'q'"]
    for text in tricky:
        data = {"version": 1, "name": "x", "description": text}
        workload = parse_workload(workload_yaml(data))
        assert workload.description == text, text
    fields = {"on": "bool", "1": "int", "key": "string"}
    data = {"name": "x", "entities": [{"name": "E", "key": "key", "fields": fields}]}
    entity = parse_workload(workload_yaml(data)).components[0].entities[0]
    assert dict(entity.fields) == fields


def test_yaml_is_in_spec_order_and_deterministic() -> None:
    data = {
        "version": 1,
        "name": "x",
        "context": {"cloud": "aws"},
        "components": [{"name": "a", "use_case": "cache", "scale": {"reads_per_sec": 5}}],
    }
    text = workload_yaml(data)
    assert text == workload_yaml(data)
    keys = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert keys == [
        "version: 1",
        "name: x",
        "context:",
        "cloud: aws",
        "components:",
        "",
        "- name: a",
        "use_case: cache",
        "scale:",
        "reads_per_sec: 5",
    ]
    assert "  # What is this component called?\n  - name: a" in text


def _ask(kind: Any, answers: str, path: str = "name", **options: Any) -> tuple[Any, str]:
    question = question_book().get(path)
    assert question is not None
    errors = io.StringIO()
    prompter = Prompter(io.StringIO(answers), errors)
    return prompter.ask(question, kind, where=path, **options), errors.getvalue()


def test_prompter_kinds_directly() -> None:
    choice = Choice((("a", "first"), ("b", "second")))
    assert _ask(choice, "c\n2\n")[0] == "b"
    assert "'c' is not one of a, b" in _ask(choice, "c\n2\n")[1]
    assert _ask(Multi((("a", ""), ("b", ""))), "2,a\n")[0] == ["b", "a"]
    assert _ask(Number(int, {"ge": 1}), "2.5\n0\n3\n")[0] == 3
    assert _ask(Number(float), "1e3\n")[0] == 1000.0
    assert _ask(YesNo(), "\n", default=True)[0] is True
    assert _ask(YesNo(), "-\n", default=True)[0] is None
    assert _ask(Text({"max_len": 3}), "abcd\nabc\n")[0] == "abc"
    value, shown = _ask(Text(), "\nx\n", required=True)
    assert value == "x" and "an answer is needed here" in shown


def test_every_workload_question_has_a_kind_from_the_model() -> None:
    for question in question_book().questions:
        if question.path.startswith("interview.") or question.path in (
            "entities.key",
            "entities.parent",
            "entities.fields",
            "access_patterns.entity",
            "access_patterns.by",
            "access_patterns.order_by",
        ):
            continue  # answered from names in the file, or the interview's own steps
        kind = model_kind(question)
        assert [v for v, _ in kind.options] == list(question.choices or {}), question.path


def test_report_offer_covers_every_output_format() -> None:
    question = question_book().get("interview.recommend")
    assert question is not None and question.choices is not None
    assert sorted(question.choices) == sorted([*(f.value for f in OutputFormat), "no"])


def _answered(component: Component) -> dict[str, Any]:
    return dict(component_answers(component))


# --- a real terminal --------------------------------------------------------------------

# A prompt line: its label in words (no colon, no bracket), an optional [default], ": ".
PROMPT = re.compile(rb"\n([A-Za-z][^\r\n:\[]*?)(?: \[[^\]\r\n]*\])?: ")


def _spawn(*args: str, cwd: Path) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "DBADVISOR_RULES": ""}
    child = pexpect.spawn(
        sys.executable, ["-m", "advisor", *args], cwd=str(cwd), env=env, timeout=30
    )
    child.delaybeforesend = None  # answers are only sent after their prompt appears
    return child


def _drive(child: pexpect.spawn, answers: Mapping[str, Sequence[str]], until: str) -> list[str]:
    """Answer each prompt by its label (Enter where not given) until ``until`` is asked.

    Returns the labels of the prompts answered, in order (a re-asked one counts again).
    """
    queues = {label: list(lines) for label, lines in answers.items()}
    asked: list[str] = []
    while True:
        child.expect(PROMPT)
        label = child.match.group(1).decode()
        if label == until:
            return asked
        asked.append(label)
        queue = queues.get(label, [])
        child.sendline(queue.pop(0) if queue else "")


def test_terminal_session_from_first_prompt_to_written_file(tmp_path: Path) -> None:
    child = _spawn("interview", "-o", "w.yaml", cwd=tmp_path)
    child.expect_exact("What is the workload or system called?")
    answers = {
        "workload name": ["tty"],
        "cloud": ["azur", "azure"],
        "use case": ["session_store"],
        "p99 latency": ["?", "2"],
        "add an entity": ["y", "n"],
        "entity name": ["Session"],
        "Session / field name": ["session_id", ""],
        "Session / type of session_id": ["string"],
        "add a read": ["n"],
    }
    _drive(child, answers, until="report")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    workload = load_workload(tmp_path / "w.yaml")
    assert workload.context.cloud == "azure"
    component = only(workload)
    assert (component.use_case, component.latency_ms, component.durability) == (
        "session_store",
        2,
        "ephemeral",
    )
    assert component.entities[0].key == "session_id"


def test_terminal_ctrl_c_and_ctrl_d(tmp_path: Path) -> None:
    child = _spawn("interview", "-o", "w.yaml", cwd=tmp_path)
    child.expect_exact("name [w]: ")
    child.sendintr()
    child.expect_exact("dbadvisor: interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = _spawn("interview", "-o", "w.yaml", cwd=tmp_path)
    child.expect_exact("name [w]: ")
    child.sendline("x")
    child.expect_exact("description: ")
    child.sendeof()
    child.expect_exact("end of input at question description; nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert not (tmp_path / "w.yaml").exists()


def test_terminal_recommend_without_file_interviews_first(tmp_path: Path) -> None:
    child = _spawn("recommend", "--format", "json", cwd=tmp_path)
    _drive(child, {"workload name": ["cart"], "use case": ["shopping_cart"]}, until="save as")
    child.sendline("")
    child.expect_exact("wrote cart.yaml")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    output = (child.before or b"").decode()
    report = json.loads(output[output.index("{") :])
    assert report["workload"] == "cart"
    assert load_workload(tmp_path / "cart.yaml").name == "cart"


# --- the quick path, --only and the forms people type ------------------------------------

SYSTEM = ("workload name", "description", "cloud", "managed service", "team expertise")


def _count(args: Sequence[str], answers: Mapping[str, Sequence[str]], tmp_path: Path) -> list[str]:
    """The prompt labels of one terminal session, Enter on every unnamed prompt."""
    child = _spawn("interview", *args, "-o", "w.yaml", cwd=tmp_path)
    asked = _drive(child, answers, until="report")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return asked


def _per_component(asked: Sequence[str], name: str) -> int:
    """Prompts of one component: its name, its own questions and the loop's next step."""
    own = [a for a in asked if a.startswith(f"{name} / ")]
    return len(own) + 2  # "component name" and "another component"


@pytest.mark.parametrize("use_case", ["session_store", "order_processing", "product_catalog"])
def test_quick_path_asks_10_to_15_prompts_per_component(tmp_path: Path, use_case: str) -> None:
    answers = {"several components": ["y"], "component name": ["a"], "a / use case": [use_case]}
    quick = _count([], answers, tmp_path)
    full = _count(["--full", "--force"], answers, tmp_path)
    assert 10 <= _per_component(quick, "a") <= 15, quick
    assert _per_component(full, "a") > _per_component(quick, "a") + 3, (quick, full)
    # Not asked on the quick path: the derived answer, and needs does not offer
    # transactions (the transactions question asks it once).
    assert "a / on a network split" not in quick
    assert "a / on a network split" in full
    workload = load_workload(tmp_path / "w.yaml")
    (component,) = workload.components
    preset = question_book().presets[use_case]
    assert component.on_partition == preset.get("on_partition")


def _labels_asked(answers: str, **options: Any) -> list[str]:
    """The prompt labels of an in-process interview fed ``answers``."""
    from advisor.interview import Interview

    asked: list[str] = []
    prompter = Prompter(io.StringIO(answers), io.StringIO())
    original = prompter.ask

    def record(question: Any, kind: Any, **given: Any) -> Any:
        asked.append(given["label"])
        return original(question, kind, **given)

    prompter.ask = record  # type: ignore[method-assign]
    Interview(prompter, question_book(), **options).run()
    return asked


def test_quick_path_stays_within_15_prompts_for_every_use_case() -> None:
    from advisor.engine import Engine
    from advisor.interview import engine_moves
    from advisor.kb import load_knowledge_base

    moves = engine_moves(Engine(load_knowledge_base([])))
    for use_case in get_args(UseCase):
        head = "x\n\n\n\n\n\ny\na\n"
        quick = _labels_asked(f"{head}{use_case}\n" + "\n" * 60, quick=True, moves=moves)
        full = _labels_asked(f"{head}\n{use_case}\n" + "\n" * 60)
        assert 10 <= _per_component(quick, "a") <= 15, (use_case, quick)
        assert _per_component(full, "a") == 24, (use_case, full)


def test_quick_path_lists_what_it_did_not_ask(cli: Cli, out: Path) -> None:
    lines = ["shop", "", "", "", "", "", "n", "order_processing", *[""] * 40]
    result = cli("interview", "-o", str(out), input="".join(f"{x}\n" for x in lines))
    assert result.exit_code == 0, result.stderr
    review = result.stderr[result.stderr.index("Not asked") :]
    assert "on_partition: stay_consistent (follows from consistency: strong)" in review
    component = only(load_workload(out))
    assert component.on_partition == "stay_consistent"
    # Every preset answer is in the file, asked or not.
    preset = question_book().presets["order_processing"]
    answered = {k: list(v) if isinstance(v, tuple) else v for k, v in _answered(component).items()}
    assert {k: answered.get(k) for k in preset} == dict(preset)
    assert "needed capabilities" in result.stderr
    needs_prompt = result.stderr[result.stderr.index("Which capabilities") :]
    assert "transactions  Explicit" not in needs_prompt.split("needed capabilities")[0]


@pytest.mark.parametrize(("moving", "asked"), [("few", True), ("deep", False)])
def test_quick_path_asks_a_preset_answer_that_moves_the_result(moving: str, asked: bool) -> None:
    # session_store presets relationships: none; only the next step, few, is tried.
    def moves(component: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        return lambda path, value: path == "relationships" and value == moving

    labels = _labels_asked("x\n\n\n\n\n\nn\nsession_store\n" + "\n" * 40, quick=True, moves=moves)
    assert ("relationships" in labels) is asked
    assert "data shape" not in labels and "query complexity" not in labels
    assert "consistency" not in labels


def test_only_changes_one_answer_and_derives_the_other(cli: Cli, out: Path) -> None:
    example = ROOT / "examples" / "session-store.yaml"
    result = cli(
        "interview",
        "--from",
        str(example),
        "--only",
        "consistency",
        "-o",
        str(out),
        input="strong\nno\n",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("\nconsistency [eventual]: ") == 1
    assert len(re.findall(r"\n[A-Za-z][^\n:\[]*?(?: \[[^\]\n]*\])?: ", result.stderr)) == 2
    original, revised = only(load_workload(example)), only(load_workload(out))
    assert (revised.consistency, revised.on_partition) == ("strong", "stay_consistent")
    unchanged = {"consistency", "on_partition"}
    for name in ANSWER_FIELDS:
        if name not in unchanged:
            assert getattr(revised, name) == getattr(original, name), name


def test_only_is_repeatable_and_reaches_into_components(cli: Cli, out: Path) -> None:
    example = ROOT / "examples" / "ecommerce.yaml"
    result = cli(
        "interview",
        "--from",
        str(example),
        "--only",
        "components[1].scale.reads_per_sec",
        "--only",
        "context.cloud",
        "-o",
        str(out),
        input="gcp\n7k\nno\n",
    )
    assert result.exit_code == 0, result.stderr
    original, revised = load_workload(example), load_workload(out)
    assert revised.context.cloud == "gcp"
    assert revised.components[1].scale is not None
    assert revised.components[1].scale.reads_per_sec == 7000
    assert revised.components[0] == original.components[0]
    assert revised.components[2:] == original.components[2:]


def test_only_refuses_unknown_paths_and_needs_from(cli: Cli, out: Path) -> None:
    example = str(ROOT / "examples" / "session-store.yaml")
    result = cli("interview", "--from", example, "--only", "consistncy", "-o", str(out))
    assert result.exit_code == 2
    assert "--only consistncy: not a question" in result.stderr
    assert "(did you mean 'consistency'?)" in result.stderr
    result = cli("interview", "--only", "consistency", "-o", str(out))
    assert result.exit_code == 2
    assert "--from FILE" in result.stderr
    assert not out.exists()


def test_the_forms_people_type(cli: Cli, out: Path) -> None:
    answers: dict[str, Answer] = {
        "name": "forms",
        "context.team_expertise": "postgres, mongo",
        "components": "n",
        "consistency": "STRONG",
        "latency_ms": "50ms",
        "scale.reads_per_sec": "5k",
        "scale.writes_per_sec": "5,000",
        "scale.data_size_gb": "2TB",
        "scale.item_size_kb": "1.5MB",
        "entities[0]": "y",
    }
    entity = ["User", "user_id", "uuid", "", "", "n", "n"]
    result = cli("interview", "--full", "-o", str(out), input=script(answers, [*entity, "n"]))
    assert result.exit_code == 0, result.stderr
    assert "= postgresql, mongodb" in result.stderr
    assert "= 5000" in result.stderr
    workload = load_workload(out)
    assert workload.context.team_expertise == ("postgresql", "mongodb")
    component = only(workload)
    assert component.consistency == "strong"
    assert component.latency_ms == 50
    assert component.scale is not None
    assert (component.scale.reads_per_sec, component.scale.writes_per_sec) == (5000, 5000)
    assert (component.scale.data_size_gb, component.scale.item_size_kb) == (2000, 1500)
    assert dict(component.entities[0].fields) == {"user_id": "string"}


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("5k", "count", 5000),
        ("5,000", "count", 5000),
        ("1.5m", "count", 1_500_000),
        ("10k/s", "count", 10_000),
        ("2TB", "gb", 2000),
        ("500 MB", "gb", 0.5),
        ("2KiB", "kb", 2.048),
        ("50ms", "ms", 50),
        ("0.2s", "ms", 200),
    ],
)
def test_number_shorthands(text: str, unit: str, expected: float) -> None:
    assert _ask(Number(float, unit=unit), f"{text}\n")[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "unit"),
    [("5,5", "count"), ("lots", "count"), ("5 parsecs", "count"), ("2TB", "count"), ("5k", "gb")],
)
def test_number_shorthands_refused(text: str, unit: str) -> None:
    # 2TB is a size, not a count of reads; 5,5 is not guessed as 5.5 or 55; a size needs
    # its byte unit (5k GB could be 5 KB or 5,000 GB).
    value, shown = _ask(Number(float, unit=unit), f"{text}\n7\n")
    assert value == 7 and "expected a number" in shown


def test_yes_no_and_aliases_directly() -> None:
    assert _ask(YesNo(), "y\n")[0] is True
    assert _ask(YesNo(), "N\n")[0] is False
    types = question_book().aliases["entities.fields"]
    assert types["uuid"] == "string"
    kind = model_kind(question_book().get("context.team_expertise"))  # type: ignore[arg-type]
    assert _ask(kind, "postgres\n", "context.team_expertise")[0] == ["postgresql"]


def test_near_read_on_a_geo_field_adds_geospatial(cli: Cli, out: Path) -> None:
    answers: dict[str, Answer] = {"name": "stores", "components": "n", "entities[0]": "y"}
    entity = ["Store", "store_id", "string", "location", "point", "", "", "n"]
    pattern = ["y", "nearby", "", "near", "location", "", "10", "", "n"]
    result = cli(
        "interview", "--full", "-o", str(out), input=script(answers, [*entity, *pattern, "no"])
    )
    assert result.exit_code == 0, result.stderr
    assert "+ needs: geospatial ('nearby': a 'near' read on a geo field" in result.stderr
    component = only(load_workload(out))
    assert component.needs == ("geospatial",)
    assert dict(component.entities[0].fields)["location"] == "geo"


def test_traverse_read_adds_graph_traversal(cli: Cli, out: Path) -> None:
    answers: dict[str, Answer] = {"name": "friends", "components": "n", "entities[0]": "y"}
    entity = ["Person", "person_id", "string", "", "", "n"]
    pattern = ["y", "friends_of_friends", "", "traverse", "person_id", "", "10", "", "n"]
    result = cli(
        "interview", "--full", "-o", str(out), input=script(answers, [*entity, *pattern, "no"])
    )
    assert result.exit_code == 0, result.stderr
    assert "+ needs: graph_traversal ('friends_of_friends': a 'traverse' read" in result.stderr
    component = only(load_workload(out))
    assert "graph_traversal" in component.needs
    assert component.access_patterns[0].kind == "traverse"


def test_revising_keeps_entities_with_one_question_per_component(cli: Cli, out: Path) -> None:
    example = ROOT / "examples" / "ecommerce.yaml"
    prompt = re.compile(r"^[A-Za-z][^:\[\n]*(?: \[[^\]\n]*\])?: ", re.M)
    quick = cli("interview", "--from", str(example), "-o", str(out), input="\n" * 3000)
    full = cli("interview", "--from", str(example), "--full", "-o", "-", input="\n" * 3000)
    assert quick.exit_code == 0 and full.exit_code == 0, quick.stderr + full.stderr
    asked, walked = len(prompt.findall(quick.stderr)), len(prompt.findall(full.stderr))
    assert quick.stderr.count("keep entities and reads [Y/n]: ") == 5
    assert asked * 4 < walked, (asked, walked)
    assert load_workload(out).components == load_workload(example).components


class _ByLabel(Prompter):
    """Answers each prompt by its label (Enter for the others), recording the labels."""

    def __init__(self, answers: Mapping[str, str]) -> None:
        super().__init__(io.StringIO(), io.StringIO())
        self.by_label = answers
        self.labels: list[str] = []

    def _read(self, label: str, kind: Any, default: Any, where: str) -> str:
        self.labels.append(label)
        return self.by_label.get(label, "")


def test_revising_walks_the_entities_when_asked() -> None:
    from advisor.interview import Interview

    example = load_workload(ROOT / "examples" / "session-store.yaml")
    prompter = _ByLabel({"keep entities and reads": "n"})
    data = Interview(prompter, question_book(), example, quick=True).run()
    assert "Session / field name" in prompter.labels
    assert parse_workload(workload_yaml(data)).components == example.components


@pytest.mark.parametrize(
    ("only", "asked"),
    [
        (["consistency"], ["c1 / consistency", "c2 / consistency"]),
        (["components[1].consistency"], ["c2 / consistency"]),
        (["name"], ["workload name"]),
        (["components[0].name"], ["component name"]),
        (["context"], ["cloud", "managed service", "team expertise", "licence"]),
    ],
)
def test_only_asks_exactly_the_named_answers(only: list[str], asked: list[str]) -> None:
    from advisor.interview import Interview

    text = "name: s\ncomponents:\n  - {name: c1, use_case: cache}\n  - {name: c2}\n"
    prompter = _ByLabel({})
    Interview(prompter, question_book(), parse_workload(text), only=only).run()
    assert prompter.labels == asked


def test_quick_path_single_component_through_a_terminal(tmp_path: Path) -> None:
    answers = {"several components": ["n"], "use case": ["session_store"]}
    quick = _count([], answers, tmp_path)
    full = _count(["--full", "--force"], answers, tmp_path)
    system = len(SYSTEM) + 2  # the system questions, licence and "several components"
    assert 10 <= len(quick) - system <= 15, quick
    assert len(full) - system == 21, full  # 20 questions and "add an entity"
    assert "on a network split" not in quick and "on a network split" in full


def test_a_question_sharing_choices_must_name_one_that_has_them(monkeypatch: Any) -> None:
    from advisor import questions

    book = questions.question_book()
    replacing, expertise = book.get("replacing"), book.get("context.team_expertise")
    assert replacing is not None and expertise is not None
    assert replacing.choices == expertise.choices
    broken = replace(replacing, choices=None, choices_from="context.nowhere")
    others = tuple(q for q in book.questions if q.path != "replacing")
    monkeypatch.setattr(questions, "load_as", lambda *_: replace(book, questions=(*others, broken)))
    questions.question_book.cache_clear()
    try:
        with pytest.raises(
            ValueError, match=re.escape("replacing: choices_from names 'context.nowhere'")
        ):
            questions.question_book()
    finally:
        questions.question_book.cache_clear()


def test_quick_path_asks_what_is_replaced_only_of_a_team_that_runs_databases() -> None:
    from advisor.engine import Engine
    from advisor.interview import engine_moves
    from advisor.kb import load_knowledge_base

    moves = engine_moves(Engine(load_knowledge_base([])))
    label = f"a / {question_book().label('replacing')}"
    tail = "a\ncache\n" + "\n" * 60
    runs_redis = _labels_asked("x\n\n\n\nredis\n\ny\n" + tail, quick=True, moves=moves)
    runs_none = _labels_asked("x\n\n\n\n\n\ny\n" + tail, quick=True, moves=moves)
    assert label in runs_redis
    assert label not in runs_none


def test_a_revision_keeps_append_only_only_for_the_same_entity() -> None:
    prev = Entity(name="Entry", key="id", fields={"id": FieldType.STRING}, append_only=True)
    same: dict[str, Any] = {"name": "Entry", "key": "id", "fields": {"id": "string"}}
    _carry_lifetime(same, prev)
    assert same["append_only"] is True
    # A renamed (or reordered) entity is another one: the flag does not move to it.
    other: dict[str, Any] = {"name": "Account", "key": "id", "fields": {"id": "string"}}
    _carry_lifetime(other, prev)
    assert "append_only" not in other
