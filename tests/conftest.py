"""Shared fixtures: the CLI runner, the shipped examples and file helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from advisor.cli import app
from tests.servers import dynamodb_endpoint, redis_server

__all__ = ["dynamodb_endpoint", "redis_server"]
# Golden files include whole generated projects with their own tests: never collect them.
collect_ignore = ["golden"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="Rewrite golden files from current output."
    )


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the tests' cache entries out of the user's cache folder."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBADVISOR_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the CLI in-process with a fixed terminal width and no colour."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            app,
            list(args),
            input=input,
            env={"COLUMNS": "80", "NO_COLOR": "1", "DBADVISOR_RULES": ""},
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text or bytes to a file in a temporary folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
