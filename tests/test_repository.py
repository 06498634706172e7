"""The repository stands alone, and the command line's own conveniences work.

The README and the docs link only to files of the repository (nothing outside it, no
internal design documents); shell completion scripts are printed and complete commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import Result

from advisor.questions import question_book
from tests.support import EXAMPLES, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Things that live outside the repository: a reader of a clone cannot follow them.
OUTSIDE = [
    "../shared",
    "SPEC section",
    "SPEC.md",
    "seed document",
    "the seed's",
    "github.com/dbadvisor",
    "reference/db-facts",
]
# [text](target) outside code; a target with a scheme or only a fragment is not a file.
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


def _prose(path: Path) -> str:
    """The Markdown text with fenced code blocks removed (their brackets are not links)."""
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)


@pytest.mark.parametrize("path", [*DOCS, *EXAMPLES], ids=lambda p: p.name)
def test_no_reference_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for phrase in OUTSIDE:
        assert phrase.lower() not in text.lower(), f"{path.name} mentions {phrase!r}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve_to_files_of_the_repository(path: Path) -> None:
    targets = LINK.findall(_prose(path))
    local = [t for t in targets if not re.match(r"[a-z]+:|#", t)]
    if path.name == "README.md":
        assert len(local) >= 5, local  # the parser still finds the README's links
    for target in local:
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.exists(), f"{path.name}: {target} does not exist"
        assert resolved.is_relative_to(ROOT.resolve()), f"{path.name}: {target} leaves the repo"


def test_workload_format_doc_lists_every_value() -> None:
    text = (ROOT / "docs" / "workload-format.md").read_text(encoding="utf-8")
    for question in question_book().questions:
        if question.path.startswith("interview."):
            continue
        assert f"`{question.path}`" in text or question.choices is None, question.path
        for value in question.choices or {}:
            assert f"`{value}`" in text, (question.path, value)


def test_json_doc_names_every_field_of_the_output(cli: Callable[..., Result]) -> None:
    import json

    text = (ROOT / "docs" / "json-output.md").read_text(encoding="utf-8")
    example = str(ROOT / "examples" / "ecommerce.yaml")
    report = json.loads(cli("recommend", example, "--format", "json").stdout)
    component = report["components"][0]
    names = {
        *report,
        *report["system"],
        *component,
        *component["ranking"][0],
        *component["configuration"],
        *component["managed_service"],
    }
    compared = json.loads(cli("compare", "redis", "dynamodb", "--format", "json").stdout)
    database = compared["databases"][0]
    names |= {*compared, *database, *database["consistency"][0]}
    names |= {*database["managed_offerings"]["azure"][0]}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, missing


def test_pre_commit_hook_and_readme_agree() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Use with pre-commit") :]
    config = yaml.safe_load(
        block[block.index("```yaml") + 7 : block.index("```", 10 + block.index("```yaml"))]
    )
    (local,) = config["repos"]
    assert local["repo"] == "local"  # works from a clone; no invented address
    (readme_hook,) = local["hooks"]
    for key in ("id", "entry", "language"):
        assert readme_hook[key] == hook[key], key
    assert hook["entry"] == "dbadvisor validate"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m advisor`` in a child process (completion reads its own environment)."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_help_offers_completion(cli: Callable[..., Result]) -> None:
    out = cli("--help").stdout
    assert "--install-completion" in out
    assert "--show-completion" in out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_shells_script(shell: str) -> None:
    # Without shell detection (a CI runner has no login shell) the shell is named.
    result = _run("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert result.returncode == 0, result.stderr
    assert "_DBADVISOR_COMPLETE" in result.stdout
    assert "dbadvisor" in result.stdout
    if shell == "bash":
        assert "complete -o default -F _dbadvisor_completion dbadvisor" in result.stdout
    if shell == "zsh":
        assert "#compdef dbadvisor" in result.stdout


def test_completion_completes_commands_and_choices() -> None:
    words = _run(_DBADVISOR_COMPLETE="complete_bash", COMP_WORDS="dbadvisor va", COMP_CWORD="1")
    assert words.stdout.split() == ["validate"]
    formats = _run(
        _DBADVISOR_COMPLETE="complete_bash",
        COMP_WORDS="dbadvisor recommend --format ",
        COMP_CWORD="3",
    )
    assert sorted(formats.stdout.split()) == ["adr", "json", "markdown", "text"]
