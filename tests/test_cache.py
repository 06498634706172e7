"""The start-up cache: a hit gives the same results, and a bad or hostile cache is only a miss.

The attacks are real files in a temporary folder: planted payloads whose execution would
create a marker file, symlinks to ``/dev/zero``, FIFOs, foreign or world-writable folders
and entries, oversized entries, and a disk that refuses writes.
"""

from __future__ import annotations

import hmac
import json
import marshal
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from advisor import cache, templating
from advisor.conditions import answers_of
from advisor.errors import InputError
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.workload import load_workload

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
REPORT = "report.md.jinja"


def _summary(kb: KnowledgeBase) -> tuple[object, ...]:
    """Everything in a knowledge base, with each compiled condition shown by what it
    reads and what it says of every component of the shipped examples."""
    answers = [
        answers_of(component, workload.context)
        for workload in map(load_workload, EXAMPLES)
        for component in workload.components
    ]
    rules = tuple(
        (
            r.id,
            r.why,
            dict(r.databases),
            r.exclude,
            r.origin,
            r.when.paths,
            [r.when(a) for a in answers],
        )
        for r in kb.rules
    )
    caveats = {
        key: (condition.paths, tuple(condition(a) for a in answers))
        for key, condition in kb.caveat_conditions.items()
    }
    return kb.meta, dict(kb.categories), dict(kb.databases), rules, caveats, kb.origins


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of its own (not yet created), with a fresh Jinja environment."""
    monkeypatch.setenv("DBADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    templating.environment.cache_clear()  # it holds the bytecode cache of another folder
    yield tmp_path / "cache"
    templating.environment.cache_clear()


@pytest.fixture(scope="module")
def fresh() -> tuple[object, ...]:
    """The knowledge base loaded with no cache at all."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBADVISOR_NO_CACHE", "1")
        return _summary(load_knowledge_base())


def _kb_entry(folder: Path) -> Path:
    (entry,) = folder.glob("kb-*.json")
    return entry


def _kb_data(folder: Path) -> Any:
    """The knowledge base's entry, parsed: what follows its 32-byte signature is JSON."""
    return json.loads(_kb_entry(folder).read_bytes()[32:])


def _plant_valid_entry(folder: Path) -> Path:
    """Replace the knowledge base's entry by a signed one that says so if it is ever read."""
    data = _kb_data(folder)
    data["meta.yaml"][1]["rules_version"] = "planted"
    entry = _kb_entry(folder)
    cache.write_signed(entry.name, json.dumps(data).encode())
    return entry


class _Payload:
    """Unpickling this creates ``marker``: the proof of concept of issue 12 item 1."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.marker), "w"))


def _run(
    folder: Path, *args: str, limit_file_size: int | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m advisor ARGS`` in a process of its own, with ``folder`` as its cache."""
    env = {**os.environ, "DBADVISOR_CACHE_DIR": str(folder), "COLUMNS": "80", "NO_COLOR": "1"}

    def limit() -> None:  # the failing disk of issue 12 item 8b: writes fail with EFBIG
        if limit_file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if limit_file_size is not None else None,
        check=False,
    )


def _markdown(folder: Path, **options: int) -> str:
    done = _run(folder, "recommend", "--format", "markdown", str(EXAMPLES[0]), **options)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


# --- the knowledge base's entry -------------------------------------------------------


def test_a_cache_hit_equals_a_fresh_load(folder: Path, fresh: tuple[object, ...]) -> None:
    assert _summary(load_knowledge_base()) == fresh
    assert folder.stat().st_mode & 0o777 == 0o700
    assert _kb_entry(folder).stat().st_mode & 0o777 == 0o600
    assert _summary(load_knowledge_base()) == fresh


def test_a_hit_reads_the_entry(folder: Path) -> None:
    """The control for the tests below: a trusted entry is read (so ignoring one shows)."""
    load_knowledge_base()
    _plant_valid_entry(folder)
    assert load_knowledge_base().meta.rules_version == "planted"


def test_the_entry_is_plain_data(folder: Path) -> None:
    load_knowledge_base()
    assert _kb_data(folder)["meta.yaml"][0] == "<built-in>/rules/meta.yaml"


@pytest.mark.parametrize("legacy", [False, True], ids=["entry", "legacy-pickle-name"])
def test_a_planted_pickle_never_runs(
    folder: Path, tmp_path: Path, fresh: tuple[object, ...], legacy: bool
) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    if legacy:  # the name dbadvisor 0.1 read with pickle.loads
        entry = entry.with_suffix(".pickle")
    marker = tmp_path / "marker"
    entry.write_bytes(pickle.dumps(_Payload(marker)))
    assert not marker.exists()
    assert _summary(load_knowledge_base()) == fresh
    assert not marker.exists()


