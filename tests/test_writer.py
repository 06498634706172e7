"""Writing: atomic, never over a file unasked, never over what is not a regular file.

Each attack of the hardening issue on ``-o`` is a test here: FIFOs, devices and symbolic
links, modes under a umask, a trailing slash, ``-o -`` and parallel ADR numbering.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from advisor import writer
from advisor.errors import InputError
from advisor.writer import write_numbered, write_text, write_tree
from tests.support import EXAMPLES

Cli = Callable[..., Result]
LEADERBOARD = next(p for p in EXAMPLES if p.stem == "leaderboard")
DATE = "2026-01-02"


def test_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    write_text(target, "first\n")
    with pytest.raises(InputError, match="already exists; use --force"):
        write_text(target, "second\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    write_text(target, "second\n", force=True)
    assert target.read_text(encoding="utf-8") == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    target.write_text("precious\n", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError, match="cannot write: No space left on device"):
        write_text(target, "half a report", force=True)
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_file_created_meanwhile_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    real_fsync = os.fsync

    def racing_fsync(fd: int) -> None:
        real_fsync(fd)
        target.write_text("someone else's\n", encoding="utf-8")

    monkeypatch.setattr(os, "fsync", racing_fsync)
    with pytest.raises(InputError, match="already exists"):
        write_text(target, "ours\n")
    assert target.read_text(encoding="utf-8") == "someone else's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_unwritable_folder_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_text(tmp_path / "missing" / "out.md", "x")
    with pytest.raises(InputError, match="is a directory"):
        write_text(tmp_path, "x")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"file/out.md: .*file is not a folder$"):
        write_text(tmp_path / "file" / "out.md", "x")


def test_tree_stays_inside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    with pytest.raises(InputError, match="outside"):
        write_tree(root, {"../escape.py": "x"})
    with pytest.raises(InputError, match="outside"):
        write_tree(root, {"/etc/passwd": "x"})
    assert not (tmp_path / "escape.py").exists()
    write_tree(root, {"a/b.py": "x\n"})
    with pytest.raises(InputError, match="not empty"):
        write_tree(root, {"c.py": "y\n"})
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == ["a", "a/b.py"]


def test_a_killed_runs_leftover_does_not_block_the_rerun(tmp_path: Path) -> None:
    # A run killed while building inside the folder (its parent was not writable then)
    # leaves .dbadvisor.<hex>.tmp, which does not count as content, also once the
    # parent is writable again and the tree is built beside the folder.
    root = tmp_path / "project"
    (root / ".dbadvisor.0123abcd.tmp").mkdir(parents=True)
    write_tree(root, {"a/b.py": "x\n"})
    assert (root / "a" / "b.py").read_text(encoding="utf-8") == "x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="only root can give a folder away"
)
def test_a_folder_of_another_user_needs_force(tmp_path: Path) -> None:
    # Made in advance in /tmp by someone else, who could then swap the generated code
    # before it runs (and the empty folder's owner was passed on to the project).
    root = tmp_path / "project"
    root.mkdir(mode=0o777)
    os.chown(root, 65534, 65534)
    with pytest.raises(InputError, match="belongs to another user; use --force"):
        write_tree(root, {"a.py": "x\n"})
    assert list(root.iterdir()) == []
    write_tree(root, {"a.py": "x\n"}, force=True)
    assert (root / "a.py").read_text(encoding="utf-8") == "x\n"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="only root can give a folder away"
)
def test_a_folder_of_another_user_made_while_building_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: missing when checked, made by someone else before the rename.
    root = tmp_path / "project"
    real = writer._new_folder

    def then_planted(given: Path) -> Path:
        made = real(given)
        root.mkdir(mode=0o777)
        os.chown(root, 65534, 65534)
        return made

    monkeypatch.setattr(writer, "_new_folder", then_planted)
    with pytest.raises(InputError, match="belongs to another user; use --force"):
        write_tree(root, {"a.py": "x\n"})
    assert list(root.iterdir()) == [] and root.stat().st_uid == 65534
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_a_name_near_the_length_limit_can_be_written(tmp_path: Path) -> None:
    # 249 bytes is a legal name (255 is the usual limit), but ".<name>.<8 hex>.tmp" for
    # the temporary file or folder beside it was not.
    name = "\u00e9" * 122 + ".json"
    try:
        (tmp_path / name).touch()
        (tmp_path / name).unlink()
    except OSError:
        pytest.skip("the file system here takes shorter names")
    write_text(tmp_path / name, "x\n")
    write_tree(tmp_path / name[:-5], {"a.py": "y\n"})
    assert (tmp_path / name).read_text(encoding="utf-8") == "x\n"
    assert (tmp_path / name[:-5] / "a.py").read_text(encoding="utf-8") == "y\n"
    assert len(list(tmp_path.iterdir())) == 2


# --- What is at the path: FIFOs, devices, symbolic links, folders ---------------------


@contextlib.contextmanager
def _reading(fifo: Path) -> Iterator[list[bytes]]:
    """Read ``fifo`` in a thread; never hang, even if nobody opens it for writing."""
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            got.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield got
    finally:
        reader.join(timeout=10)
        if reader.is_alive():  # nothing wrote into the FIFO: release the reader
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            reader.join(timeout=10)


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@needs_fifo
@pytest.mark.parametrize("force", [False, True])
def test_a_fifo_is_written_into_not_replaced(tmp_path: Path, force: bool) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with _reading(fifo) as got:
        write_text(fifo, "through the pipe\n", force=force)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@needs_fifo
def test_a_link_to_a_fifo_is_followed_like_dev_stdout(cli: Cli, tmp_path: Path) -> None:
    # /dev/stdout is a symbolic link to the process's stdout, often a pipe; this is one
    # of our own, so the system's /dev/stdout is never at risk.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "stdout").symlink_to(fifo)
    with _reading(fifo) as got:
        result = cli("recommend", str(LEADERBOARD), "-o", str(tmp_path / "stdout"), "--force")
    assert result.exit_code == 0, result.stderr
    assert got and got[0].startswith(b"{"), "a name without .md gives JSON, as for a file"
    assert os.readlink(tmp_path / "stdout") == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="only root can give a link away"
)
def test_a_link_of_another_user_to_a_device_is_refused(cli: Cli, tmp_path: Path) -> None:
    # Planted in a shared folder such as /tmp, it could aim a run of root at any device
    # (/dev/port, a watchdog); /dev/null stands for them here.
    link = tmp_path / "report.md"
    link.symlink_to("/dev/null")
    os.lchown(link, 65534, 65534)
    result = cli("recommend", str(LEADERBOARD), "-o", str(link))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dbadvisor: {link}: is a symbolic link of another user (to /dev/null); "
        "not writing through it"
    ]
    assert os.readlink(link) == "/dev/null"


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_dev_null_stays_a_device(cli: Cli, force: list[str]) -> None:
    result = cli("recommend", str(LEADERBOARD), "-o", "/dev/null", *force)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_symbolic_link_is_refused_and_kept(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    target.write_text("my notes\n", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    for path, force in [(link, []), (link, ["--force"]), (dangling, ["--force"])]:
        result = cli("recommend", str(LEADERBOARD), "-o", str(path), *force)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"dbadvisor: {path}: is a symbolic link (to {os.path.realpath(path)}); "
            "give the file itself, or remove the link"
        ]
    assert link.is_symlink() and dangling.is_symlink()
    assert target.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.md", "notes.md", "report.md"]


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets here")
def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(InputError, match="is not a regular file; refusing"):
            write_text(path, "x", force=True)
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_block_device_is_refused(tmp_path: Path) -> None:
    device = tmp_path / "disk"
    try:
        os.mknod(device, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    except (OSError, AttributeError):
        pytest.skip("cannot make a device node here (needs root)")
    with pytest.raises(InputError, match="is a block device; refusing"):
        write_text(device, "x", force=True)
    assert stat.S_ISBLK(os.lstat(device).st_mode)


def test_a_trailing_slash_names_a_folder(cli: Cli, tmp_path: Path) -> None:
    missing = f"{tmp_path}/new/"
    result = cli("recommend", str(LEADERBOARD), "-o", missing)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"dbadvisor: {missing}: no such folder; a trailing '/' names a folder, not a file"
    ]
    (tmp_path / "file.md").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="no such folder"):
        write_text(f"{tmp_path}/file.md/", "y", force=True)
    with pytest.raises(InputError, match="is a directory"):
        write_text(f"{tmp_path}/", "y", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.md"]


def test_dash_is_stdout(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("recommend", str(LEADERBOARD), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Database recommendation"), "markdown, as for a pipe"
    records = cli("recommend", str(LEADERBOARD), "--format", "adr", "-o", "-", "--date", DATE)
    assert records.exit_code == 0, records.stderr
    assert records.stdout.startswith("---\n")
    answers = cli("interview", "--from", str(LEADERBOARD), "-o", "-", input="\n" * 2000)
    assert answers.exit_code == 0, answers.stderr
    assert "name: game_leaderboard" in answers.stdout
    project = cli("scaffold", str(LEADERBOARD), "--db", "redis", "-o", "-")
    assert project.exit_code == 2, "a project cannot go to stdout, nor to a folder named '-'"
    assert project.stderr.splitlines() == [
        "dbadvisor: -o -: scaffold writes a folder, not to stdout; "
        "for a folder named '-', give its full path"
    ]
    assert list(tmp_path.iterdir()) == []


# --- Modes -----------------------------------------------------------------------------


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    with _umask(mask):
        write_text(tmp_path / "new.md", "x\n")
    assert stat.S_IMODE(os.stat(tmp_path / "new.md").st_mode) == mode


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_force_keeps_the_mode_of_the_file_it_replaces(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    with _umask(0o077):
        result = cli("recommend", str(LEADERBOARD), "-o", str(target), "--force")
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("# Database recommendation")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="only root can give a file away"
)
def test_force_run_by_root_keeps_the_owner(tmp_path: Path) -> None:
    target = tmp_path / "theirs.md"
    target.write_text("old\n", encoding="utf-8")
    os.chown(target, 65534, 65534)
    write_text(target, "new\n", force=True)
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)
    assert target.read_text(encoding="utf-8") == "new\n"


# --- ADR numbers -----------------------------------------------------------------------


def test_a_number_taken_meanwhile_moves_on(tmp_path: Path) -> None:
    (tmp_path / "0001-a.md").write_text("someone else's\n", encoding="utf-8")

    def stale(folder: Path) -> int:
        return 1  # as read before 0001 was written

    written = list(
        write_numbered(tmp_path, ["one\n", "two\n"], lambda i, n: f"{n:04d}-a.md", stale)
    )
    assert [p.name for p in written] == ["0002-a.md", "0003-a.md"]
    assert (tmp_path / "0001-a.md").read_text(encoding="utf-8") == "someone else's\n"
    assert (tmp_path / "0003-a.md").read_text(encoding="utf-8") == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0001-a.md", "0002-a.md", "0003-a.md"]


def test_numbers_past_9999_are_never_taken_twice(cli: Cli, tmp_path: Path) -> None:
    # Record 10000 has five digits: the next run must still see it as taken.
    (tmp_path / "9999-choose-x.md").write_text("the last four-digit record\n", encoding="utf-8")
    # The second run records the same components again: --force supersedes the first.
    args = ("recommend", str(EXAMPLES[0]), "--format", "adr", "--date", DATE, "-o", str(tmp_path))
    for force in ((), ("--force",)):
        result = cli(*args, *force)
        assert result.exit_code == 0, result.stderr
    numbers = [p.name.split("-")[0] for p in tmp_path.iterdir()]
    assert len(numbers) == len(set(numbers)) > 2, sorted(numbers)


def test_parallel_runs_take_distinct_numbers(tmp_path: Path) -> None:
    # Eight processes at once, half with the same workload (the same file names) and half
    # with others (other names, the same numbers if nothing kept them apart). A second
    # record of the same component needs --force, which supersedes the earlier one.
    single = [p for p in EXAMPLES if p.stem != "ecommerce"]
    files = [single[i % len(single)] for i in range(8)]
    args = ["--format", "adr", "--date", DATE, "-o", str(tmp_path), "--force"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "advisor.cli", "recommend", str(f), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "DBADVISOR_RULES": ""},
        )
        for f in files
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * 8, errors
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [name[:4] for name in names] == [f"{n:04d}" for n in range(1, 9)]
    assert not [name for name in names if name.endswith(".tmp")]
    # The check for an earlier record runs under the lock: one record per component stands.
    standing = [n for n in names if 'status: "proposed"' in (tmp_path / n).read_text("utf-8")]
    assert len(standing) == len(set(files))
