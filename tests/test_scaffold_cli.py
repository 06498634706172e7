"""``dbadvisor scaffold`` from the command line: files, warnings, refusals and exit codes.

Also the scaffold attacks of the hardening issue: a full disk, Ctrl-C or SIGTERM halfway
leaves nothing, a folder that cannot be written is one line, modes follow the umask.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
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


def test_valkey_writes_the_redis_project_and_says_so(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out, redis_out = tmp_path / "valkey", tmp_path / "redis"
    result = cli("scaffold", str(LEADERBOARD), "--db", "valkey", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "game_leaderboard: redis (chosen with --db valkey; Valkey speaks the Redis" in (
        result.stdout
    )
    assert cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(redis_out)).exit_code == 0
    valkey_files, redis_files = _tree(out), _tree(redis_out)
    readme = valkey_files.pop("README.md").decode()
    redis_files.pop("README.md")
    assert valkey_files == redis_files  # the same Redis project, file for file
    assert "Valkey speaks the Redis protocol" in readme


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


def test_auto_takes_valkey_as_the_redis_project_and_says_so(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    # Where the licence must be open source, Valkey (BSD) outranks Redis (AGPL) for a
    # leaderboard; auto then writes the Redis project for it.
    workload = tmp_path / "leaderboard.yaml"
    text = LEADERBOARD.read_text(encoding="utf-8")
    workload.write_text(
        text.replace("  managed: preferred\n", "  managed: preferred\n  licensing: open_source\n"),
        encoding="utf-8",
    )
    assert "licensing: open_source" in workload.read_text(encoding="utf-8")
    result = cli("scaffold", str(workload), "--db", "auto", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "game_leaderboard: redis (best-ranked of the three, valkey, score " in result.stdout
    assert "Valkey speaks the Redis protocol" in result.stdout


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


# --- All or nothing: a full disk, Ctrl-C, SIGTERM ------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _fail_at_write(monkeypatch: pytest.MonkeyPatch, number: int, error: BaseException) -> None:
    """Make the ``number``-th file flush fail, halfway through the project."""
    real = os.fsync
    calls: list[int] = []

    def failing(fd: int) -> None:
        calls.append(fd)
        if len(calls) == number:
            raise error
        real(fd)

    monkeypatch.setattr(os, "fsync", failing)


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 2, "No space left on device"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
    ids=["full-disk", "ctrl-c"],
)
@pytest.mark.parametrize("existing", [False, True], ids=["missing", "empty"])
def test_an_interrupted_scaffold_leaves_nothing(
    cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    message: str,
    existing: bool,
) -> None:
    out = tmp_path / "out"
    if existing:
        out.mkdir()
    before = _listing(tmp_path)
    with monkeypatch.context() as patch:
        _fail_at_write(patch, 5, error)
        result = cli("scaffold", str(ECOMMERCE), "--db", "redis", "-o", str(out))
    assert result.exit_code == code
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert _listing(tmp_path) == before, "no partial project, no temporary folder"
    rerun = cli("scaffold", str(ECOMMERCE), "--db", "redis", "-o", str(out))
    assert rerun.exit_code == 0, rerun.output
    assert len(_tree(out)) > 5


def test_an_interrupted_forced_scaffold_keeps_the_folder(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    _fail_at_write(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device"))
    result = cli("scaffold", str(ECOMMERCE), "--db", "redis", "-o", str(out), "--force")
    assert result.exit_code == 2
    assert _listing(tmp_path) == ["out", "out/mine.txt"]


REDIS = ["--db", "redis", "-o"]
SLOW_SCAFFOLD = """
import os, sys, time
from advisor import cli

real, calls = os.fsync, []

def slow(fd):
    real(fd)
    calls.append(fd)
    if len(calls) == 5:
        print("halfway", flush=True)
        time.sleep(60)