def test_a_corrupt_entry_is_a_miss_and_is_replaced(folder: Path, fresh: tuple[object, ...]) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    for damage in [b"not json", b"[1, 2]", b'{"meta.yaml": 1}', b"[" * 100_000]:
        entry.write_bytes(damage)
        assert _summary(load_knowledge_base()) == fresh
        assert entry.read_bytes() != damage


def test_a_tampered_entry_is_not_read(folder: Path, fresh: tuple[object, ...]) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    signature, data = entry.read_bytes()[:32], _kb_data(folder)
    data["meta.yaml"][1]["rules_version"] = "planted"
    entry.write_bytes(signature + json.dumps(data).encode())
    assert _summary(load_knowledge_base()) == fresh


def test_an_entry_signed_with_another_key_is_not_read(
    folder: Path, fresh: tuple[object, ...]
) -> None:
    load_knowledge_base()
    _plant_valid_entry(folder)
    (folder / cache.KEY_NAME).write_bytes(os.urandom(cache.KEY_BYTES))
    assert _summary(load_knowledge_base()) == fresh


def test_a_symlink_to_dev_zero_is_a_quick_miss(folder: Path, fresh: tuple[object, ...]) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    entry.unlink()
    entry.symlink_to("/dev/zero")
    start = time.perf_counter()
    assert _summary(load_knowledge_base()) == fresh
    assert time.perf_counter() - start < 10  # following it read 7 GB
    assert not entry.is_symlink()  # replaced by a real entry, not written through


def test_a_symlink_to_a_good_entry_is_not_followed(folder: Path, tmp_path: Path) -> None:
    load_knowledge_base()
    planted = _plant_valid_entry(folder)
    elsewhere = planted.rename(tmp_path / "elsewhere.json")
    planted.symlink_to(elsewhere)
    assert load_knowledge_base().meta.rules_version != "planted"


def test_a_fifo_does_not_hang(folder: Path, fresh: tuple[object, ...]) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    entry.unlink()
    os.mkfifo(entry, 0o600)
    done = _run(folder, "rules", "list", timeout=60)  # a hang is a TimeoutExpired
    assert (done.returncode, done.stderr) == (0, "")
    assert _summary(load_knowledge_base()) == fresh


def test_an_oversized_entry_is_not_read(folder: Path) -> None:
    load_knowledge_base()
    entry = _plant_valid_entry(folder)
    payload = entry.read_bytes()[32:] + b" " * cache.MAX_BYTES  # still valid JSON
    key = (folder / cache.KEY_NAME).read_bytes()
    signature = hmac.digest(key, entry.name.encode() + b"\0" + payload, "sha256")
    entry.write_bytes(signature + payload)
    assert load_knowledge_base().meta.rules_version != "planted"


def test_an_entry_others_can_write_is_not_read(folder: Path) -> None:
    load_knowledge_base()
    entry = _plant_valid_entry(folder)
    entry.chmod(0o662)
    assert load_knowledge_base().meta.rules_version != "planted"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_an_entry_of_another_user_is_not_read(folder: Path) -> None:
    load_knowledge_base()
    entry = _plant_valid_entry(folder)
    os.chown(entry, 12345, 12345)
    assert load_knowledge_base().meta.rules_version != "planted"


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_folder_others_can_write_is_ignored(folder: Path, mode: int) -> None:
    load_knowledge_base()
    _plant_valid_entry(folder)
    folder.chmod(mode)
    assert load_knowledge_base().meta.rules_version != "planted"
    assert _kb_data(folder)["meta.yaml"][1]["rules_version"] == "planted", (
        "nothing is written there either"
    )


def test_a_folder_of_another_user_is_ignored(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge_base()
    _plant_valid_entry(folder)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)
    assert load_knowledge_base().meta.rules_version != "planted"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "file"])
