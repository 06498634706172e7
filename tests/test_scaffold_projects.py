"""Generated projects parse, lint clean, type-check and pass their own tests against real servers.

Each shipped example, and a workload of hostile names, is generated for each database
into a temporary folder. Its Python files must parse, ``ruff check`` and ``mypy`` (strict)
must pass with the project's own configuration, and its pytest suite must pass in a
subprocess: against a real redis-server, moto's DynamoDB server and mongomock (or MongoDB
when MONGODB_URI is set), all on 127.0.0.1.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor.scaffold import Store, explicit, generate
from advisor.workload import Workload, load_workload, parse_workload
from advisor.writer import write_tree
from tests.hostile import EDGE_WORKLOADS, hostile_workload
from tests.servers import DATABASES, RedisServer
from tests.support import EXAMPLES

CASES = [(path.stem, store) for path in EXAMPLES for store in Store]
# Each case gets its own Redis database, so no run sees another's keys.
REDIS_DATABASE = {
    stem: n for n, stem in enumerate([p.stem for p in EXAMPLES] + ["hostile", *EDGE_WORKLOADS])
}
# Databases 30 and 31 are test_scaffold_lifetime.py's and test_scaffold_redis.py's.
assert len(REDIS_DATABASE) <= DATABASES - 2, "start redis-server with more --databases"
EDGES = [(name, store) for name in EDGE_WORKLOADS for store in Store]
TYPED = [*CASES, *(("hostile", store) for store in Store), *EDGES]
# mongomock lacks a few server features; the generated tests skip exactly these.
MONGOMOCK_SKIPS = re.compile(r"mongomock (has no|cannot)")


# Every test here reads the module fixture that checks all projects (minutes of
# subprocesses): one worker runs them all, so the projects are checked once.
pytestmark = pytest.mark.xdist_group("generated_projects")


def _workload(stem: str) -> Workload:
    if stem == "hostile":
        return hostile_workload()
    if stem in EDGE_WORKLOADS:
        return parse_workload(EDGE_WORKLOADS[stem], f"{stem}.yaml")
    return load_workload(next(p for p in EXAMPLES if p.stem == stem))


@dataclass(frozen=True)
class Run:
    """What checking one generated project found."""

    project: Path
    lint: subprocess.CompletedProcess[str]
    tests: subprocess.CompletedProcess[str]
    setup: subprocess.CompletedProcess[str] | None


def _environment(project: Path, store: Store, stem: str, servers: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "REDIS_", "PYTEST_")) and k != "PYTHONPATH"
    }
    # The generated tests need no plugin; loading none keeps each run short.
    env.update(
        PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"
    )
    if store is Store.REDIS:
        env["REDIS_URL"] = f"{servers['redis']}/{REDIS_DATABASE[stem]}"
    if store is Store.DYNAMODB:
        env.update(
            AWS_ENDPOINT_URL_DYNAMODB=servers["dynamodb"],
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
    return env


def _run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _write_project(stem: str, store: Store, folder: Path) -> Path:
    workload = _workload(stem)
    project = folder / "project"
    write_tree(project, generate(workload, explicit(workload, store)).files)
    return project


def _check_project(stem: str, store: Store, project: Path, servers: dict[str, str]) -> Run:
    """Lint, test and set up one generated project (no assertions: see the tests)."""
    lint = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    env = _environment(project, store, stem, servers)
    tests = _run(
        [sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider"], project, env
    )
    setup = None
    if store is not Store.MONGODB:
        # Without MONGODB_URI the set-up script would look for a server on 127.0.0.1.
        setup = _run([sys.executable, "-m", f"{project_package(project)}.setup_db"], project, env)
    return Run(project, lint, tests, setup)


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[tuple[str, Store], Run | str]:
    """Check every project at once, two at a time: each is mostly waiting on a subprocess."""
    servers = {"dynamodb": request.getfixturevalue("dynamodb_endpoint")}
    skipped = ""
    try:
        redis: RedisServer = request.getfixturevalue("redis_server")
        servers["redis"] = f"redis://127.0.0.1:{redis.port}"
    except pytest.skip.Exception as skip:
        skipped = str(skip)
    cases = [*CASES, *(("hostile", store) for store in Store), *EDGES]
    out: dict[tuple[str, Store], Run | str] = {}
    wanted = [case for case in cases if not (case[1] is Store.REDIS and skipped)]
    # Generate in this thread; the workers only wait on subprocesses.
    projects = {c: _write_project(*c, tmp_path_factory.mktemp("scaffold")) for c in wanted}
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {c: pool.submit(_check_project, *c, projects[c], servers) for c in wanted}
        for case in cases:
            out[case] = futures[case].result() if case in futures else skipped
    return out


def _passed(run: Run | str, store: Store) -> Run:
    if isinstance(run, str):
        pytest.skip(run)
    # ast.parse runs here, in the main thread: CPython 3.11's parser is not thread-safe.
    sources = sorted(run.project.rglob("*.py"))
    assert sources
    for source in sources:
        ast.parse(source.read_text(encoding="utf-8"), str(source))
    assert run.lint.returncode == 0, run.lint.stdout + run.lint.stderr
    output = run.tests.stdout + run.tests.stderr
    assert run.tests.returncode == 0, output
    assert re.search(r"\d+ passed", output), output
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    if store is Store.MONGODB:
        assert all(MONGOMOCK_SKIPS.search(line) for line in skips), skips
    else:
        assert skips == [], skips
    if run.setup is not None:
        assert run.setup.returncode == 0, run.setup.stdout + run.setup.stderr
    return run


def project_package(project: Path) -> str:
    """The generated package: the one folder beside tests/ with an __init__.py."""
    (init,) = [p for p in project.glob("*/__init__.py") if p.parent.name != "tests"]
    return init.parent.name


@pytest.mark.parametrize(("stem", "store"), CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_example_project_passes_its_own_tests(
    stem: str, store: Store, runs: dict[tuple[str, Store], Run | str]
) -> None:
    _passed(runs[(stem, store)], store)


@pytest.mark.parametrize("store", list(Store), ids=str)
def test_hostile_names_make_harmless_working_code(
    store: Store, runs: dict[tuple[str, Store], Run | str]
) -> None:
    project = _passed(runs[("hostile", store)], store).project
    # Nothing injected ran (it would have created PWNED), and nothing left the folder.
    assert not list(project.parent.rglob("PWNED"))
    assert not Path("PWNED").exists()
    written = [p for p in project.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(project.resolve()) for p in written)
    for source in project.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert text.isascii(), source
        assert "touch PWNED" not in _code_only(text), source


def _code_only(text: str) -> str:
    """The source without its string literals and comments (where names may appear)."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.unparse(tree)


