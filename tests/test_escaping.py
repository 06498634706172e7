"""Terminal control characters from workloads and overlays: escaped wherever they are printed.

Escape sequences (a window title, a cleared screen), BEL, C1 controls, bidi overrides and
line separators in a workload or an overlay must never reach the terminal raw, nor let
one problem pass for several lines; rich must never read user text as markup.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import Result

from advisor.errors import Problem, visible, visible_json
from advisor.templating import md_code, md_escape, md_url, printable
from tests.support import EXAMPLES, ROOT

Cli = Callable[..., Result]
Write = Callable[[str, str | bytes], Path]

HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
TITLE = "\x1b]0;pwned\x07"  # OSC: sets the terminal window's title
CLEAR = "\x1b[2J"  # CSI: clears the screen
C1_CSI = "\x9b31m"  # the one-character CSI of 8-bit terminals
RLO = "\u202e"  # right-to-left override: "txt.exe" shows as "exe.txt"
LINE = "\u2028"  # a line separator: some terminals and editors break the line
MARKUP = "[bold]X[/bold][red]"
ATTACK = f"shop{TITLE}{CLEAR}{C1_CSI}\x07{RLO}gpj.exe{LINE}{MARKUP}\x85end"


# Joiners are shown as they are: emoji sequences and Persian or Indic names need them.
JOINERS = "\u200c\u200d"


def hidden(text: str, keep: str = "\n") -> list[str]:
    """The characters of ``text`` a terminal may act on, other than those in ``keep``."""
    return [c for c in text if c not in keep + JOINERS and unicodedata.category(c) in HIDDEN]


# --- the escaping functions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x1b", "\\x1b"),
        ("\x07", "\\x07"),
        ("\x00", "\\x00"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\x9b", "\\x9b"),
        ("\u200b", "\\u200b"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\ufeff", "\\ufeff"),
        ("\udcff", "\\udcff"),
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_visible_escapes_each_hidden_character(char: str, shown: str) -> None:
    assert visible(f"a{char}b") == f"a{shown}b"


def test_visible_keeps_ordinary_text() -> None:
    for text in ["naïve 日本語 😀", "[bold]x[/bold]", "C:\\data\\w.yaml", "a\u00a0b", ""]:
        assert visible(text) == text
    # Joiners neither move the cursor nor reorder a line; names and emoji need them.
    for text in ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001f469\u200d\U0001f4bb"]:
        assert visible(text) == text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_visible_text_is_one_line_with_nothing_hidden(text: str) -> None:
    shown = visible(text)
    assert not hidden(shown, keep="")
    assert len(shown.splitlines()) <= 1
    # Only the hidden characters change, each into one backslash escape.
    rest = "".join(c for c in text if not hidden(c, keep=""))
    assert visible(rest) == rest
    assert shown.count("\\") == text.count("\\") + len(hidden(text, keep=""))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_printable_and_md_are_one_idempotent_line(text: str) -> None:
    once = printable(text)
    assert printable(once) == once
    for out in (once, md_escape(text), md_code(text)):
        assert not hidden(out, keep="") and len(out.splitlines()) <= 1


def test_printable_folds_layout_and_shows_the_rest() -> None:
    assert printable("  two\n  lines\t\r\n") == "two lines"
    assert printable(f"a{RLO}b{LINE}c") == "a\\u202eb\\u2028c"


def test_md_code_survives_backticks_and_pipes() -> None:
    assert md_code("rule.id") == "`rule.id`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x") == "`` `x ``"
    assert md_code("a|b") == "`a\\|b`"


def test_md_url_links_only_plain_urls() -> None:
    assert md_url("https://example.com/a?b=1") == "<https://example.com/a?b=1>"
    assert md_url("https://example.com/a b>") == "https://example.com/a b\\>"
    assert md_url(f"https://example.com/{CLEAR}") == "https://example.com/\\\\x1b\\[2J"


def test_visible_json_is_the_same_data_without_raw_controls() -> None:
    data = {"name": ATTACK, "astral": "\U000e0041", "plain": "日本語"}
    text = visible_json(json.dumps(data, ensure_ascii=False))
    assert not hidden(text)
    assert json.loads(text) == data
    assert "日本語" in text, "ordinary non-ASCII text stays readable"


def test_a_problem_is_always_one_line() -> None:
    problem = Problem("w\n.yaml", 3, 1, f"components[0].x{LINE}y", "unknown key 'a\nw.yaml: ok'")
    shown = str(problem)
    assert len(shown.splitlines()) == 1
    assert shown == ("w\\n.yaml:3:1: components[0].x\\u2028y: unknown key 'a\\nw.yaml: ok'")


# --- through the command line ----------------------------------------------------------


def _workload(name: str = ATTACK) -> str:
    return yaml.safe_dump(
        {
            "name": name,
            "description": f"first line\nsecond {TITLE} line{LINE}third",
            "components": [
                {"name": f"cart {MARKUP}{CLEAR}", "description": RLO, "use_case": "cache"},
                {"name": "orders", "use_case": "order_processing"},
            ],
        },
        allow_unicode=True,
    )


@pytest.mark.parametrize("key", ["x\nw.yaml: ok (1 component)", f"x{LINE}w.yaml: ok"])
def test_a_key_with_a_line_break_cannot_forge_an_ok_line(cli: Cli, write: Write, key: str) -> None:
    path = write("w.yaml", yaml.safe_dump({"name": "w", key: 1}, allow_unicode=True))
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{path}:") and "ok (1 component)" not in line.split(": ", 1)[0]
    assert not hidden(line)


def test_a_file_name_with_a_line_break_is_one_ok_line(cli: Cli, write: Write) -> None:
    valid = (ROOT / "examples" / "session-store.yaml").read_text(encoding="utf-8")
    path = write(f"a\nb.yaml: ok (9 components){RLO}.yaml", valid)
    result = cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert line == f"{visible(path)}: ok (1 component)"
    assert "\\n" in line and "\\u202e" in line


@pytest.mark.parametrize("fmt", ["text", "markdown", "adr", "json"])
def test_reports_show_hostile_workload_text_escaped(cli: Cli, write: Write, fmt: str) -> None:
    path = write("w.yaml", _workload())
    result = cli("recommend", str(path), "--format", fmt, "--date", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert not hidden(out)
    assert "pwned" in out, "the text is escaped, not dropped"
    if fmt == "json":
        assert json.loads(out)["workload"] == ATTACK, "JSON carries the data unchanged"
    else:
        assert "\\x1b]0;pwned\\x07" in out.replace("\\\\", "\\").replace("\\]", "]")
        assert "\\u202e" in out.replace("\\\\", "\\")
    if fmt == "text":
        assert MARKUP in out, "user text is not rich markup"


def test_markdown_reports_keep_their_structure(cli: Cli, write: Write) -> None:
    from pymarkdown.api import PyMarkdownApi

    name = "# not a heading\n## nor this | a cell | `code"
    path = write("w.yaml", _workload(name))
    plain = write("p.yaml", _workload("plain"))
    api = (
        PyMarkdownApi()
        .disable_rule_by_identifier("md013")
        .set_boolean_property("plugins.md024.siblings_only", True)
    )
    hostile = cli("recommend", str(path), "--format", "markdown").stdout
    usual = cli("recommend", str(plain), "--format", "markdown").stdout
    for out in (hostile, usual):
        assert not api.scan_string(out).scan_failures
    headings = [line for line in hostile.splitlines() if line.startswith("#")]
    assert len(headings) == len([line for line in usual.splitlines() if line.startswith("#")])


def _overlay(folder: Path) -> Path:
    """An overlay whose rule and database carry every kind of hostile text."""
    folder.mkdir()
    rule = {
        "rules": [
            {
                "id": f"ours.{CLEAR}`|*",
                "when": {},
                "points": {"databases": {"redis": 50}},
                "why": f"Because {TITLE}{MARKUP} says{RLO} so\nok: fake line",
                "sources": [f"https://example.com/a b>{CLEAR}", "https://example.com/fine"],
            }
        ]
    }
    (folder / "rule.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    redis = (ROOT / "rules" / "databases" / "redis.yaml").read_text(encoding="utf-8")
    hostile_name = json.dumps(f"Re{CLEAR}dis [blink]{LINE}", ensure_ascii=True)
    (folder / "redis.yaml").write_text(
        redis.replace("name: Redis\n", f"name: {hostile_name}\n"), encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "list"],
        ["rules", "show", f"ours.{CLEAR}`|*"],
        ["rules", "show", "database:redis"],
        ["compare", "redis", "mongodb", "--format", "text"],
        ["compare", "redis", "mongodb", "--format", "markdown"],
        ["compare", "redis", "mongodb", "--format", "json"],
        ["recommend", str(EXAMPLES[0]), "--format", "text"],
        ["recommend", str(EXAMPLES[0]), "--format", "markdown"],
        ["recommend", str(EXAMPLES[0]), "--format", "adr", "--date", "2026-01-01"],
        ["recommend", str(EXAMPLES[0]), "--format", "json"],
    ],
    ids=lambda c: "-".join(c[:2] + c[-1:]).replace(str(EXAMPLES[0]), "example"),
)
def test_overlay_text_is_escaped_everywhere(cli: Cli, tmp_path: Path, command: list[str]) -> None:
    overlay = _overlay(tmp_path / "overlay")
    result = cli(*command, "--rules", str(overlay))
    assert result.exit_code == 0, result.stderr
    listing = command[:2] == ["rules", "list"]
    assert not hidden(result.stdout, keep="\n\t" if listing else "\n")
    assert "x1b" in result.stdout or "u001b" in result.stdout, "escaped, not dropped"
    if "text" in command:
        assert "[blink]" in result.stdout, "database names are not rich markup"
    if listing:
        assert all(line.count("\t") == 1 for line in result.stdout.splitlines())


def test_compare_text_shows_square_brackets_from_the_knowledge_base(cli: Cli) -> None:
    out = cli("compare", "mongodb", "--format", "text").stdout
    assert "[default]" in out, "a fact is not rich markup"


def test_an_error_quoting_user_input_is_one_escaped_line(cli: Cli) -> None:
    result = cli("recommend", str(EXAMPLES[0]), "--format", "adr", "--date", f"2026{CLEAR}\n1")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "dbadvisor: --date: '2026\\x1b[2J\\n1' is not a date (YYYY-MM-DD)"
    ]


def test_an_unknown_database_with_controls_is_one_escaped_line(cli: Cli) -> None:
    result = cli("compare", f"mongo{TITLE}\ndb")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "\\x1b]0;pwned\\x07\\ndb" in line and not hidden(line)


def test_scaffold_and_written_paths_print_escaped(cli: Cli, write: Write, tmp_path: Path) -> None:
    path = write("w.yaml", _workload())
    out = tmp_path / f"project{RLO}{TITLE}"
    result = cli("scaffold", str(path), "--db", "redis", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    records = tmp_path / f"adr{CLEAR}"
    records.mkdir()
    adr = cli("recommend", str(path), "--format", "adr", "-o", str(records), "--date", "2026-01-01")
    assert adr.exit_code == 0, adr.stderr
    for text in (result.stdout, result.stderr, adr.stdout, adr.stderr):
        assert not hidden(text)
    assert "\\u202e" in result.stdout and "\\x1b[2J" in adr.stderr