os.fsync = slow
sys.argv = ["dbadvisor", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("name", "code"), [("SIGTERM", -signal.SIGTERM), ("SIGHUP", -1), ("SIGINT", 130)]
)
def test_a_signal_halfway_leaves_nothing(tmp_path: Path, name: str, code: int) -> None:
    # SIGTERM and SIGHUP end the process by the signal after the clean-up, as their
    # senders expect; SIGINT is Ctrl-C, exit 130.
    out = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-c", SLOW_SCAFFOLD, "scaffold", str(ECOMMERCE), *REDIS, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DBADVISOR_RULES": ""},
    )
    try:
        assert run.stdout is not None
        assert run.stdout.readline() == "halfway\n"
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "building"
        run.send_signal(getattr(signal, name))
        _, errors = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == code, errors
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_folder_left_by_a_killed_run_is_no_obstacle(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    # SIGKILL leaves the hidden folder beside DIR, never inside it.
    (tmp_path / ".out.0123abcd.tmp" / "half").mkdir(parents=True)
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "pyproject.toml").is_file()


# --- Where the project cannot go -------------------------------------------------------


def test_a_parent_that_is_a_file_is_one_line(cli: Callable[..., Result], tmp_path: Path) -> None:
    # Fails for root too, unlike a folder without write permission.
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for out in (tmp_path / "file" / "proj", tmp_path / "file" / "deeper" / "proj"):
        result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"dbadvisor: {tmp_path / 'file'}: exists and is not a folder"
        ]
    assert _listing(tmp_path) == ["file"]


def test_a_folder_that_cannot_be_written_is_one_line(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root writes anywhere, so the refusal is simulated; the next test uses real permissions.
    real = os.mkdir

    def refused(path: str | os.PathLike[str], mode: int = 0o777, **kw: object) -> None:
        if os.fspath(path).startswith(str(tmp_path)):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        real(path, mode)

    monkeypatch.setattr(os, "mkdir", refused)
    for out in (tmp_path / "proj", tmp_path / "missing" / "proj"):
        result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1 and "Permission denied" in result.stderr
    assert _listing(tmp_path) == []


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root ignores folder permissions"
)
def test_a_read_only_folder_is_one_line(cli: Callable[..., Result], tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(locked / "p"))
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dbadvisor: {locked / 'p'}: cannot write: Permission denied"
    ]


# --- Modes, and what --force replaces --------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(("mask", "file", "folder"), [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_the_project_follows_the_umask(
    cli: Callable[..., Result], tmp_path: Path, mask: int, file: int, folder: int
) -> None:
    out = tmp_path / "out"
    old = os.umask(mask)
    try:
        result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    modes = {stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()}
    folders = {stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")] if p.is_dir()}
    assert (modes, folders) == ({file}, {folder})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_empty_folder_and_replaced_files_keep_their_modes(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o750)
    out.chmod(0o750)
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    (out / "README.md").chmod(0o640)
    (out / "README.md").write_text("edited\n", encoding="utf-8")
    forced = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "README.md").read_text(encoding="utf-8") != "edited\n"
    assert stat.S_IMODE((out / "README.md").stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_force_replaces_no_link_and_moves_nothing_then(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("not the project's\n", encoding="utf-8")
    (out / "README.md").symlink_to(elsewhere)
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out), "--force")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dbadvisor: {out / 'README.md'}: is in the way and not a regular file; not replacing it"
    ]
    assert (out / "README.md").is_symlink()
    assert elsewhere.read_text(encoding="utf-8") == "not the project's\n"
    assert _listing(tmp_path) == ["elsewhere.md", "out", "out/README.md"]


def test_dot_is_built_beside_it(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    during: list[list[str]] = []
    real = os.fsync

    def looking(fd: int) -> None:
        during.append(sorted(os.listdir(here)))
        real(fd)

    monkeypatch.setattr(os, "fsync", looking)
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", ".")
    assert result.exit_code == 0, result.output
    assert during[0] == [], "a run killed now leaves '.' as it was"
    assert (here / "pyproject.toml").is_file()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_an_existing_folder_in_a_locked_parent_is_built_inside(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mount point whose parent only root may write: the temporary folder goes inside,
    # and one left there by a killed run does not make the folder "not empty".
    out = tmp_path / "mnt"
    (out / ".dbadvisor.0123abcd.tmp").mkdir(parents=True)
    real = os.mkdir

    def refused(path: str | os.PathLike[str], mode: int = 0o777, **kw: object) -> None:
        if Path(path).parent == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        real(path, mode)

    monkeypatch.setattr(os, "mkdir", refused)
    result = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "game_leaderboard" / "repository.py").is_file()
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == [".dbadvisor.0123abcd.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["mnt"]
