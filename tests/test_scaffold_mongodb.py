"""Generated MongoDB code under load: atomic increments, compare-and-swap, pages and rank.

Each test generates a project, imports its package and drives it from several threads
against mongomock, or against the MongoDB server at MONGODB_URI when that is set.
Every outcome is counted: no update may be lost and no guard may be passed twice.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from advisor.scaffold import Store, explicit, generate
from advisor.workload import Workload, load_workload, parse_workload
from advisor.writer import write_tree
from tests.hostile import EDGE_WORKLOADS
from tests.support import EXAMPLES, session_round_trip, session_touch

THREADS = 8
MONGOMOCK_LOCK = threading.RLock()
ATOMIC_CALLS = (
    "find_one",
    "find_one_and_update",
    "update_one",
    "insert_one",
    "delete_one",
    "bulk_write",
    "count_documents",
)
BASE = datetime(2030, 1, 1, tzinfo=UTC)


def example(stem: str) -> Workload:
    """A shipped example workload by file stem."""
    return load_workload(next(p for p in EXAMPLES if p.stem == stem))


@contextlib.contextmanager
def imported(workload: Workload, store: Store, folder: Path, module: str) -> Iterator[ModuleType]:
    """Generate ``workload`` for ``store`` into ``folder`` and import one component module."""
    files = generate(workload, explicit(workload, store)).files
    write_tree(folder, files)
    (package,) = {p.split("/")[0] for p in files if p.endswith("/__init__.py")} - {"tests"}
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(f"{package}.{module}")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            del sys.modules[name]


@contextlib.contextmanager
def project(
    source: str | Workload, tmp_path: Path, mongo: tuple[Any, bool], module: str = "repository"
) -> Iterator[tuple[ModuleType, Any]]:
    """Yield one module of a generated MongoDB project, and the database, collections made.

    ``source`` is an example's file stem or a workload.
    """
    db, mock = mongo
    workload = example(source) if isinstance(source, str) else source
    with imported(workload, Store.MONGODB, tmp_path, module) as repo:
        repo.ensure_schema(db, validators=not mock)
        yield repo, db


@pytest.fixture
def mongo() -> Iterator[tuple[Any, bool]]:
    """A fresh database (mongomock, or MONGODB_URI's server) and whether it is mongomock."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        from pymongo import MongoClient

        client: Any = MongoClient(uri, tz_aware=True)
    else:
        mongomock = pytest.importorskip("mongomock")
        client = mongomock.MongoClient(tz_aware=True)
        _patch_mongomock()
    name = "scaffold_" + uuid.uuid4().hex[:10]
    yield client[name], not uri
    client.drop_database(name)
    client.close()


def _patch_mongomock() -> None:
    """Give mongomock what the generated conftest gives it (see its _patch_mongomock).

    pymongo 4.11+ passes ``sort`` to bulk updates, which mongomock 4.3 rejects;
    mongomock takes no locks, while a server makes each single-document operation atomic;
    and it deletes expired documents on every access, while a server's TTL monitor runs
    every 60 s, so the code must cope with expired documents still stored.
    """
    from mongomock.collection import BulkOperationBuilder, Collection
    from mongomock.store import CollectionStore

    if getattr(Collection, "_scaffold_patched", False):
        return
    CollectionStore._remove_expired_documents = lambda self: None  # type: ignore[method-assign]
    for name in ("add_update", "add_replace"):
        original = getattr(BulkOperationBuilder, name)

        def without_sort(self: Any, *args: Any, _call: Any = original, **kw: Any) -> Any:
            kw.pop("sort", None)
            return _call(self, *args, **kw)

        setattr(BulkOperationBuilder, name, without_sort)
    for name in ATOMIC_CALLS:
        method = getattr(Collection, name)

        def atomic(self: Any, *args: Any, _call: Any = method, **kw: Any) -> Any:
            with MONGOMOCK_LOCK:
                return _call(self, *args, **kw)

        setattr(Collection, name, atomic)
    Collection._scaffold_patched = True  # type: ignore[attr-defined]


def _run(workers: int, job: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(job, range(workers)))


def _score(repo: ModuleType, n: int, board: str = "b1", score: int = 0) -> Any:
    return repo.Score(
        entry_id=f"e{n:05d}", board_id=board, player_id=f"p{n:05d}", score=score, updated_at=BASE
    )


def test_concurrent_increments_lose_nothing(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    with imported(example("leaderboard"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        repo.create_score(db, _score(repo, 1))
        per_thread = 100

        def bump(_: int) -> int:
            done = 0
            for _ in range(per_thread):
                done += repo.increment_score(db, "e00001", "score", 3) is not None
            return done

        done = sum(_run(THREADS, bump))
        assert done == THREADS * per_thread
        stored = repo.fetch_score(db, "e00001")
        assert stored is not None and stored.score == 3 * done


def test_guarded_decrements_never_pass_the_minimum(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    workload = example("ecommerce")
    with imported(workload, Store.MONGODB, tmp_path, "inventory") as repo:
        repo.ensure_schema(db, validators=not mock)
        repo.create_warehouse(db, repo.Warehouse("w1", "Main", "eu", (13.4, 52.5)))
        stock = repo.StockLevel("s1", "sku1", "w1", 50, 0, BASE)
        repo.create_stock_level(db, stock)

        def reserve(_: int) -> int:
            won = 0
            for _ in range(20):
                won += repo.increment_stock_level(db, "s1", "on_hand", -1, minimum=0) is not None
            return won

        won = sum(_run(THREADS, reserve))
        # 160 attempts for 50 units: exactly 50 succeed and the level stops at zero.
        assert won == 50
        stored = repo.fetch_stock_level(db, "s1")
        assert stored is not None and stored.on_hand == 0


def test_compare_and_swap_updates_are_counted(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    with imported(example("leaderboard"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        repo.create_player(db, repo.Player("p1", "0", "de"))
        conflicts: list[Exception] = []

        def plus_one(player: Any) -> Any:
            return type(player)(player.player_id, str(int(player.display_name) + 1), player.country)

        def edit(_: int) -> int:
            done = 0
            for _ in range(25):
                try:
                    repo.update_player(db, "p1", plus_one)
                    done += 1
                except repo.ConflictError as error:
                    conflicts.append(error)
            return done

        done = sum(_run(THREADS, edit))
        stored = repo.fetch_player(db, "p1")
        assert stored is not None
        # Every update that returned was applied on top of all the others: none lost.
        assert int(stored.display_name) == done
        assert done + len(conflicts) == THREADS * 25
        assert done >= THREADS * 25 * 0.9


def test_pages_follow_each_other(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    with imported(example("leaderboard"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        # Ties on purpose: the cursor breaks them on _id, so nothing is skipped or repeated.
        scores = [_score(repo, n, score=n % 37) for n in range(250)]
        repo.save_many_score(db, scores)
        seen: list[Any] = []
        after = None
        pages = 0
        while True:
            page = repo.top_100(db, "b1", after=after)
            seen += page
            pages += 1
            if page.cursor is None:
                break
            after = page.cursor
        assert pages == 3
        assert len(seen) == 250 and len({s.entry_id for s in seen}) == 250
        expected = sorted(scores, key=lambda s: (-s.score, s.entry_id), reverse=False)
        assert [s.score for s in seen] == [s.score for s in expected]


def test_rank_and_top_n_on_a_realistic_board(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    with imported(example("leaderboard"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        board = [_score(repo, n, score=(n * 7919) % 100_003) for n in range(3000)]
        assert repo.save_many_score(db, board) == 3000
        ordered = sorted(board, key=lambda s: -s.score)
        top = repo.top_100(db, "b1")
        assert [s.score for s in top] == [s.score for s in ordered[:100]]
        for n in (0, 1, 1234, 2999):
            entry = board[n]
            expected = sum(1 for s in board if s.score > entry.score)
            assert repo.player_rank(db, "b1", entry.player_id) == expected


def test_bulk_save_is_one_bulk_write_per_batch(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    db, mock = mongo
    with imported(example("iot-telemetry"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        calls: list[int] = []
        real = repo._bulk_upsert

        def counting(collection: Any, updates: Any) -> int:
            calls.append(len(updates))
            result: int = real(collection, updates)
            return result

        repo._bulk_upsert = counting  # type: ignore[attr-defined]
        readings = [
            repo.Reading(f"r{n}", "d1", BASE + timedelta(seconds=n), 20.5, 40.0, 3.3, {"n": n})
            for n in range(2500)
        ]
        assert repo.save_many_reading(db, readings) == 2500
        assert calls == [2500]
        assert db["reading"].count_documents({}) == 2500
        # Saving again is an idempotent retry: the same 2,500 documents, overwritten.
        assert repo.save_many_reading(db, readings) == 2500
        assert db["reading"].count_documents({}) == 2500
    text = (tmp_path / "device_telemetry" / "mongodb_support.py").read_text(encoding="utf-8")
    assert "bulk_write(" in text and "ordered=False" in text


def test_text_index_leaves_out_status_like_fields() -> None:
    workload = parse_workload(
        """
name: t
entities:
  - {name: Ticket, key: id, fields: {id: string, title: string, body: string, status: string}}
access_patterns:
  - {name: find, entity: Ticket, kind: search}
"""
    )
    files = generate(workload, explicit(workload, Store.MONGODB)).files
    code = files["t/repository.py"]
    (text_index,) = re.findall(r"IndexModel\(\[(\(\"title\", \"text\"\).*?)\]", code)
    assert '"body"' in text_index and '"status"' not in text_index


def test_strong_gets_are_linearizable_and_eventual_ones_are_not() -> None:
    ledger = generate(example("ledger"), explicit(example("ledger"), Store.MONGODB)).files
    code = ledger["ledger/repository.py"]
    get_account = code[code.index("def get_account(") :].split("\n\n\n")[0]
    assert "_linearizable(" in get_account and "max_time_ms=LINEARIZABLE_TIMEOUT_MS" in get_account
    # A statement reads many documents: linearizable does not apply to it.
    statement = code[code.index("def account_statement(") :].split("\n\n\n")[0]
    assert "_linearizable(" not in statement
    board = generate(example("leaderboard"), explicit(example("leaderboard"), Store.MONGODB))
    assert "linearizable" not in board.files["game_leaderboard/repository.py"]


def test_an_item_kept_unchanged_keeps_its_stored_form(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # save_together passes each unchanged item as (item, item): the check raises the
    # version and writes none of its values, so an equal Decimal of another scale
    # (1E+2 == 100.00) does not rewrite an append-only ledger entry.
    from dataclasses import replace
    from decimal import Decimal

    db, mock = mongo
    with imported(example("ledger"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        entry = repo.Entry("e1", "a1", "t1", Decimal("100.00"), "debit", BASE)
        repo.create_entry(db, entry)
        collection = db[repo.ENTRY_COLLECTION]
        before = collection.find_one({"_id": "e1"})
        same = replace(entry, amount=Decimal("1E+2"))
        assert same == entry
        assert repo._replace_entry(db, same, same)
        after = collection.find_one({"_id": "e1"})
        assert str(after["amount"]) == str(before["amount"]) == "100.00"
        assert after["_v"] != before["_v"]
        # A real change is still written, and only while the stored item is the old one.
        moved = replace(entry, direction="credit")
        assert repo._replace_entry(db, entry, moved)
        assert not repo._replace_entry(db, entry, moved)


def test_an_append_only_child_is_not_embedded_in_its_parent() -> None:
    text = """
name: t
entities:
  - {name: Order, key: order_id, fields: {order_id: string}}
  - name: Note
    key: note_id
    parent: Order
    append_only: true
    fields: {note_id: string, order_id: string, text: string}
  - name: Line
    key: line_id
    parent: Order
    fields: {line_id: string, order_id: string, sku: string}
access_patterns:
  - {name: notes_of_order, entity: Note, kind: query, by: [order_id]}
  - {name: lines_of_order, entity: Line, kind: query, by: [order_id]}
"""
    workload = parse_workload(text, "t.yaml")
    files = generate(workload, explicit(workload, Store.MONGODB)).files
    readme, code = files["README.md"], files["t/repository.py"]
    # Deleting an order would delete embedded notes with it, so notes keep a collection.
    assert "Note: referenced (own collection" in readme and "append-only" in readme
    assert "NOTE_COLLECTION" in code and "def delete_note" not in code
    assert "LINE_COLLECTION" not in code  # lines, not append-only, stay embedded


SESSIONS = """
name: devsessions
durability: ephemeral
needs: [ttl]
entities:
  - name: Session
    key: session_id
    retention: 30m
    retention_field: last_seen_at
    fields: {session_id: string, device_id: string, last_seen_at: datetime}
access_patterns:
  - {name: get_session, entity: Session, kind: get, by: [session_id], limit: 1}
  - {name: session_of_device, entity: Session, kind: query, by: [device_id], limit: 1}
"""


def test_an_expired_document_gives_up_its_unique_value(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # The TTL monitor runs every 60 s: until it does, an expired session still holds its
    # device_id in the unique index, and create must clear it rather than refuse.
    db, mock = mongo
    workload = parse_workload(SESSIONS, "devsessions.yaml")
    with imported(workload, Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        idle = datetime.now(UTC) - timedelta(minutes=31)
        repo.create_session(db, repo.Session("s1", "dev-1", idle))
        assert repo.session_of_device(db, "dev-1") == []
        repo.create_session(db, repo.Session("s2", "dev-1", datetime.now(UTC)))
        assert [s.session_id for s in repo.session_of_device(db, "dev-1")] == ["s2"]
        # A live holder still blocks the value, and the expired one is gone.
        with pytest.raises(importlib.import_module("devsessions.errors").AlreadyExistsError):
            repo.create_session(db, repo.Session("s3", "dev-1", datetime.now(UTC)))
        assert db[repo.SESSION_COLLECTION].count_documents({}) == 1


ACCOUNTS = """
name: accounts
entities:
  - {name: User, key: user_id, fields: {user_id: string, email: string}}
access_patterns:
  - {name: user_by_email, entity: User, kind: query, by: [email], limit: 1}
"""


def test_a_taken_unique_value_is_named_and_a_bulk_save_says_what_it_refused(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    db, mock = mongo
    workload = parse_workload(ACCOUNTS, "accounts.yaml")
    with imported(workload, Store.MONGODB, tmp_path, "repository") as repo:
        support = importlib.import_module("accounts.mongodb_support")
        repo.ensure_schema(db, validators=not mock)
        repo.create_user(db, repo.User("u1", "a@x.io"))
        # Another user's e-mail: a UniqueValueError naming the field, not "u2 exists".
        with pytest.raises(support.UniqueValueError) as taken:
            repo.create_user(db, repo.User("u2", "a@x.io"))
        assert taken.value.fields == ("email",) and "email='a@x.io'" in str(taken.value)
        # The id itself: a plain AlreadyExistsError.
        with pytest.raises(support.AlreadyExistsError) as exists:
            repo.create_user(db, repo.User("u1", "b@x.io"))
        assert not isinstance(exists.value, support.UniqueValueError)
        # A server names the index in the error's details (mongomock leaves them out).
        error = support.DuplicateKeyError("E11000", 11000, {"keyPattern": {"email": 1}})
        document = {"_id": "u9", "email": "z@x.io"}
        found = support._already_exists(db["user"], "User", document, [("email",)], error)
        assert isinstance(found, support.UniqueValueError) and found.fields == ("email",)
        # Unordered bulk: the other items are written, the error lists both groups.
        users = [repo.User("u2", "a@x.io"), repo.User("u3", "c@x.io")]
        with pytest.raises(support.BulkSaveError) as bulk:
            repo.save_many_user(db, users)
        assert isinstance(bulk.value, support.AlreadyExistsError)
        assert (bulk.value.written, bulk.value.refused) == (["u3"], ["u2"])
        assert repo.fetch_user(db, "u3") is not None and repo.fetch_user(db, "u2") is None


def test_a_bulk_save_sends_only_the_last_item_of_a_key(
    tmp_path: Path, mongo: tuple[Any, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unordered bulk write leaves the order of two upserts of one _id to the server:
    # the last item of a key is the one stored, as in the Redis and DynamoDB projects.
    with project(parse_workload(ACCOUNTS, "accounts.yaml"), tmp_path, mongo) as (repo, db):
        sent: list[Any] = []
        collection_type = type(db["user"])
        real = collection_type.bulk_write

        def spy(self: Any, requests: list[Any], *args: Any, **kwargs: Any) -> Any:
            sent.extend(requests)
            return real(self, requests, *args, **kwargs)

        monkeypatch.setattr(collection_type, "bulk_write", spy)
        users = [repo.User("u1", "a@x"), repo.User("u2", "b@x"), repo.User("u1", "c@x")]
        assert repo.save_many_user(db, users) == 3
        assert [request._filter["_id"] for request in sent] == ["u1", "u2"]
        assert repo.fetch_user(db, "u1") == users[2]


def test_list_and_map_fields_hold_json_data(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    with project("session-store", tmp_path, mongo) as (repo, db):
        session_round_trip(repo, db, datetime.now(UTC))


def test_touch_sets_the_expiry_in_one_call(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    with project("session-store", tmp_path, mongo) as (repo, db):
        session_touch(repo, db, datetime.now(UTC))


MEMBERS = """
name: members
needs: [ttl]
entities:
  - {name: User, key: user_id, fields: {user_id: string, email: string}}
  - {name: Invite, key: invite_id, fields: {invite_id: string, code: string, expires_at: datetime}}
access_patterns:
  - {name: user_by_email, entity: User, kind: get, by: [email], limit: 1}
  - {name: invite_by_code, entity: Invite, kind: get, by: [code], limit: 1}
"""


def test_an_update_to_a_taken_value_is_refused_and_an_expired_holder_gives_it_up(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    with project(parse_workload(MEMBERS, "members.yaml"), tmp_path, mongo) as (repo, db):
        support = importlib.import_module(repo.__name__.rsplit(".", 1)[0] + ".mongodb_support")
        repo.create_user(db, repo.User("u1", "a@x"))
        repo.create_user(db, repo.User("u2", "b@x"))
        # The same error as create's, naming the clash, not pymongo's DuplicateKeyError.
        with pytest.raises(support.UniqueValueError, match="not changed: another User has"):
            repo.update_user(db, "u2", lambda u: replace(u, email="a@x"))
        now = datetime.now(UTC)
        # An expired invite the TTL monitor has not removed yet gives its code up.
        repo.create_invite(db, repo.Invite("i1", "OLD", now - timedelta(minutes=1)))
        repo.create_invite(db, repo.Invite("i2", "NEW", now + timedelta(hours=1)))
        moved = repo.update_invite(db, "i2", lambda i: replace(i, code="OLD"))
        assert moved is not None and repo.invite_by_code(db, "OLD") == moved
        # A bulk save as well: the expired holder of a value it writes is deleted first...
        repo.create_invite(db, repo.Invite("i3", "BULK", now - timedelta(minutes=1)))
        bulk = repo.Invite("i4", "BULK", now + timedelta(hours=1))
        assert repo.save_many_invite(db, [bulk]) == 1
        found = repo.invite_by_code(db, "BULK")
        assert found is not None and found.invite_id == "i4"
        # ...but a live holder is not: the item that wants its value is refused.
        with pytest.raises(support.BulkSaveError) as refused:
            repo.save_many_invite(db, [repo.Invite("i5", "OLD", now + timedelta(hours=1))])
        assert refused.value.refused == ["i5"] and repo.fetch_invite(db, "i2") == moved


def test_an_item_built_in_memory_matches_its_stored_form(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # BSON dates hold milliseconds: save_together's check that an update starts from the
    # stored item compares at that precision, not with a time's microseconds.
    with project("ledger", tmp_path, mongo) as (repo, db):
        at = datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
        account = repo.Account("a", "o", "EUR", "cash", Decimal(100), at)
        repo.create_account(db, account)
        assert repo._replace_account(db, account, replace(account, kind="savings"))
        stored = repo.fetch_account(db, "a")
        assert stored is not None and stored.kind == "savings"


def test_an_update_misses_an_item_deleted_and_created_again(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # A version counter restarting at 1 would let the update write over the new item with
    # a change computed from the old one; a new ObjectId per write does not.
    with project(parse_workload(MEMBERS, "members.yaml"), tmp_path, mongo) as (repo, db):
        repo.create_user(db, repo.User("u1", "old@x"))
        seen: list[str] = []

        def shout(user: Any) -> Any:
            seen.append(user.email)
            if len(seen) == 1:
                repo.delete_user(db, "u1")
                repo.create_user(db, repo.User("u1", "new@x"))
            return replace(user, email=user.email.upper())

        repo.update_user(db, "u1", shout)
        assert seen == ["old@x", "new@x"]
        stored = repo.fetch_user(db, "u1")
        assert stored is not None and stored.email == "NEW@X"


def test_an_embedded_item_built_in_memory_matches_its_stored_form(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    with project("ecommerce", tmp_path, mongo, "order_processing") as (repo, db):
        at = datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
        repo.create_order(db, repo.Order("o1", "c1", "new", Decimal(10), "EUR", at))
        payment = repo.Payment("p1", "o1", Decimal(10), "card", "pending", at)
        repo.create_payment(db, payment)
        assert repo._replace_payment(db, payment, replace(payment, status="captured"))
        stored = repo.fetch_payment(db, "o1", "p1")
        assert stored is not None and stored.status == "captured"


def _probe_user(repo: ModuleType, user_id: str, expires_at: datetime, **changes: Any) -> Any:
    """A User of the expiring_parent edge workload (review 10's probe)."""
    fields: dict[str, Any] = {
        "user_id": user_id,
        "email": f"{user_id}@x",
        "handle": user_id,
        "tenant": "t",
        "nickname": None,
        "score": 1,
        "credit": Decimal("1.00"),
        "rating": 1.0,
        "joined_at": BASE,
        "expires_at": expires_at,
        "prefs": {},
    }
    return repo.User(**{**fields, **changes})


def _probe(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> contextlib.AbstractContextManager[tuple[ModuleType, Any]]:
    """The expiring_parent edge workload's project (package probe), for review 10's cases."""
    workload = parse_workload(EDGE_WORKLOADS["expiring_parent"], "probe.yaml")
    return project(workload, tmp_path, mongo)


def test_embedded_children_go_with_their_expired_parent(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # The TTL monitor deletes an expired User up to 60 s late: until then its notes are
    # as gone as it is, to every read and write of them (review 10).
    with _probe(tmp_path, mongo) as (repo, db):
        errors = importlib.import_module("probe.errors")
        now = datetime.now(UTC)
        repo.create_user(db, _probe_user(repo, "u1", now + timedelta(hours=1)))
        note = repo.Note("n1", "u1", "b", 1, None)
        repo.create_note(db, note)
        assert repo.notes_of_user(db, "u1") == [note]
        assert repo.touch_user(db, "u1", now - timedelta(seconds=1))
        assert repo.get_user(db, "u1") is None
        assert repo.notes_of_user(db, "u1") == []
        assert repo.fetch_note(db, "u1", "n1") is None
        with pytest.raises(errors.NotFoundError):
            repo.create_note(db, repo.Note("n2", "u1", "b", 1, None))
        assert repo.update_note(db, "u1", "n1", lambda n: replace(n, body="z")) is None
        assert repo._replace_note(db, note, replace(note, body="z")) is False
        assert repo.save_many_note(db, [repo.Note("n3", "u1", "b", 1, None)]) == 0
        assert repo.delete_note(db, "u1", "n1") is False
        # Nothing was written: the document is as the TTL monitor will find it.
        stored = db[repo.USER_COLLECTION].find_one({"_id": "u1"})
        assert [n["note_id"] for n in stored["notes"]] == ["n1"]
        assert stored["notes"][0]["body"] == "b"


def test_a_limit_below_one_is_refused_by_every_read(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # pymongo's cursor.limit(0) means no limit: limit=0 read every document (review 10).
    # As in the Redis and DynamoDB projects, a limit is None (everything) or at least 1.
    import inspect

    with _probe(tmp_path, mongo) as (repo, db):
        now = datetime.now(UTC)
        for n in range(3):
            repo.create_user(db, _probe_user(repo, f"u{n}", now + timedelta(hours=1)))
            repo.create_note(db, repo.Note(f"n{n}", "u0", "b", 1, None))
        reads = {
            name: function
            for name, function in vars(repo).items()
            if inspect.isfunction(function)
            and function.__module__ == repo.__name__
            and "limit" in inspect.signature(function).parameters
        }
        assert {"users_by_rating", "tokens_of_user", "notes_of_user"} <= reads.keys()
        for name, function in reads.items():
            keys = set(inspect.signature(function).parameters) - {"db", "limit", "after"}
            arguments = ["t" if name.startswith("users_") else "u0"] + ["x"] * (len(keys) - 1)
            for limit in (0, -1):
                with pytest.raises(ValueError, match="limit must be at least 1"):
                    function(db, *arguments, limit=limit)
        assert len(repo.users_by_rating(db, "t", limit=None)) == 3
        assert len(repo.users_by_rating(db, "t", limit=1)) == 1
        assert len(repo.notes_of_user(db, "u0", limit=None)) == 3


def test_a_bulk_save_keeps_the_place_of_a_replaced_embedded_item(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # update_note keeps a note where it is in its array; save_many_note moved a replaced
    # one to the end, so the order of notes_of_user depended on the path (review 10).
    with _probe(tmp_path, mongo) as (repo, db):
        repo.create_user(db, _probe_user(repo, "u1", datetime.now(UTC) + timedelta(hours=1)))
        for key in ("a", "b", "c"):
            repo.create_note(db, repo.Note(key, "u1", "b", 1, None))
        changed = repo.Note("a", "u1", "new", 2, "m")
        assert repo.save_many_note(db, [repo.Note("d", "u1", "b", 1, None), changed]) == 2
        notes = repo.notes_of_user(db, "u1")
        assert [n.note_id for n in notes] == ["a", "b", "c", "d"] and notes[0] == changed
        assert repo.notes_of_user(db, "u1", limit=1) == [changed]


def test_strong_reads_of_one_document_are_linearizable_and_the_readme_names_them() -> None:
    # A get by a unique index and an embedded item's reads (its parent by _id) name one
    # document, as a get by _id does: all are linearizable, and the README says which
    # functions are (it said fetch_*() and get patterns, while these read majority).
    workload = parse_workload(EDGE_WORKLOADS["expiring_parent"], "probe.yaml")
    files = generate(workload, explicit(workload, Store.MONGODB)).files
    code = files["probe/repository.py"]

    def body(name: str) -> str:
        return code[code.index(f"def {name}(") :].split("\n\n\n")[0]

    one = ["user_by_email", "token_by_code", "get_user", "fetch_user", "_all_note"]
    for name in one:
        assert "_linearizable(" in body(name), name
    assert "_all_note(" in body("fetch_note") and "_all_note(" in body("notes_of_user")
    for name in ["users_of_tenant", "tokens_of_user", "user_by_tenant_handle"]:
        assert "_linearizable(" not in body(name), name
    readme = files["README.md"].replace("\\", "")
    named = re.search(r"LINEARIZABLE_TIMEOUT_MS\): (.*?)\. They", readme)
    assert named is not None
    assert set(named[1].split(", ")) == {
        *(f"fetch_{e}()" for e in ("user", "token", "note")),
        *(f"{r}()" for r in ("get_user", "user_by_email", "token_by_code", "notes_of_user")),
    }


def test_an_increment_takes_the_number_type_of_its_field(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # One increment_user serves int, decimal and float fields: an amount of another
    # field's type was sent as is (bson cannot add a Decimal128 to an int, a double in
    # an int field changes its type), and the int guard was worked out in floats, so a
    # minimum beyond 2**53 let a decrement through (review 10).
    with _probe(tmp_path, mongo) as (repo, db):
        big = 2**62 + 1
        user = _probe_user(repo, "u1", datetime.now(UTC) + timedelta(hours=1), score=big)
        repo.create_user(db, user)
        refused = [
            ("score", 1.5, None),
            ("score", Decimal(1), None),
            ("score", 1, 0.5),
            ("score", True, None),
            ("rating", Decimal("0.5"), None),
            ("credit", 0.5, None),
        ]
        for field, amount, minimum in refused:
            with pytest.raises(TypeError, match=f"{field} is a"):
                repo.increment_user(db, "u1", field, amount, minimum)
        assert repo.increment_user(db, "u1", "score", -1, big) is None
        bumped = repo.increment_user(db, "u1", "score", -1, big - 1)
        assert bumped is not None and bumped.score == big - 1
        rated = repo.increment_user(db, "u1", "rating", 1)
        assert rated is not None and rated.rating == 2.0
        stored = db[repo.USER_COLLECTION].find_one({"_id": "u1"})
        assert stored["score"] == big - 1 and isinstance(stored["rating"], float)


def test_the_readme_says_what_bulk_saves_send_and_where_child_keys_are_unique(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # It said one round trip per 1,000 items for every save_many_*(), and nothing of an
    # embedded key being unique within its parent only (review 10: 8 and 9).
    workload = parse_workload(EDGE_WORKLOADS["expiring_parent"], "probe.yaml")
    readme = generate(workload, explicit(workload, Store.MONGODB)).files["README.md"]
    readme = readme.replace("\\", "")
    assert "save_many_user() and save_many_token() also send a delete_many" in readme
    assert "two round trips per 1,000" in readme
    assert "save_many_note() writes each parent's array in one compare-and-swap" in readme
    assert "note_id identifies it within one User only" in readme
    # What the README says of embedded keys is what the code does.
    with _probe(tmp_path, mongo) as (repo, db):
        later = datetime.now(UTC) + timedelta(hours=1)
        for user in ("a", "b"):
            repo.create_user(db, _probe_user(repo, user, later))
            repo.create_note(db, repo.Note("n1", user, "b", 1, None))
        assert repo.save_many_note(db, [repo.Note("n1", "b", "moved?", 1, None)]) == 1
        assert repo.fetch_note(db, "a", "n1") == repo.Note("n1", "a", "b", 1, None)


def test_save_together_refuses_an_update_that_changes_an_item_key(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # save_together wrote ``new`` into ``old``'s parent array as is: a line moved to order B
    # stayed in order A, and a line renamed to a sibling's key gave A two lines with one
    # key (review 13: M2). The swap refuses a key change, as update_*() does.
    with project("ecommerce", tmp_path, mongo, "order_processing") as (repo, db):
        for order_id in ("A", "B"):
            repo.create_order(db, repo.Order(order_id, "c", "new", Decimal(10), "EUR", BASE))
        one = repo.OrderLine("L1", "A", "x", 1, Decimal(5))
        two = repo.OrderLine("L2", "A", "y", 1, Decimal(5))
        repo.create_order_line(db, one)
        repo.create_order_line(db, two)
        for old, new in [(one, replace(one, order_id="B")), (two, replace(two, line_id="L1"))]:
            with pytest.raises(ValueError, match="must keep the item's keys"):
                repo._replace_order_line(db, old, new)
        assert repo.lines_of_order(db, "A") == [one, two] and repo.lines_of_order(db, "B") == []
        assert repo._replace_order_line(db, two, replace(two, quantity=2))
        # An item in its own collection as well.
        order = repo.fetch_order(db, "A")
        assert order is not None
        with pytest.raises(ValueError, match="must keep the item's key"):
            repo._replace_order(db, order, replace(order, order_id="C"))


DECIMAL_KEYS = """
name: deckeys
entities:
  - {name: Price, key: value, fields: {value: decimal, label: string}}
  - name: Tier
    key: tier_id
    parent: Price
    fields: {tier_id: string, value: decimal, qty: int}
access_patterns:
  - {name: tiers_of_price, entity: Tier, kind: query, by: [value]}
"""


def test_a_decimal_key_is_stored_as_a_decimal128(
    tmp_path: Path, mongo: tuple[Any, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # bson cannot encode a Decimal: every function that put a decimal key into a document
    # or a filter failed with InvalidDocument (review 13: M5).
    import bson
    from bson.decimal128 import Decimal128

    mock = mongo[1]
    if mock:
        # As the generated conftest does: mongomock keys its documents by a hash of _id.
        monkeypatch.setattr(Decimal128, "__hash__", lambda self: hash(self.bid))
    sent: list[Any] = []
    real = bson.encode
    workload = parse_workload(DECIMAL_KEYS, "deckeys.yaml")
    with project(workload, tmp_path, mongo) as (repo, db):
        collection_type = type(db["price"])
        for name in ("find_one", "update_one", "delete_one", "insert_one"):
            method = getattr(collection_type, name)

            def encoded(self: Any, query: Any, *args: Any, _call: Any = method, **kw: Any) -> Any:
                sent.append(real(query))  # what pymongo does with a filter or a document
                return _call(self, query, *args, **kw)

            monkeypatch.setattr(collection_type, name, encoded)
        price = repo.Price(Decimal("9.99"), "a")
        repo.create_price(db, price)
        assert repo.fetch_price(db, Decimal("9.99")) == price
        changed = repo.update_price(db, Decimal("9.99"), lambda p: replace(p, label="b"))
        assert changed == repo.Price(Decimal("9.99"), "b")
        assert repo.save_many_price(db, [repo.Price(Decimal("1.5"), "c")]) == 1
        assert repo.fetch_price(db, Decimal("1.5")) == repo.Price(Decimal("1.5"), "c")
        # A child of a decimal-keyed parent is kept in its own collection, found by it.
        repo.create_tier(db, repo.Tier("t1", Decimal("9.99"), 3))
        assert [t.tier_id for t in repo.tiers_of_price(db, Decimal("9.99"))] == ["t1"]
        assert repo.delete_price(db, Decimal("9.99"))
        assert repo.fetch_price(db, Decimal("9.99")) is None
        assert sent
        stored = db["price"].find_one({})
        assert isinstance(stored["_id"], Decimal128)


@pytest.mark.parametrize("kind", ["list", "map", "geo", "bool"])
def test_a_key_no_store_can_keep_is_refused_by_validation(kind: str) -> None:
    # A list, map or point key was accepted, and every store's generated tests failed on
    # it (MongoDB refuses an array _id); a bool key tells two items apart (review 13: M5).
    from advisor.errors import InputError

    text = f"""
name: keys
entities:
  - {{name: Thing, key: k, fields: {{k: {kind}, label: string}}}}
"""
    with pytest.raises(InputError, match=f"key 'k' is a {'geo point' if kind == 'geo' else kind}"):
        parse_workload(text, "keys.yaml")


def test_a_model_refuses_a_decimal_that_a_decimal128_cannot_hold(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # 35 digits or an exponent out of range failed inside bson at the write, with
    # decimal.Inexact or Overflow naming no field (review 13: M7).
    with project("ledger", tmp_path, mongo) as (repo, db):
        now = datetime.now(UTC)
        for value in ("0.12345678901234567890123456789012345", "1E+7000", "1E-7000"):
            with pytest.raises(ValueError, match="balance must fit in a Decimal128"):
                repo.Account("a", "o", "EUR", "k", Decimal(value), now)
        most = Decimal("0.1234567890123456789012345678901234")  # 34 digits
        repo.create_account(db, repo.Account("a", "o", "EUR", "k", most, now))
        stored = repo.fetch_account(db, "a")
        assert stored is not None and stored.balance == most


def test_a_decimal_guard_is_worked_out_at_decimal128_precision(
    tmp_path: Path, mongo: tuple[Any, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The floor (minimum - amount) was worked out at Python's 28 digits while the field
    # is a 34-digit Decimal128: with 18-decimal amounts a withdrawal of everything was
    # refused, and one a little larger passed and left -1.2E-17 (review 13: M4).
    sent: list[Any] = []
    with project("ledger", tmp_path, mongo) as (repo, db):
        collection_type = type(db["account"])
        monkeypatch.setattr(
            collection_type, "find_one_and_update", lambda self, q, u, **kw: sent.append(q)
        )
        cases = [
            ("123456789012.123456789012345678", "-123456789012.123456789012345678", True),
            ("123456789012.123456789012345600", "-123456789012.123456789012345612", False),
        ]
        for balance, amount, allowed in cases:
            repo.increment_account(db, "a", "balance", Decimal(amount), minimum=Decimal(0))
            floor = sent[-1]["balance"]["$gte"].to_decimal()
            # The server compares exactly: the guard passes iff the result stays >= 0.
            assert (Decimal(balance) >= floor) is allowed
            assert floor == Decimal(amount).copy_negate()  # exact; unary minus rounds to 28
        with pytest.raises(ValueError, match="does not fit in a Decimal128"):
            repo.increment_account(db, "a", "balance", Decimal("1E-40"), minimum=Decimal(10**10))


def test_a_search_leaves_a_field_named_score_as_stored(
    tmp_path: Path, mongo: tuple[Any, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The search projected {"score": {"$meta": "textScore"}}, and a server then returns the
    # relevance in place of a stored field named score (review 13: M3): it projects nothing.
    text = """
name: posts
needs: [full_text_search]
entities:
  - {name: Post, key: post_id, fields: {post_id: string, title: string, score: int}}
access_patterns:
  - {name: search_posts, entity: Post, kind: search, limit: 10}
"""
    with project(parse_workload(text, "posts.yaml"), tmp_path, mongo) as (repo, db):
        repo.create_post(db, repo.Post("p1", "cake recipe", 42))
        sent: list[Any] = []
        collection_type = type(db["post"])
        real_find = collection_type.find

        def find(self: Any, query: Any = None, projection: Any = None, *a: Any, **k: Any) -> Any:
            if query and "$text" in query:
                sent.append((projection, a, k))
                query = {key: value for key, value in query.items() if key != "$text"}
            cursor = real_find(self, query, projection, *a, **k)
            cursor.sort = lambda *args, **kwargs: cursor  # mongomock cannot sort on $meta
            return cursor

        monkeypatch.setattr(collection_type, "find", find)
        assert repo.search_posts(db, "cake") == [repo.Post("p1", "cake recipe", 42)]
        assert sent == [(None, (), {})]


def test_an_index_on_an_optional_field_leaves_out_the_items_that_lack_it(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # docs/workload-format.md promises it; the index was plain, so every user without a
    # handle was indexed under null and user_by_handle(None) found one (review 13: M9).
    text = """
name: optuniq
entities:
  - name: User
    key: uid
    optional: [handle]
    fields: {uid: string, handle: string, org: string, joined: datetime}
access_patterns:
  - {name: user_by_handle, entity: User, kind: get, by: [handle], limit: 1}
  - {name: users_of_org, entity: User, kind: query, by: [org], order_by: joined}
  - {name: users_of_org_by_handle, entity: User, kind: query, by: [org, handle]}
"""
    with project(parse_workload(text, "optuniq.yaml"), tmp_path, mongo) as (repo, db):
        indexes = {
            tuple(index.document["key"]): index.document.get("partialFilterExpression")
            for index in repo.INDEXES["user"]
        }
        assert indexes[("handle",)] == {"handle": {"$exists": True}}
        assert indexes[("org", "handle", "_id")] == {"handle": {"$exists": True}}
        # The read by org alone keeps a plain index: a partial one cannot serve it.
        assert indexes[("org", "joined", "_id")] is None
        repo.create_user(db, repo.User("u1", "o", BASE))
        repo.create_user(db, repo.User("u2", "o", BASE, handle="ann"))
        assert repo.user_by_handle(db, None) is None
        assert repo.users_of_org_by_handle(db, "o", None) == []
        found = repo.user_by_handle(db, "ann")
        assert found is not None and found.uid == "u2"
        assert [u.uid for u in repo.users_of_org_by_handle(db, "o", "ann")] == ["u2"]
        assert [u.uid for u in repo.users_of_org(db, "o")] == ["u1", "u2"]


def test_a_rank_is_the_position_in_the_top_list_ties_included(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # player_rank() counted strictly higher scores only, while top_100() breaks ties on
    # _id: two tied players both had rank 0, and top_100()[0] was one of them (review 13:
    # M8). The rank now counts the entries top_100() lists before the player's best.
    with project("leaderboard", tmp_path, mongo) as (repo, db):
        board = [_score(repo, n, score=score) for n, score in enumerate([100, 100, 50, 100, 7])]
        repo.save_many_score(db, board)
        top = repo.top_100(db, "b1")
        for entry in board:
            rank = repo.player_rank(db, "b1", entry.player_id)
            assert top[rank].player_id == entry.player_id
        assert sorted(repo.player_rank(db, "b1", e.player_id) for e in board) == [0, 1, 2, 3, 4]


def test_a_retention_beyond_the_longest_ttl_gets_no_ttl_index_and_a_warning(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # expireAfterSeconds is at most 2147483647 (about 68 years): a longer retention made a
    # TTL index the server refuses, so ensure_schema() failed (review 13: M6).
    text = """
name: archive
needs: [ttl]
entities:
  - name: Record
    key: record_id
    retention: 25000d
    fields: {record_id: string, stream: string, recorded_at: datetime}
access_patterns:
  - {name: records_of_stream, entity: Record, kind: query, by: [stream]}
"""
    workload = parse_workload(text, "archive.yaml")
    result = generate(workload, explicit(workload, Store.MONGODB))
    assert any("beyond the longest TTL MongoDB takes" in w.text for w in result.warnings)
    assert "no TTL index removes its documents" in result.files["README.md"]
    with project(workload, tmp_path, mongo) as (repo, db):
        options = [dict(index.document) for index in repo.INDEXES["record"]]
        assert options and not any("expireAfterSeconds" in o for o in options)
        # Reads still leave out what has expired.
        old = datetime.now(UTC) - timedelta(days=25001)
        repo.create_record(db, repo.Record("r1", "s", old))
        repo.create_record(db, repo.Record("r2", "s", datetime.now(UTC)))
        assert [r.record_id for r in repo.records_of_stream(db, "s")] == ["r2"]


def test_children_that_outlive_an_expired_parent_are_warned_of(
    tmp_path: Path, mongo: tuple[Any, bool]
) -> None:
    # A Line in its own collection did not expire with its Cart: lines_of_cart() served an
    # expired cart's lines, create_line() added to it, and a new cart with the same id
    # started with them, with nothing said (review 13: M1). Tying the lines' lifetime to
    # the cart's is a redesign; the README and a warning say what happens and what to do.
    text = """
name: carts
needs: [ttl]
entities:
  - {name: Cart, key: cart_id, fields: {cart_id: string, owner: string, expires_at: datetime}}
  - name: Line
    key: line_id
    parent: Cart
    fields: {line_id: string, cart_id: string, sku: string}
access_patterns:
  - {name: lines_by_sku, entity: Line, kind: query, by: [sku]}
  - {name: lines_of_cart, entity: Line, kind: query, by: [cart_id]}
"""
    workload = parse_workload(text, "carts.yaml")
    result = generate(workload, explicit(workload, Store.MONGODB))
    (warning,) = [w.text for w in result.warnings if "does not expire with its Cart" in w.text]
    assert "lines_of_cart()" in warning and "create_line() still adds" in warning
    assert "same key finds the old items" in warning
    readme = result.files["README.md"].replace("\\", "")
    assert "Line is in its own collection and does not expire with its Cart" in readme
    with project(workload, tmp_path, mongo) as (repo, db):
        # What the README says is what the code does.
        now = datetime.now(UTC)
        repo.create_cart(db, repo.Cart("c1", "alice", now - timedelta(seconds=1)))
        repo.create_line(db, repo.Line("l1", "c1", "beer"))
        assert repo.fetch_cart(db, "c1") is None
        assert [line.line_id for line in repo.lines_of_cart(db, "c1")] == ["l1"]
    # An embedded child expires with its parent: no such warning.
    embedded = parse_workload(text.replace("  - {name: lines_by_sku", "  # "), "carts.yaml")
    plain = generate(embedded, explicit(embedded, Store.MONGODB))
    assert not any("does not expire with" in w.text for w in plain.warnings)


def test_an_update_with_no_tries_is_refused(tmp_path: Path, mongo: tuple[Any, bool]) -> None:
    # retries counts the tries: 0 tried nothing and reported a conflict it never met, as
    # the Redis review found (review 12: R10, in every store).
    db, mock = mongo
    with imported(example("leaderboard"), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        repo.create_player(db, repo.Player("p1", "Ann", "de"))

        def rename(player: Any) -> Any:
            return replace(player, display_name="Bo")

        with pytest.raises(ValueError, match="at least 1"):
            repo.update_player(db, "p1", rename, retries=0)
        stored = repo.update_player(db, "p1", rename, retries=1)
        assert stored is not None and stored.display_name == "Bo"
