"""``dbadvisor scaffold`` from the command line: files, warnings, refusals and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.hostile import hostile_yaml
from tests.support import EXAMPLES

LEADERBOARD = next(p for p in EXAMPLES if p.stem == "leaderboard")
ECOMMERCE = next(p for p in EXAMPLES if p.stem == "ecommerce")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("db", ["mongodb", "redis", "dynamodb"])
def test_scaffold_writes_a_project(cli: Callable[..., Result], tmp_path: Path, db: str) -> None:
    out = tmp_path / "out"
    result = cli("scaffold", str(LEADERBOARD), "--db", db, "-o", str(out))
    assert result.exit_code == 0, result.output
    files = _tree(out)
    assert {
        "pyproject.toml",
        "README.md",
        "game_leaderboard/__init__.py",
        "game_leaderboard/repository.py",
        "game_leaderboard/setup_db.py",
        "tests/conftest.py",
        "tests/test_repository.py",
    } <= set(files)
    assert f"game_leaderboard: {db} (chosen with --db)" in result.stdout
    assert "top_100" in files["game_leaderboard/repository.py"].decode()
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temporary files


def test_warnings_go_to_stderr_and_the_readme(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("scaffold", str(LEADERBOARD), "--db", "dynamodb", "-o", str(tmp_path / "p"))
    assert result.exit_code == 0, result.output
    assert "warning: game_leaderboard: top_100: hot partition" in result.stderr
    assert "warning:" not in result.stdout
    readme = (tmp_path / "p" / "README.md").read_text(encoding="utf-8")
    assert "top\\_100: hot partition" in readme


def test_non_empty_folder_is_refused_without_force(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert _tree(out) == {"mine.txt": b"keep me"}
    forced = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert (out / "game_leaderboard" / "repository.py").is_file()


def test_output_is_deterministic(cli: Callable[..., Result], tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = cli("scaffold", str(ECOMMERCE), "--db", "redis", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_bad_input_exits_2(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad_db = cli("scaffold", str(LEADERBOARD), "--db", "cassandra", "-o", str(tmp_path / "x"))
    assert bad_db.exit_code == 2
    missing = cli("scaffold", str(tmp_path / "nope.yaml"), "--db", "redis", "-o", str(tmp_path))
    assert missing.exit_code == 2
    assert len(missing.stderr.splitlines()) == 1
    no_db = cli("scaffold", str(LEADERBOARD), "-o", str(tmp_path / "y"))
    assert no_db.exit_code == 2
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_output_that_is_a_file_is_refused(cli: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(target), "--force")
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "x"


def test_auto_picks_per_component(cli: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "auto"
    result = cli("scaffold", str(ECOMMERCE), "--db", "auto", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "best-ranked of the three" in line]
    assert len(lines) == 5  # one choice per component
    modules = {p.stem for p in (out / "ecommerce").glob("*.py")}
    assert {"user_sessions", "inventory", "product_catalog", "order_processing"} <= modules


def test_hostile_names_stay_inside_the_folder(
    cli: Callable[..., Result], tmp_path: Path, write: Callable[[str, str], Path]
) -> None:
    workload = write("hostile.yaml", hostile_yaml())
    out = tmp_path / "inside"
    for db in ("mongodb", "redis", "dynamodb"):
        result = cli("scaffold", str(workload), "--db", db, "-o", str(out / db))
        assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(p == workload or p.is_relative_to(out) for p in written)
    for path in written:
        relative = path.relative_to(tmp_path).as_posix()
        assert relative.isascii() and ".." not in relative.split("/")
