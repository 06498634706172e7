"""Scaffold output for the shipped examples, byte for byte (``--update-golden`` rewrites it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.scaffold import Store, explicit, generate
from advisor.workload import load_workload
from tests.support import EXAMPLES, ROOT

GOLDEN = ROOT / "tests" / "golden" / "scaffold"
CASES = [(path, store) for path in EXAMPLES for store in Store]


@pytest.mark.parametrize(("path", "store"), CASES, ids=[f"{p.stem}-{s}" for p, s in CASES])
def test_scaffold_matches_golden_files(
    path: Path, store: Store, request: pytest.FixtureRequest
) -> None:
    workload = load_workload(path)
    files = generate(workload, explicit(workload, store)).files
    folder = GOLDEN / path.stem / str(store)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(folder, ignore_errors=True)
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    stored = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert sorted(stored) == sorted(files), "run pytest --update-golden after a deliberate change"
    for relative, text in files.items():
        assert stored[relative] == text.encode("utf-8"), f"{relative} differs from its golden file"


def test_output_is_deterministic() -> None:
    workload = load_workload(next(p for p in EXAMPLES if p.stem == "ecommerce"))
    for store in Store:
        first = generate(workload, explicit(workload, store)).files
        second = generate(workload, explicit(workload, store)).files
        assert first == second
        assert list(first) == sorted(first)


def test_readmes_pass_the_markdown_linter() -> None:
    from pymarkdown.api import PyMarkdownApi

    from tests.hostile import hostile_workload

    api = (
        PyMarkdownApi()
        # Long lines are the README's tables and sentences; MD013 is about prose style.
        .disable_rule_by_identifier("md013")
        # Each component repeats the same sub-headings under its own heading.
        .set_boolean_property("plugins.md024.siblings_only", True)
    )
    readmes = {p.as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.glob("*/*/README.md")}
    assert len(readmes) == len(CASES)
    hostile = hostile_workload()
    for store in Store:
        readmes[f"hostile-{store}"] = generate(hostile, explicit(hostile, store)).files["README.md"]
    for name, text in readmes.items():
        failures = [f"{f.line_number}: {f.rule_id}" for f in api.scan_string(text).scan_failures]
        assert not failures, f"{name}: {failures}"
