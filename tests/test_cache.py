"""The start-up cache: a hit gives the same knowledge base, and a bad cache is only a miss."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from advisor import cache
from advisor.conditions import answers_of
from advisor.errors import InputError
from advisor.kb import KnowledgeBase, load_knowledge_base
from advisor.workload import load_workload

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


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
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DBADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_cache_hit_equals_a_fresh_load(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_knowledge_base()
    entries = list(folder.glob("kb-*.json"))
    assert len(entries) == 1
    hit = load_knowledge_base()
    assert _summary(hit) == _summary(fresh)
    monkeypatch.setenv("DBADVISOR_NO_CACHE", "1")
    assert _summary(load_knowledge_base()) == _summary(fresh)


def test_a_corrupt_entry_is_a_miss_and_is_replaced(folder: Path) -> None:
    fresh = load_knowledge_base()
    (entry,) = folder.glob("kb-*.json")
    entry.write_bytes(b"not json")
    assert _summary(load_knowledge_base()) == _summary(fresh)
    assert entry.read_bytes() != b"not json"


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
    cache.write("x", b"data")
    assert cache.read("x") is None
    assert load_knowledge_base().databases


def test_only_the_newest_versions_of_an_entry_stay(folder: Path) -> None:
    future = time.time_ns() + 86_400 * 10**9  # clock skew, a restored backup: still kept
    old = [cache.entry_name("kb", [bytes([n])]) for n in range(cache.KEEP + 2)]
    for n, name in enumerate(old):  # oldest first, the newest dated in the future
        cache.write(name, b"an earlier knowledge base")
        os.utime(folder / name, ns=(future + n, future + n))
    lookalikes = ["kb-notes.txt", cache.entry_name("templates", [b"x"])]
    for name in lookalikes:
        (folder / name).write_bytes(b"not an entry of this family")
    load_knowledge_base()  # a miss: writes the current entry and prunes its family
    kept = {p.name for p in folder.glob("kb-*.json")}
    current = kept - set(old)
    assert len(current) == 1, "the entry just written stays whatever the clock says"
    assert kept == current | set(old[-(cache.KEEP - 1) :])
    assert all((folder / name).exists() for name in lookalikes)


def test_a_hit_keeps_an_entry_among_the_newest(folder: Path) -> None:
    load_knowledge_base()
    (entry,) = folder.glob("kb-*.json")
    os.utime(entry, ns=(0, 0))
    load_knowledge_base()
    assert entry.stat().st_mtime_ns > 0


def test_the_key_changes_with_the_content() -> None:
    assert cache.digest([b"a", b"bc"]) != cache.digest([b"ab", b"c"])
    assert cache.digest([b"a"]) == cache.digest([b"a"])
