"""Generated DynamoDB code under load, against moto's DynamoDB server on 127.0.0.1.

Each test generates a project, imports its package and drives it from several threads
(one boto3 resource each: resources are not thread-safe). Every outcome is counted: no
increment or update may be lost, no guard passed twice, no page skipped. The design
tests check the key design, the guard items, the rank and the warnings on the shipped
examples and on workloads built to provoke each defect.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from advisor.scaffold import Store, explicit, generate, plan
from advisor.scaffold.dynamodb import DynamoDesign
from advisor.workload import Workload, parse_workload
from advisor.writer import write_tree
from tests.support import (
    LEDGER_WORKERS,
    TOKENS,
    check_ledger_conserved,
    ledger_accounts,
    ledger_transfers,
    session_round_trip,
    session_touch,
)
from tests.test_scaffold_mongodb import example, imported

THREADS = 8
BASE = datetime(2030, 1, 1, tzinfo=UTC)

Tables = Callable[[], Any]


@pytest.fixture
def tables(dynamodb_endpoint: str) -> Iterator[Callable[[Any], Tables]]:
    """Given a generated module, create its table on moto; return a per-thread table maker."""
    boto3 = pytest.importorskip("boto3")
    created: list[Any] = []

    def resource() -> Any:
        return boto3.resource(
            "dynamodb",
            endpoint_url=dynamodb_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def make(repo: Any) -> Tables:
        name = "t-" + uuid.uuid4().hex[:12]
        created.append(repo.ensure_schema(resource(), name))
        return lambda: resource().Table(name)

    yield make
    for table in created:
        table.delete()


def errors(repo: Any) -> Any:
    """The generated package's errors module (a component imports only the errors it raises)."""
    return importlib.import_module(repo.__name__.rsplit(".", 1)[0] + ".errors")


def _run(workers: int, job: Callable[[int], int]) -> list[int]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(job, range(workers)))


def _score(repo: Any, n: int, score: int = 0, board: str = "b1") -> Any:
    return repo.Score(f"e{n:05d}", board, f"p{n:05d}", score, BASE)