def test_a_cache_folder_that_is_no_folder_is_ignored(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "cache"
    if kind == "fifo":
        os.mkfifo(folder, 0o600)
    elif kind == "dev-zero":
        folder.symlink_to("/dev/zero")
    else:
        folder.write_text("not a folder", encoding="utf-8")
    done = _run(folder, "rules", "list", timeout=60)  # a hang is a TimeoutExpired
    assert (done.returncode, done.stderr) == (0, "")
    assert "baseline." in done.stdout


def test_a_symlinked_folder_of_our_own_is_used(folder: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    folder.symlink_to(real)
    load_knowledge_base()
    assert list(real.glob("kb-*.json"))


def test_overlays_apply_on_top_of_a_cached_base(folder: Path, tmp_path: Path) -> None:
    load_knowledge_base()
    overlay = tmp_path / "ours.yaml"
    overlay.write_text(
        "rules:\n  - id: ours.rule\n    when: {}\n    points: {databases: {riak: 1}}\n"
        "    why: An overlay on top of the cached base.\n    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    assert load_knowledge_base([overlay]).rule("ours.rule").databases == {"riak": 1}
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    when: {}\n    exclude: [rediss]\n"
        "    why: Excludes a misspelt database.\n    sources: [https://example.com/x]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_knowledge_base([bad])
    assert caught.value.lines() == [
        f"{bad}:4:15: rules[0].exclude[0]: unknown database 'rediss' (did you mean 'redis'?)"
    ]


def test_an_unwritable_cache_folder_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("DBADVISOR_CACHE_DIR", str(blocker / "cache"))
    cache.write_signed("x", b"data")
    assert cache.read_signed("x") is None
    assert load_knowledge_base().databases


def test_only_the_newest_versions_of_an_entry_stay(folder: Path) -> None:
    future = time.time_ns() + 86_400 * 10**9  # clock skew, a restored backup: still kept
    old = [cache.entry_name("kb", [bytes([n])]) for n in range(cache.KEEP + 2)]
    for n, name in enumerate(old):  # oldest first, the newest dated in the future
        cache.write_signed(name, b"an earlier knowledge base")
        os.utime(folder / name, ns=(future + n, future + n))
    legacy = folder / "kb-0123456789abcdef.pickle"  # what dbadvisor 0.1 wrote
    legacy.write_bytes(b"an old pickle")
    os.utime(legacy, ns=(0, 0))
    lookalikes = ["kb-notes.txt", cache.entry_name("templates", [b"x"])]
    for name in lookalikes:
        (folder / name).write_bytes(b"not an entry of this family")
    load_knowledge_base()  # a miss: writes the current entry and prunes its family
    kept = {p.name for p in folder.glob("kb-*.json")}
    current = kept - set(old)
    assert len(current) == 1, "the entry just written stays whatever the clock says"
    assert kept == current | set(old[-(cache.KEEP - 1) :])
    assert all((folder / name).exists() for name in lookalikes)
    assert not legacy.exists()


def test_a_hit_keeps_an_entry_among_the_newest(folder: Path) -> None:
    load_knowledge_base()
    entry = _kb_entry(folder)
    os.utime(entry, ns=(0, 0))
    load_knowledge_base()
    assert entry.stat().st_mtime_ns > 0


def test_the_key_changes_with_the_content() -> None:
    assert cache.digest([b"a", b"bc"]) != cache.digest([b"ab", b"c"])
    assert cache.digest([b"a"]) == cache.digest([b"a"])


def test_entry_names_cannot_leave_the_folder() -> None:
    for name in ["../x", "a/b", ".hidden", ""]:
        with pytest.raises(ValueError):
            cache.read_signed(name)
        with pytest.raises(ValueError):
            cache.write_signed(name, b"")
    with pytest.raises(ValueError):
        cache.read_signed(cache.KEY_NAME)


# --- compiled templates ---------------------------------------------------------------


def _template_entry(folder: Path) -> tuple[Path, str, str]:
    """The entry of ``report.md.jinja``, its source and its file name as Jinja sees them."""
    env = templating.environment()
    assert env.loader is not None
    source, filename, _ = env.loader.get_source(env, REPORT)
    key = jinja2.BytecodeCache().get_cache_key(REPORT, filename)
    return folder / templating._bytecode_entry(key), source, str(filename)


def _forged_code(source: str, filename: str, marker: Path) -> bytes:
    """``report.md.jinja`` compiled, plus a line that creates ``marker`` when it runs."""
    env = templating.environment()
    python = env.compile(source, REPORT, filename, raw=True)
    code = compile(f"open({str(marker)!r}, 'w').close()\n{python}", filename, "exec")
    checksum = jinja2.BytecodeCache().get_source_checksum(source)
    return templating._bytecode_header(checksum) + marshal.dumps(code)


def _load_report(folder: Path) -> jinja2.Template:
    """Load ``report.md.jinja`` in a new environment: loading runs the compiled code."""
    templating.environment.cache_clear()
    return templating.environment().get_template(REPORT)


def test_compiled_templates_are_cached_and_signed(folder: Path, tmp_path: Path) -> None:
    first = _load_report(folder)
    entry, source, filename = _template_entry(folder)
    assert entry.exists() and entry.stat().st_mode & 0o777 == 0o600
    assert (folder / cache.KEY_NAME).stat().st_mode & 0o777 == 0o600
    os.utime(entry, ns=(0, 0))
    inode = entry.stat().st_ino
    assert _load_report(folder).name == REPORT
    assert entry.stat().st_mtime_ns > 0 and entry.stat().st_ino == inode, "a hit, not rewritten"
    # The control for the tests below: an entry signed with this user's key runs.
    marker = tmp_path / "marker"
    cache.write_signed(entry.name, _forged_code(source, filename, marker))
    _load_report(folder)
    assert marker.exists()
    assert first.name == REPORT


def test_a_forged_template_never_runs(folder: Path, tmp_path: Path) -> None:
    _load_report(folder)
    entry, source, filename = _template_entry(folder)
    marker = tmp_path / "marker"
    payload = _forged_code(source, filename, marker)
    forgeries = [
        payload,  # no signature at all
        hmac.digest(os.urandom(32), entry.name.encode() + b"\0" + payload, "sha256") + payload,
        entry.read_bytes()[:32] + payload,  # a signature of other content
        pickle.dumps(_Payload(marker)),  # what Jinja's own cache would unpickle
    ]
    for forged in forgeries:
        entry.write_bytes(forged)
        entry.chmod(0o600)
        template = _load_report(folder)
        assert template.name == REPORT
        assert not marker.exists()


def test_a_readable_key_is_not_trusted(folder: Path, tmp_path: Path) -> None:
    _load_report(folder)
    entry, source, filename = _template_entry(folder)
    marker = tmp_path / "marker"
    cache.write_signed(entry.name, _forged_code(source, filename, marker))
    key = folder / cache.KEY_NAME
    old = key.read_bytes()
    key.chmod(0o644)  # anyone could have signed with it
    _load_report(folder)
    assert not marker.exists()
    assert key.stat().st_mode & 0o777 == 0o600 and key.read_bytes() != old, "replaced"


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_a_file_of_the_user_called_key_is_never_replaced(folder: Path, mode: int) -> None:
    """DBADVISOR_CACHE_DIR may share a folder with other files: one called ``key`` that is
    longer than a key was never written by the cache, and keeps its content."""
    folder.mkdir(mode=0o700)
    key = folder / cache.KEY_NAME
    mine = b"-----BEGIN PRIVATE KEY-----\nnot a cache key, and longer than one\n"
    key.write_bytes(mine)
    key.chmod(mode)
    cache.write_signed("entry", b"data")
    assert key.read_bytes() == mine and key.stat().st_mode & 0o777 == mode
    assert cache.read_signed("entry") is None  # no key: only a miss
    assert load_knowledge_base().databases


@pytest.mark.parametrize("xdg", ["relative", "./relative", "~/cache"])
def test_a_relative_xdg_cache_home_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str
) -> None:
    """The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored, so no cache is made
    in the working folder."""
    monkeypatch.delenv("DBADVISOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("DBADVISOR_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "dbadvisor"


def test_hostile_template_entries_are_misses(folder: Path) -> None:
    expected = _markdown(folder)
    entry, _, _ = _template_entry(folder)
    key = folder / cache.KEY_NAME
    for path in (entry, key):
        path.unlink()
        path.symlink_to("/dev/zero")
    assert _markdown(folder) == expected
    for path in (entry, key):
        path.unlink()
        os.mkfifo(path, 0o600)
    assert _markdown(folder) == expected  # no hang: _run times out otherwise


def test_a_disk_that_refuses_writes_is_no_traceback(tmp_path: Path) -> None:
    """Issue 12 item 8b: EFBIG on writing, then every later run, is only a miss."""
    folder = tmp_path / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBADVISOR_NO_CACHE", "1")
        expected = _markdown(tmp_path / "unused")
    assert _markdown(folder, limit_file_size=1000) == expected
    assert not [p for p in folder.iterdir() if p.stat().st_size >= 1000]
    assert _markdown(folder, limit_file_size=1000) == expected
    assert _markdown(folder) == expected
    assert list(folder.glob("jinja-*.bin")) and list(folder.glob("kb-*.json"))
    assert _markdown(folder) == expected