@pytest.mark.parametrize(("stem", "store"), EDGES, ids=[f"{s}-{d}" for s, d in EDGES])
def test_edge_workload_project_passes_its_own_tests(
    stem: str, store: Store, runs: dict[tuple[str, Store], Run | str]
) -> None:
    _passed(runs[(stem, store)], store)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every project, so the drivers' packages are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.parametrize(("stem", "store"), TYPED, ids=[f"{s}-{d}" for s, d in TYPED])
def test_project_passes_strict_mypy(
    stem: str, store: Store, mypy_cache: Path, tmp_path: Path
) -> None:
    project = _write_project(stem, store, tmp_path)
    # Plain ``mypy`` in the project, as its README says: the strictness and the list of
    # untyped packages come from its pyproject.toml.
    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["strict"] is True
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPY")}
    result = _run([sys.executable, "-m", "mypy", "--cache-dir", str(mypy_cache)], project, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout


# What ``ruff format --check`` covers per database: the whole project, for every store.
FORMAT_CHECKED = {Store.REDIS: ".", Store.MONGODB: ".", Store.DYNAMODB: "."}


@pytest.mark.parametrize(("stem", "store"), TYPED, ids=[f"{s}-{d}" for s, d in TYPED])
def test_project_is_ruff_format_clean(stem: str, store: Store, tmp_path: Path) -> None:
    project = _write_project(stem, store, tmp_path)
    # The project's own settings (line length 100) apply, as for its users.
    target = FORMAT_CHECKED[store]
    result = _run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", target], project
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _private_definitions(module: str) -> list[str]:
    """The private names a module defines at top level."""
    names = []
    for node in ast.parse(module).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [name for name in names if name.startswith("_")]


@pytest.mark.parametrize(("stem", "store"), TYPED, ids=[f"{s}-{d}" for s, d in TYPED])
def test_project_defines_no_unused_helper(stem: str, store: Store) -> None:
    # Generated code grows with what the workload asks: every private function, class
    # or constant of the package is referred to somewhere in the project besides its
    # own definition (an append-only entity has no update, so no update helpers).
    workload = _workload(stem)
    files = generate(workload, explicit(workload, store)).files
    code = {path: text for path, text in files.items() if path.endswith(".py")}
    unused = [
        f"{path}: {name}"
        for path, text in code.items()
        if not path.startswith("tests/")
        for name in _private_definitions(text)
        if sum(len(re.findall(rf"\b{re.escape(name)}\b", t)) for t in code.values()) < 2
    ]
    assert unused == []