def test_concurrent_increments_lose_nothing(tmp_path: Path, tables: Any) -> None:
    with imported(example("leaderboard"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)
        repo.create_score(table(), _score(repo, 1))

        def bump(_: int) -> int:
            mine = table()
            return sum(
                repo.increment_score(mine, "p00001", "b1", "score", 3) is not None
                for _ in range(25)
            )

        done = sum(_run(THREADS, bump))
        assert done == THREADS * 25
        stored = repo.fetch_score(table(), "p00001", "b1", consistent=True)
        assert stored is not None and stored.score == 3 * done
        # The GSI sort key moved with the score: top_100 sees the new value.
        assert [s.score for s in repo.top_100(table(), "b1")] == [3 * done]


def test_guarded_decrements_never_pass_the_minimum(tmp_path: Path, tables: Any) -> None:
    with imported(example("ecommerce"), Store.DYNAMODB, tmp_path, "inventory") as repo:
        table = tables(repo)
        repo.create_stock_level(table(), repo.StockLevel("s1", "sku1", "w1", 30, 0, BASE))

        def reserve(_: int) -> int:
            mine = table()
            return sum(
                repo.increment_stock_level(mine, "s1", "on_hand", -1, minimum=0) is not None
                for _ in range(10)
            )

        # 80 attempts for 30 units: exactly 30 pass the condition.
        assert sum(_run(THREADS, reserve)) == 30
        stored = repo.fetch_stock_level(table(), "s1", consistent=True)
        assert stored is not None and stored.on_hand == 0


def test_compare_and_swap_updates_are_counted(tmp_path: Path, tables: Any) -> None:
    with imported(example("leaderboard"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)
        repo.create_player(table(), repo.Player("p1", "0", "de"))
        conflicts: list[Exception] = []

        def plus_one(player: Any) -> Any:
            return type(player)(player.player_id, str(int(player.display_name) + 1), player.country)

        def edit(_: int) -> int:
            mine, done = table(), 0
            for _ in range(10):
                try:
                    repo.update_player(mine, "p1", plus_one)
                    done += 1
                except errors(repo).ConflictError as error:
                    conflicts.append(error)
            return done

        done = sum(_run(THREADS, edit))
        stored = repo.fetch_player(table(), "p1", consistent=True)
        assert stored is not None and int(stored.display_name) == done
        assert done + len(conflicts) == THREADS * 10
        assert done >= THREADS * 10 // 2


def test_ledger_transfers_are_atomic_and_conserve_money(tmp_path: Path, tables: Any) -> None:
    with imported(example("ledger"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)
        ledger_accounts(repo, table(), BASE)
        conflict = errors(repo).ConflictError
        run = functools.partial(ledger_transfers, repo, table, conflict, BASE)
        done = sum(_run(LEDGER_WORKERS, run))
        check_ledger_conserved(repo, table(), done)


@contextmanager
def _reply_lost(
    table: Any, operation: str, between: Callable[[], object] | None = None
) -> Iterator[list[bytes]]:
    """The next ``operation`` is applied but its reply lost: botocore sends it again.

    ``between`` runs after the first attempt and before the resend (another writer).
    Yields the request bodies sent, one per attempt.
    """
    events = table.meta.client.meta.events
    bodies: list[bytes] = []

    def resend(attempts: int, caught_exception: Exception | None, **_: Any) -> int | None:
        if attempts == 1 and caught_exception is None and len(bodies) == 1:
            if between is not None:
                between()
            return 0
        return None

    def sent(request: Any, **_: Any) -> None:
        bodies.append(request.body)

    hooks = [
        (f"needs-retry.dynamodb.{operation}", resend),
        (f"request-created.dynamodb.{operation}", sent),
    ]
    for event, hook in hooks:
        events.register(event, hook)
    try:
        yield bodies
    finally:
        for event, hook in hooks:
            events.unregister(event, hook)


def test_a_write_whose_reply_is_lost_is_applied_once(tmp_path: Path, tables: Any) -> None:
    with imported(example("ecommerce"), Store.DYNAMODB, tmp_path, "inventory") as repo:
        table = tables(repo)()
        with _reply_lost(table, "PutItem") as sent:
            repo.create_stock_level(table, repo.StockLevel("s1", "sku1", "w1", 10, 0, BASE))
        assert len(sent) == 2  # the resend fails its condition: the item exists (our own)
        runs: list[int] = []

        def take_two(stock: Any) -> Any:
            runs.append(1)
            return replace(stock, on_hand=stock.on_hand - 2)

        with _reply_lost(table, "PutItem") as sent:
            assert repo.update_stock_level(table, "s1", take_two).on_hand == 8
        assert (len(sent), len(runs)) == (2, 1)
        with _reply_lost(table, "TransactWriteItems") as sent:
            assert repo.increment_stock_level(table, "s1", "on_hand", -1, minimum=0).on_hand == 7
        assert len(sent) == 2  # the resend fails on the version the first attempt wrote
        stock = repo.fetch_stock_level(table, "s1", consistent=True)
        assert stock is not None and stock.on_hand == 7
        order = repo.Reservation("r1", "s1", "o1", 1, BASE)
        with _reply_lost(table, "TransactWriteItems") as sent:
            repo.save_together(table, creates=[order], increments=[(stock, "reserved", 1, None)])
        # Both attempts carry one ClientRequestToken: DynamoDB answers the resend as the first.
        tokens = {json.loads(body)["ClientRequestToken"] for body in sent}
        assert len(sent) == 2 and len(tokens) == 1
        stock = repo.fetch_stock_level(table, "s1", consistent=True)
        assert stock is not None and stock.reserved == 1
        assert repo.fetch_reservation(table, "r1") == order
        # Increments alone: the resend fails on the version the first attempt wrote.
        with _reply_lost(table, "TransactWriteItems"):
            repo.save_together(table, increments=[(stock, "reserved", 1, None)])
        stock = repo.fetch_stock_level(table, "s1", consistent=True)
        assert stock is not None and stock.reserved == 2
    with imported(
        _editable(example("ledger")), Store.DYNAMODB, tmp_path / "ledger", "repository"
    ) as repo:
        table = tables(repo)()
        first = repo.Transfer("t1", "key-1", "rent", BASE)
        # The item and its guard in one transaction, created, updated (the guard moves) and saved.
        with _reply_lost(table, "TransactWriteItems"):
            repo.create_transfer(table, first)
        with _reply_lost(table, "TransactWriteItems"):
            moved = repo.update_transfer(table, "t1", lambda t: replace(t, idempotency_key="key-2"))
        assert moved == replace(first, idempotency_key="key-2")
        with _reply_lost(table, "TransactWriteItems"):
            assert repo.save_many_transfer(table, [first]) == 1
        assert repo.transfer_by_idempotency_key(table, "key-1") == [first]
        assert repo.transfer_by_idempotency_key(table, "key-2") == []


def test_an_increment_resent_after_another_write_carries_its_token(
    tmp_path: Path, tables: Any
) -> None:
    # A lost reply, then another writer, then botocore's resend: the resend passes the
    # version condition, as the version has moved on. Only a ClientRequestToken shared by
    # both attempts makes DynamoDB answer it as the first, without adding again. moto
    # ignores the token (it applies the resend again), so this checks what is sent.
    with imported(example("ledger"), Store.DYNAMODB, tmp_path, "repository") as repo:
        tables_of = tables(repo)
        table, other = tables_of(), tables_of()
        repo.create_account(table, repo.Account("a1", "o1", "EUR", "asset", Decimal(10), BASE))

        def another_writer() -> None:
            repo.increment_account(other, "a1", "balance", Decimal(100))

        with _reply_lost(table, "TransactWriteItems", another_writer) as sent:
            repo.increment_account(table, "a1", "balance", Decimal(5))
        requests = [json.loads(body) for body in sent]
        assert len(requests) == 2 and requests[0] == requests[1]
        assert requests[0]["ClientRequestToken"]
        assert [list(action) for action in requests[0]["TransactItems"]] == [["Update"]]


def _editable(workload: Workload) -> Workload:
    """``workload`` with no append-only entity, so every update, delete and bulk save exists."""
    components = tuple(
        replace(c, entities=tuple(replace(e, append_only=None) for e in c.entities))
        for c in workload.components
    )
    return replace(workload, components=components)


def test_idempotent_retries_and_owned_guards(tmp_path: Path, tables: Any) -> None:
    with imported(_editable(example("ledger")), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        first = repo.Transfer("t1", "key-1", "rent", BASE)
        other = repo.Transfer("t2", "key-2", "food", BASE)
        assert repo.save_many_transfer(table, [first, other]) == 2
        # A retry of the same bulk save is idempotent.
        assert repo.save_many_transfer(table, [first, other]) == 2
        assert repo.transfer_by_idempotency_key(table, "key-1") == [first]
        # Another transfer cannot take a key that is held, in bulk or one by one.
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.save_many_transfer(table, [repo.Transfer("t3", "key-1", "x", BASE)])
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.create_transfer(table, repo.Transfer("t4", "key-2", "x", BASE))
        # Changing a transfer's key moves its guard; deleting frees only its own.
        repo.save_many_transfer(table, [repo.Transfer("t1", "key-9", "rent", BASE)])
        assert repo.transfer_by_idempotency_key(table, "key-1") == []
        assert repo.delete_transfer(table, "t1")
        assert repo.transfer_by_idempotency_key(table, "key-2") == [other]
        repo.create_transfer(table, repo.Transfer("t5", "key-9", "x", BASE))
    code = generate(example("ledger"), explicit(example("ledger"), Store.DYNAMODB)).files
    lookup = code["ledger/repository.py"].split("def transfer_by_idempotency_key(")[1]
    lookup = lookup.split("\n\n\n")[0]
    assert "_by_guard(" in lookup and "IndexName" not in lookup


def test_a_delete_frees_its_unique_values_all_or_nothing(tmp_path: Path, tables: Any) -> None:
    from botocore.exceptions import EndpointConnectionError

    with imported(_editable(example("ledger")), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        events = table.meta.client.meta.events
        writes: list[str] = []

        def drop(event_name: str, **_: Any) -> None:
            writes.append(event_name)
            if len(writes) == drop_at:
                raise EndpointConnectionError(endpoint_url="simulated: connection lost")

        first = repo.Transfer("t1", "key-1", "rent", BASE)
        repo.create_transfer(table, first)
        hooks = [f"before-call.dynamodb.{op}" for op in ("DeleteItem", "TransactWriteItems")]
        for event in hooks:
            events.register(event, drop)
        try:
            # The connection drops at the first write of a delete: nothing is freed.
            drop_at = 1
            with pytest.raises(EndpointConnectionError):
                repo.delete_transfer(table, "t1")
            assert repo.transfer_by_idempotency_key(table, "key-1") == [first]
            # Or at the second: there is none, the item and its guard go in one write.
            writes.clear()
            drop_at = 2
            assert repo.delete_transfer(table, "t1")
        finally:
            for event in hooks:
                events.unregister(event, drop)
        assert repo.fetch_transfer(table, "t1") is None
        repo.create_transfer(table, repo.Transfer("t2", "key-1", "x", BASE))
        # A guard another item holds now (its own expired and was taken) is left to it.
        third = repo.Transfer("t3", "key-3", "x", BASE)
        repo.create_transfer(table, third)
        (guard,) = repo._guards_transfer(repo._item_transfer(third))
        table.put_item(Item={**guard, "_owner_pk": "TRANSFER#t9", "_owner_sk": "TRANSFER#t9"})
        assert repo.delete_transfer(table, "t3")
        held = table.get_item(Key={"PK": guard["PK"], "SK": guard["SK"]})["Item"]
        assert held["_owner_pk"] == "TRANSFER#t9"


def test_append_only_transfers_keep_their_keys(tmp_path: Path, tables: Any) -> None:
    # The shipped ledger's transfers are append-only: written once, never moved or freed.
    with imported(example("ledger"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        first = repo.Transfer("t1", "key-1", "rent", BASE)
        repo.create_transfer(table, first)
        for retry in (first, repo.Transfer("t2", "key-1", "x", BASE)):
            with pytest.raises(errors(repo).AlreadyExistsError):
                repo.create_transfer(table, retry)
        for name in ("update_transfer", "delete_transfer", "save_many_transfer"):
            assert not hasattr(repo, name)
        with pytest.raises(TypeError, match="append-only"):
            repo.save_together(table, updates=[(first, replace(first, memo="changed"))])
        assert repo.transfer_by_idempotency_key(table, "key-1") == [first]


JOURNAL = """
name: journal
entities:
  - {name: Book, key: book_id, fields: {book_id: string, title: string}}
  - name: Line
    key: line_id
    parent: Book
    append_only: true
    fields: {line_id: string, book_id: string, at: datetime, amount: int}
  - name: Note
    key: note_id
    parent: Book
    fields: {note_id: string, book_id: string, at: datetime, text: string}
access_patterns:
  - {name: lines, entity: Line, kind: query, by: [book_id], order_by: at}
  - {name: notes, entity: Note, kind: query, by: [book_id], order_by: at}
"""


def test_append_only_children_keep_their_own_key_unique() -> None:
    # A child in its parent's collection has (parent, time, key) as its address, which
    # a conditional create alone checks: the append-only one also guards its key, the
    # editable one (with its cheaper writes) says what a retry must do.
    design = _design(JOURNAL)
    placed = {p.entity.name: p for p in design.entities}
    for name in ("Line", "Note"):
        assert placed[name].colocated and placed[name].sk_order is not None
    assert placed["Line"].guarded == ((placed["Line"].entity.key,),)
    assert placed["Note"].guarded == ()
    line = next(d for d in design.decisions if d.startswith("Line: PK"))
    assert "line_id is made unique by a guard item" in line
    note = next(d for d in design.decisions if d.startswith("Note: PK"))
    assert "a create retried with another book_id or at stores a second item" in note


def test_append_only_child_key_is_unique_across_parents(tmp_path: Path, tables: Any) -> None:
    workload = parse_workload(JOURNAL)
    with imported(workload, Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        line = repo.Line("l1", "b1", BASE, 5)
        repo.create_line(table, line)
        for twin in (
            replace(line, at=datetime(2031, 1, 1, tzinfo=UTC)),
            replace(line, book_id="b2"),
        ):
            with pytest.raises(errors(repo).AlreadyExistsError):
                repo.create_line(table, twin)
        assert [i.line_id for i in repo.lines(table, "b1")] == ["l1"]
        assert repo.lines(table, "b2") == []


def test_pages_follow_each_other(tmp_path: Path, tables: Any) -> None:
    with imported(example("leaderboard"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        scores = [_score(repo, n, score=n % 37) for n in range(250)]
        repo.save_many_score(table, scores)
        seen: list[Any] = []
        after, pages = None, 0
        while True:
            page = repo.top_100(table, "b1", after=after)
            seen += page
            pages += 1
            if page.cursor is None:
                break
            after = page.cursor
        # 100 + 100 + 50; a full last page may be followed by an empty one.
        assert pages in (3, 4)
        assert len({s.entry_id for s in seen}) == len(seen) == 250
        assert [s.score for s in seen] == sorted((s.score for s in scores), reverse=True)


def test_times_before_the_year_1000_sort_and_read_back(tmp_path: Path, tables: Any) -> None:
    # strftime's %Y does not pad the year on glibc: "999-..." sorted after "2020-..." in
    # the sort key and did not parse back.
    with imported(example("session-store"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        later = datetime.now(UTC) + timedelta(days=1)
        sessions = [
            repo.Session(f"s{n}", "u1", "t1", seen, seen, later, [], {})
            for n, seen in enumerate(
                [datetime(999, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)]
            )
        ]
        repo.save_many_session(table, sessions)
        assert list(repo.sessions_of_user(table, "u1")) == sessions[::-1]


def test_rank_and_top_n_on_a_realistic_board(tmp_path: Path, tables: Any) -> None:
    with imported(example("leaderboard"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        board = [_score(repo, n, score=(n * 7919) % 100_003) for n in range(3000)]
        assert repo.save_many_score(table, board) == 3000
        top = repo.top_100(table, "b1")
        assert [s.score for s in top] == sorted((s.score for s in board), reverse=True)[:100]
        for n in (0, 1, 1234, 2999):
            expected = sum(1 for s in board if s.score > board[n].score)
            assert repo.player_rank(table, "b1", board[n].player_id) == expected
        assert repo.player_rank(table, "b1", "nobody") is None


def _design(text: str) -> DynamoDesign:
    workload = parse_workload(text)
    (design,) = plan(workload, explicit(workload, Store.DYNAMODB)).designs
    assert isinstance(design, DynamoDesign)
    return design


CHAT = """
name: chat
scale: {writes_per_sec: 5000, item_size_kb: 1}
entities:
  - {name: Channel, key: channel_id, fields: {channel_id: string, title: string}}
  - name: Membership
    key: membership_id
    parent: Channel
    fields: {membership_id: string, channel_id: string, user_id: string, unread: int,
             status: string}
access_patterns:
  - {name: membership, entity: Membership, kind: get, by: [channel_id, user_id], limit: 1,
     per_sec: 9000}
  - {name: members, entity: Membership, kind: query, by: [channel_id], per_sec: 50}
  - {name: active_members, entity: Membership, kind: query, by: [channel_id, status],
     per_sec: 20}
needs: [counters]
"""


def test_natural_composite_key_and_no_false_hot_partition() -> None:
    design = _design(CHAT)
    member = next(p for p in design.entities if p.entity.name == "Membership")
    assert [f.ident for f in member.address] == ["channel_id", "user_id"]
    assert member.colocated and member.guarded == ()
    reads = {r.pattern.name: r for r in design.reads}
    assert reads["membership"].how == "get" and not reads["membership"].guard
    assert reads["members"].how == "collection"
    # status is few-valued, but channel + status is not: no hot-partition warning.
    assert not [w for w in design.warnings if "hot partition" in w.text]
    assert [f.ident for f, _ in member.counters] == ["unread"]


def test_natural_key_project_works(tmp_path: Path, tables: Any) -> None:
    with imported(parse_workload(CHAT), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        repo.create_channel(table, repo.Channel("c1", "general"))
        m = repo.Membership("m1", "c1", "u1", 0, "active")
        repo.create_membership(table, m)
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.create_membership(table, repo.Membership("m2", "c1", "u1", 0, "active"))
        assert repo.membership(table, "c1", "u1") == m
        assert repo.increment_membership(table, "c1", "u1", "unread", 2) is not None
        assert [x.unread for x in repo.members(table, "c1")] == [2]


def test_hottest_get_keeps_the_table_key() -> None:
    design = _design(
        """
name: t
entities:
  - {name: Device, key: device_id, fields: {device_id: string}}
  - {name: Reading, key: reading_id, parent: Device,
     fields: {reading_id: string, device_id: string, at: datetime}}
access_patterns:
  - {name: reading, entity: Reading, kind: get, by: [reading_id], limit: 1, per_sec: 5000}
  - {name: readings, entity: Reading, kind: query, by: [device_id], order_by: at, per_sec: 10}
"""
    )
    reads = {r.pattern.name: r for r in design.reads}
    assert reads["reading"].how == "get"
    assert reads["readings"].how == "gsi"
    assert any("reading (5,000/s)" in line for line in design.decisions)


def test_each_warning_once_and_rank_warned() -> None:
    for stem in ("ecommerce", "ledger", "leaderboard", "iot-telemetry", "session-store"):
        warnings = generate(example(stem), explicit(example(stem), Store.DYNAMODB)).warnings
        assert len(warnings) == len(set(warnings)), stem
    board = generate(example("leaderboard"), explicit(example("leaderboard"), Store.DYNAMODB))
    (rank,) = [w for w in board.warnings if w.pattern == "player_rank"]
    assert "Select=COUNT" in rank.text and "ZCOUNT" in rank.text


def test_gsis_project_what_the_patterns_read() -> None:
    for stem in ("ecommerce", "ledger", "leaderboard", "iot-telemetry", "session-store"):
        files = generate(example(stem), explicit(example(stem), Store.DYNAMODB)).files
        code = "".join(text for path, text in files.items() if path.endswith(".py"))
        assert "GLOBAL_SECONDARY_INDEXES" in code and '", ["*"])' not in code, stem
    board = plan(example("leaderboard"), explicit(example("leaderboard"), Store.DYNAMODB))
    (design,) = board.designs
    assert isinstance(design, DynamoDesign)
    # top_100 reads whole entries from GSI1; player_rank finds its entry by the table's
    # key (board + player) and only counts on GSI1, so no second GSI exists.
    assert [(g.name, g.projected) for g in design.gsis] == [
        ("GSI1", ("_type", "board_id", "entry_id", "player_id", "score", "updated_at"))
    ]


@pytest.mark.parametrize("store", [Store.MONGODB, Store.DYNAMODB], ids=str)
def test_natural_key_project_passes_its_own_suite(
    store: Store, tmp_path: Path, dynamodb_endpoint: str
) -> None:
    """The chat workload's generated project: lint, strict types and its own tests."""
    workload = parse_workload(CHAT)
    write_tree(tmp_path, generate(workload, explicit(workload, store)).files)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env.update(
        PYTHONPATH=str(tmp_path),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        AWS_ENDPOINT_URL_DYNAMODB=dynamodb_endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    for command in (
        ["ruff", "check", "--no-cache", "."],
        ["mypy", "--no-incremental", "--cache-dir", os.devnull],
        ["pytest", "-q", "-p", "no:cacheprovider"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_cancelled_transactions_are_sent_again_only_for_transient_reasons(tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    from botocore.stub import ANY, Stubber

    with imported(example("ledger"), Store.DYNAMODB, tmp_path, "dynamodb_support") as support:
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        key = {"PK": {"S": "ACCOUNT#a1"}, "SK": {"S": "ACCOUNT#a1"}}
        check = {"TableName": "t", "Key": key, "ConditionExpression": "attribute_exists(PK)"}
        actions = [{"ConditionCheck": check}]
        with Stubber(client) as stub:

            def cancelled(*codes: str) -> None:
                reasons = [{"Code": code} for code in codes]
                stub.add_client_error(
                    "transact_write_items",
                    "TransactionCanceledException",
                    modeled_fields={"CancellationReasons": reasons},
                )

            # Another transaction, then throttling: sent a third time, which succeeds.
            cancelled("TransactionConflict")
            cancelled("None", "ThrottlingError")
            stub.add_response(
                "transact_write_items", {}, {"TransactItems": actions, "ClientRequestToken": ANY}
            )
            support._transact(client, actions)
            stub.assert_no_pending_responses()
            # A failed condition is the caller's to name: raised at once, not sent again.
            cancelled("ConditionalCheckFailed")
            with pytest.raises(client.exceptions.TransactionCanceledException):
                support._transact(client, actions)
            stub.assert_no_pending_responses()


def test_list_and_map_fields_hold_json_data(tmp_path: Path, tables: Any) -> None:
    with imported(example("session-store"), Store.DYNAMODB, tmp_path, "repository") as repo:
        session_round_trip(repo, tables(repo)(), datetime.now(UTC))


def test_a_limit_below_one_is_refused(tmp_path: Path, tables: Any) -> None:
    # A Query with Limit=0 fails in botocore's parameter check; every store's reads take
    # None (all) or at least 1, else ValueError before anything is sent.
    with imported(example("session-store"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        now = datetime.now(UTC)
        item = repo.Session("s1", "u1", "t", now, now, now + timedelta(hours=1), [], {})
        repo.create_session(table, item)
        for limit in (0, -1):
            with pytest.raises(ValueError, match="limit must be at least 1"):
                repo.sessions_of_user(table, "u1", limit=limit)
        assert repo.sessions_of_user(table, "u1", limit=1) == [item]


def test_touch_sets_the_expiry_in_one_call(tmp_path: Path, tables: Any) -> None:
    with imported(example("session-store"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        final = session_touch(repo, table, datetime.now(UTC))
        (stored,) = table.scan()["Items"]
        # DynamoDB deletes by the TTL attribute: it moved with the field.
        assert int(stored["_ttl"]) == math.ceil(final.expires_at.timestamp())


def test_a_guard_expires_with_its_owner_after_an_update(tmp_path: Path, tables: Any) -> None:
    # Guard items carry their owner's TTL: an update that moves the expiry moves theirs,
    # or the value would be free for another item while its owner still lives. No touch
    # is generated for such an entity, since one UpdateItem cannot move the guards.
    workload = parse_workload(TOKENS, "tokens.yaml")
    with imported(workload, Store.DYNAMODB, tmp_path, "repository") as repo:
        assert not hasattr(repo, "touch_login")
        table = tables(repo)()
        now = datetime.now(UTC).replace(microsecond=0)
        repo.create_login(table, repo.Login("l1", "tok", now + timedelta(seconds=2)))
        later = now + timedelta(hours=1)
        repo.update_login(table, "l1", lambda login: replace(login, expires_at=later))
        items = table.scan()["Items"]
        assert len(items) == 2  # the login and the guard of its token
        assert {int(i["_ttl"]) for i in items} == {int(later.timestamp())}


# Members that expire, with a unique email and a counter (review 11: D1, D2, D3, D7, D8).
ACCTS = """
version: 1
name: accts
use_case: session_store
transactions: multi_record
consistency: strong
needs: [ttl, counters]
entities:
  - name: Member
    key: member_id
    fields:
      member_id: string
      email: string
      score: int
      ratio: float
      expires_at: datetime
    optional: [ratio]
access_patterns:
  - {name: member, entity: Member, kind: get, by: [member_id], limit: 1}
  - {name: member_by_email, entity: Member, kind: get, by: [email], limit: 1}
  - {name: top_members, entity: Member, kind: top, by: [], order_by: score, descending: true}
"""


def _member(repo: Any, member_id: str, email: str, expires: datetime, score: int = 0) -> Any:
    return repo.Member(member_id=member_id, email=email, score=score, expires_at=expires)


def test_a_lookup_by_a_unique_value_skips_a_guard_its_owner_no_longer_holds(
    tmp_path: Path, tables: Any
) -> None:
    # An item created over an expired one, with another email, leaves the old email's
    # guard behind; it must not lead a lookup of the old email to the new item.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        now = datetime.now(UTC)
        repo.create_member(table, _member(repo, "a", "old@x", now - timedelta(hours=1)))
        new = _member(repo, "a", "new@x", now + timedelta(days=1))
        repo.create_member(table, new)
        assert repo.member_by_email(table, "old@x") is None
        assert repo.member_by_email(table, "new@x") == new
        # A guard whose owner holds another value now is skipped, as is a guard past its TTL.
        (guard,) = repo._guards_member(repo._item_member(new))
        (other,) = repo._guards_member(repo._item_member(replace(new, email="b@x")))
        table.put_item(Item={**guard, "PK": other["PK"], "SK": other["SK"]})
        assert repo.member_by_email(table, "b@x") is None
        table.put_item(Item={**guard, "_ttl": int((now - timedelta(hours=1)).timestamp())})
        assert repo.member_by_email(table, "new@x") is None


def test_every_guarded_write_takes_a_value_an_expired_item_holds(
    tmp_path: Path, tables: Any
) -> None:
    # Reads and creates take an item past its TTL, not deleted yet, for gone; updates and
    # bulk saves used to take its values for held, and a bulk save over it by its own key
    # was retried until ConflictError, its write conditioned on no item at the key.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        now = datetime.now(UTC)
        past, later = now - timedelta(hours=1), now + timedelta(days=1)
        repo.create_member(table, _member(repo, "b", "b@x", past))
        assert repo.save_many_member(table, [_member(repo, "b", "b@x", later)]) == 1
        saved = repo.member(table, "b")
        assert saved is not None and repo.member_by_email(table, "b@x") == saved
        repo.create_member(table, _member(repo, "c", "c@x", past))
        repo.create_member(table, _member(repo, "d", "d@x", later))
        moved = repo.update_member(table, "d", lambda m: replace(m, email="c@x"))
        assert moved is not None and repo.member_by_email(table, "c@x") == moved
        repo.create_member(table, _member(repo, "e", "e@x", past))
        assert repo.save_many_member(table, [_member(repo, "f", "e@x", later)]) == 1
        assert repo.member_by_email(table, "e@x") == repo.member(table, "f")
        assert repo.member_by_email(table, "d@x") is None
        # A value a live item holds stays taken, by every write.
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.save_many_member(table, [_member(repo, "g", "c@x", later)])
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.update_member(table, "b", lambda m: replace(m, email="e@x"))


def test_reads_and_creates_agree_when_an_item_expires(tmp_path: Path, tables: Any) -> None:
    # In the second of an item's TTL, reads called it gone while a create over it failed:
    # the create's condition compared the TTL with the whole seconds before now.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        time.sleep(1.1 - time.time() % 1)  # a tenth of a second into a second: 0.9 s to go
        cutoff = datetime.fromtimestamp(int(time.time()), UTC)
        repo.create_member(table, _member(repo, "a", "a@x", cutoff))
        assert repo.member(table, "a") is None and repo.member_by_email(table, "a@x") is None
        assert repo.increment_member(table, "a", "score", 1) is None
        again = _member(repo, "a", "a@x", cutoff + timedelta(days=1))
        repo.create_member(table, again)
        assert repo.member(table, "a") == again


def test_an_increment_keeps_an_int_field_within_64_bits(tmp_path: Path, tables: Any) -> None:
    # SET x = x + :d has no bound: past 2**63 the item was stored and no read decoded it.
    # A fractional amount was stored too, and read back cut to an int.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        later = datetime.now(UTC) + timedelta(days=1)
        top, bottom = 2**63 - 1, -(2**63)
        repo.create_member(table, _member(repo, "c", "c@x", later, score=top - 1))
        assert repo.increment_member(table, "c", "score", 1).score == top
        with pytest.raises(OverflowError):
            repo.increment_member(table, "c", "score", 1)
        repo.create_member(table, _member(repo, "d", "d@x", later, score=bottom + 1))
        assert repo.increment_member(table, "d", "score", -1).score == bottom
        with pytest.raises(OverflowError):
            repo.increment_member(table, "d", "score", -2)
        with pytest.raises(TypeError):
            repo.increment_member(table, "c", "score", 0.5)
        assert [m.score for m in repo.top_members(table)] == [top, bottom]
        # A refused minimum still returns None, and no item is no item.
        assert repo.increment_member(table, "d", "score", 1, minimum=bottom + 5) is None
        assert repo.increment_member(table, "x", "score", 1) is None


def test_a_unique_value_changed_meanwhile_is_read_again_not_called_taken(
    tmp_path: Path, tables: Any
) -> None:
    # review 14: D1. Another writer changing the item first also moves its old guard, so
    # the guard's Delete failed beside the item's Put: that was reported as a value taken.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        tables_of = tables(repo)
        table, other = tables_of(), tables_of()
        later = datetime.now(UTC) + timedelta(days=1)
        repo.create_member(table, _member(repo, "a", "a@x", later))
        raced: list[str] = []

        def to_b(member: Any) -> Any:
            if not raced:
                raced.append("a")
                repo.update_member(other, "a", lambda m: replace(m, email="a2@x"))
            return replace(member, email="b@x")

        moved = repo.update_member(table, "a", to_b)
        assert moved is not None and moved.email == "b@x"
        assert repo.member_by_email(table, "b@x") == moved
        assert repo.member_by_email(table, "a2@x") is None
        # Deleted meanwhile: there is nothing to update.
        repo.create_member(table, _member(repo, "c", "c@x", later))

        def delete_first(member: Any) -> Any:
            repo.delete_member(other, "c")
            return replace(member, email="d@x")

        assert repo.update_member(table, "c", delete_first) is None
        assert repo.member_by_email(table, "d@x") is None
        # A bulk save racing another writer of the same item reads it again too.
        repo.create_member(table, _member(repo, "e", "e@x", later))
        events = table.meta.client.meta.events

        def other_first(**_: Any) -> None:
            if len(raced) == 1:
                raced.append("e")
                repo.update_member(other, "e", lambda m: replace(m, email="e2@x"))

        events.register("before-call.dynamodb.TransactWriteItems", other_first)
        try:
            assert repo.save_many_member(table, [_member(repo, "e", "e3@x", later)]) == 1
        finally:
            events.unregister("before-call.dynamodb.TransactWriteItems", other_first)
        assert raced == ["a", "e"]
        assert repo.member_by_email(table, "e3@x") == repo.member(table, "e")
        assert repo.member_by_email(table, "e2@x") is None


UNIQUE_NAMED = """
name: tags
transactions: multi_record
entities:
  - {name: Unique, key: id, fields: {id: string, label: string, slug: string}}
access_patterns:
  - {name: get_unique, entity: Unique, kind: get, by: [id]}
  - {name: by_slug, entity: Unique, kind: get, by: [slug], limit: 1}
"""


def test_an_entity_named_unique_is_not_taken_for_a_guard(tmp_path: Path, tables: Any) -> None:
    # review 14: D11. Guards were stored with _type "Unique", and save_together took every
    # Put of that type for a guard: a Unique item's lost race became AlreadyExistsError.
    workload = parse_workload(UNIQUE_NAMED)
    with imported(workload, Store.DYNAMODB, tmp_path, "repository") as repo:
        tables_of = tables(repo)
        table, other = tables_of(), tables_of()
        repo.create_unique(table, repo.Unique("u1", "Red", "red"))
        old = repo.get_unique(table, "u1")
        events = table.meta.client.meta.events
        raced: list[bool] = []

        def other_first(**_: Any) -> None:
            if not raced:
                raced.append(True)
                repo.update_unique(other, "u1", lambda u: replace(u, label="Crimson"))

        events.register("before-call.dynamodb.TransactWriteItems", other_first)
        try:
            with pytest.raises(errors(repo).ConflictError):
                repo.save_together(table, updates=[(old, replace(old, label="Scarlet"))])
        finally:
            events.unregister("before-call.dynamodb.TransactWriteItems", other_first)
        assert {i["_type"] for i in table.scan()["Items"]} == {"Unique", "#unique"}


TITLES = """
name: titles
entities:
  - {name: Owner, key: owner_id, fields: {owner_id: string}}
  - {name: Project, key: project_id, parent: Owner,
     fields: {project_id: string, owner_id: string, title: string}}
access_patterns:
  - {name: projects_of_owner, entity: Project, kind: query, by: [owner_id], order_by: title,
     limit: 3}
"""


def test_a_collection_ordered_by_a_string_comes_back_in_its_order(
    tmp_path: Path, tables: Any
) -> None:
    # review 14: D2. The sort key was PROJECT#<title>#<id> with '#' escaped as '\#': the
    # separator and the escape sorted "Roadmap" after "Roadmap 2025" and "C#" after "CD".
    placed = {p.entity.name: p for p in _design(TITLES).entities}
    assert placed["Project"].sk_order is not None
    titles = ["Roadmap", "Roadmap 2025", "Roadmap!", "C", "C#", "CD", "a\\b", "a]", "", "#"]
    titles += ["x\x00", "x\x01", "x", "x\x01y", "x#", "x##"]
    with imported(parse_workload(TITLES), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        for n, title in enumerate(titles):
            repo.create_project(table, repo.Project(f"p{n}", "u1", title))
        assert [p.title for p in repo.projects_of_owner(table, "u1", limit=None)] == sorted(titles)
        seen: list[str] = []
        after = None
        while True:
            page = repo.projects_of_owner(table, "u1", after=after)
            seen += [p.title for p in page]
            if page.cursor is None:
                break
            after = page.cursor
        assert seen == sorted(titles)
        assert repo.fetch_project(table, "u1", "x\x01y", f"p{titles.index('x' + chr(1) + 'y')}")


def test_an_empty_string_in_an_index_sort_key_is_stored(tmp_path: Path, tables: Any) -> None:
    # review 14: D5. A GSI sort key held the bare text of its order field, and DynamoDB
    # refuses an empty string in any key: a title "" failed on create and update.
    workload = parse_workload(
        """
name: tasks
entities:
  - {name: Task, key: task_id, fields: {task_id: string, team: string, title: string}}
access_patterns:
  - {name: tasks_of_team, entity: Task, kind: query, by: [team], order_by: title}
"""
    )
    with imported(workload, Store.DYNAMODB, tmp_path, "repository") as repo:
        assert repo.ATTRIBUTE_DEFINITIONS[-1] == {"AttributeName": "GSI1SK", "AttributeType": "S"}
        table = tables(repo)()
        empty = repo.Task("t1", "a", "")
        repo.create_task(table, empty)
        repo.create_task(table, repo.Task("t2", "a", " "))
        assert [t.title for t in repo.tasks_of_team(table, "a")] == ["", " "]
        named = repo.update_task(table, "t2", lambda t: replace(t, title="x"))
        assert named is not None
        assert repo.update_task(table, "t2", lambda t: replace(t, title="")) is not None
        assert [t.task_id for t in repo.tasks_of_team(table, "a")] == ["t1", "t2"]


def test_an_increment_adds_to_an_item_outside_its_sparse_index(tmp_path: Path, tables: Any) -> None:
    # review 14: D4. The increment also added to the GSI sort key that holds the counter,
    # which an item outside the sparse index (no assignee) lacks: ValidationException.
    workload = parse_workload(
        """
name: sparse
needs: [counters]
entities:
  - name: Task
    key: task_id
    fields: {task_id: string, title: string, assignee: string, points: int}
    optional: [assignee]
access_patterns:
  - {name: get_task, entity: Task, kind: get, by: [task_id]}
  - {name: tasks_of_assignee, entity: Task, kind: top, by: [assignee], order_by: points,
     descending: true, limit: 10}
"""
    )
    with imported(workload, Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        repo.create_task(table, repo.Task("t1", "docs", 1))
        repo.create_task(table, repo.Task("t2", "review", 1, assignee="ann"))
        assert repo.increment_task(table, "t1", "points", 5).points == 6
        assert repo.increment_task(table, "t2", "points", 5).points == 6
        assert [t.task_id for t in repo.tasks_of_assignee(table, "ann")] == ["t2"]
        repo.update_task(table, "t1", lambda t: replace(t, assignee="ann"))
        assert repo.increment_task(table, "t1", "points", 1).points == 7
        assert [t.points for t in repo.tasks_of_assignee(table, "ann")] == [7, 6]


def test_an_item_lives_until_its_expiry_time(tmp_path: Path, tables: Any) -> None:
    # review 14: D8. The TTL attribute held the expiry's epoch seconds rounded down, so an
    # item expiring at S + 0.9 s was gone from S on, and a create could take its key.
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        time.sleep(1.05 - time.time() % 1)  # a twentieth of a second into a second
        whole = int(time.time())
        expires = datetime.fromtimestamp(whole + 0.9, UTC)
        member = _member(repo, "a", "a@x", expires)
        repo.create_member(table, member)
        assert repo.member(table, "a") == member
        assert repo.member_by_email(table, "a@x") == member
        with pytest.raises(errors(repo).AlreadyExistsError):
            repo.create_member(table, _member(repo, "a", "b@x", expires + timedelta(days=1)))
        assert {int(i["_ttl"]) for i in table.scan()["Items"]} == {whole + 1}


WEEKLY = """
name: weekly_board
needs: [ttl, sorted_sets]
entities:
  - name: Score
    key: entry_id
    fields: {entry_id: string, board_id: string, player_id: string, points: int,
             expires_at: datetime}
access_patterns:
  - {name: top_10, entity: Score, kind: top, by: [board_id], order_by: points, descending: true,
     limit: 10}
  - {name: player_rank, entity: Score, kind: query, by: [board_id, player_id], order_by: points,
     descending: true, limit: 1}
"""


def test_a_rank_counts_no_expired_entry(tmp_path: Path, tables: Any) -> None:
    # review 14: D6. The Select=COUNT Query of the entries ahead had no filter on the TTL,
    # while every read skips an entry past it that DynamoDB has not deleted yet.
    with imported(parse_workload(WEEKLY), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        now = datetime.now(UTC)
        repo.create_score(table, repo.Score("e1", "w1", "old", 1000, now - timedelta(seconds=5)))
        repo.create_score(table, repo.Score("e2", "w1", "alice", 50, now + timedelta(days=7)))
        repo.create_score(table, repo.Score("e3", "w1", "bob", 70, now + timedelta(days=7)))
        assert [s.player_id for s in repo.top_10(table, "w1")] == ["bob", "alice"]
        assert repo.player_rank(table, "w1", "alice") == 1
        assert repo.player_rank(table, "w1", "bob") == 0
        assert repo.player_rank(table, "w1", "old") is None


def test_a_delete_resent_after_a_lost_reply_is_documented(tmp_path: Path, tables: Any) -> None:
    # review 14: D9. A DeleteItem has no idempotency token: resent by the SDK after its
    # reply was lost, it finds nothing and delete_*() reports False for the item its first
    # send deleted. That is what the README says (a transaction would cost twice the write
    # units and a read on every delete); the item is gone either way.
    with imported(example("ecommerce"), Store.DYNAMODB, tmp_path, "order_processing") as repo:
        table = tables(repo)()
        order = repo.Order("o1", "c1", "new", Decimal(10), "EUR", BASE)
        repo.create_order(table, order)
        with _reply_lost(table, "DeleteItem") as sent:
            assert repo.delete_order(table, "o1") is False
        assert len(sent) == 2 and repo.get_order(table, "o1") is None
    workload = example("ecommerce")
    readme = generate(workload, explicit(workload, Store.DYNAMODB)).files["README.md"]
    assert "returns False although the item was deleted" in readme


def test_a_number_dynamodb_cannot_hold_is_refused_by_the_model(tmp_path: Path) -> None:
    # review 14: D12. A float or decimal field was checked to be finite only: 39 digits,
    # 1E+130 or 1e300 passed the model and failed inside boto3 (decimal.Inexact, Overflow).
    with imported(parse_workload(ACCTS), Store.DYNAMODB, tmp_path, "repository") as repo:
        later = datetime.now(UTC) + timedelta(days=1)
        for ratio in (1e300, 5e-324, -1e130):
            with pytest.raises(ValueError, match="ratio"):
                repo.Member("m", "m@x", 0, later, ratio=ratio)
        for kept in (0.1, -1.5e125, 1e-129, 0.0, None):
            assert repo.Member("m", "m@x", 0, later, ratio=kept).ratio == kept
    with imported(example("ledger"), Store.DYNAMODB, tmp_path / "ledger", "repository") as repo:
        for balance in ("123456789012345678901234567890123456789", "1E+130", "1E-131"):
            with pytest.raises(ValueError, match="balance"):
                repo.Account("a", "o", "EUR", "asset", Decimal(balance), BASE)
        digits = Decimal("12345678901234567890123456789012345678")
        assert repo.Account("a", "o", "EUR", "asset", digits, BASE).balance == digits


EXPIRING_CHILDREN = """
name: tokens
needs: [ttl]
entities:
  - {name: User, key: user_id, fields: {user_id: string}}
  - {name: Token, key: token_id, parent: User,
     fields: {token_id: string, user_id: string, expires_at: datetime}}
access_patterns:
  - {name: tokens_of_user, entity: Token, kind: query, by: [user_id], order_by: expires_at}
"""


def _readme(text: str) -> str:
    workload = parse_workload(text)
    return generate(workload, explicit(workload, Store.DYNAMODB)).files["README.md"]


def test_children_unlinked_from_their_parent_are_warned(tmp_path: Path, tables: Any) -> None:
    # review 14: D3 (documented, not fixed). Nothing checks a child's parent on create, and
    # a parent's delete leaves its children: the README and a warning say so and what to do.
    (warning,) = [w.text for w in _design(TITLES).warnings if "not linked" in w.text]
    assert "create_project() does not check that the Owner (owner_id) exists" in warning
    assert "delete_owner() deletes the Owner even while it has Project items" in warning
    assert "Project is not linked to its Owner" in _readme(TITLES)
    # The alternative the warning gives works: the parent as unchanged in save_together.
    with imported(example("ledger"), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()
        account = repo.Account("a1", "o", "EUR", "asset", Decimal(0), BASE)
        repo.create_account(table, account)
        entry = repo.Entry("e1", "a1", "t1", Decimal(5), "debit", BASE)
        repo.delete_account(table, "a1")
        with pytest.raises(errors(repo).ConflictError):
            repo.save_together(table, creates=[entry], unchanged=[account])
        assert repo.balance_check(table, "a1") == {}


def test_a_key_field_update_cannot_change_is_warned() -> None:
    # review 14: D7 (documented, not fixed). The README told to change a Token's expiry
    # with update_token(), which refuses: the expiry orders the collection, so it is in
    # the sort key. The README and a warning now say how to change such a field.
    readme = _readme(EXPIRING_CHILDREN)
    assert "change its expiry with `update_token()`" not in readme
    assert "`update_token()` cannot change its expiry" in readme
    warnings = [w.text for w in _design(EXPIRING_CHILDREN).warnings]
    assert any(
        w.startswith("update_token() cannot change user_id and expires_at") for w in warnings
    )
    assert not [w for w in _design(CHAT).warnings if "cannot change" in w.text]


def test_pages_over_a_changing_number_are_warned() -> None:
    # review 14: D10 (documented). A cursor is a position in the sort order: paging by a
    # number that increments move repeats and skips items.
    workload = example("ecommerce")
    (design,) = [
        d
        for d in plan(workload, explicit(workload, Store.DYNAMODB)).designs
        if any(r.pattern.name == "stock_for_sku" for r in d.reads)
    ]
    warned = {w.pattern: w.text for w in design.warnings if "returned twice" in w.text}
    assert set(warned) == {"stock_for_sku", "low_stock_in_warehouse"}
    assert "its pages follow on_hand, which increments change" in warned["stock_for_sku"]
    assert any("returned twice or skipped" in line for line in design.decisions)


def test_an_update_with_no_tries_is_refused(tmp_path: Path, tables: Any) -> None:
    # retries counts the tries: 0 tried nothing and reported a conflict it never met, as
    # the Redis review found (review 12: R10, in every store).
    with imported(example("ecommerce"), Store.DYNAMODB, tmp_path, "inventory") as repo:
        table = tables(repo)()
        repo.create_stock_level(table, repo.StockLevel("s1", "sku1", "w1", 10, 0, BASE))
        with pytest.raises(ValueError, match="at least 1"):
            repo.update_stock_level(table, "s1", lambda s: replace(s, on_hand=9), retries=0)
        stored = repo.update_stock_level(table, "s1", lambda s: replace(s, on_hand=9), retries=1)
        assert stored is not None and stored.on_hand == 9
