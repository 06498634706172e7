"""Optional fields and retention: what the workload says is kept, absent or expired, and no more.

Validation refuses what cannot work (an optional key, a retention without a datetime
field); the generated code, imported and run against the session's redis-server, moto's
DynamoDB server and mongomock, stores an absent optional value as no value at all,
drops it again when an update clears it, keeps items without it out of the indexes on
it, expires an entity with a retention at its field's time plus the retention, and
never expires an entity that has neither a retention nor an expiry field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from advisor.amounts import duration_text, parse_duration
from advisor.errors import InputError
from advisor.scaffold import Store, explicit, generate, plan
from advisor.scaffold.mongodb import MongoDesign
from advisor.workload import Workload, parse_workload
from tests.hostile import EDGE_WORKLOADS
from tests.servers import RedisServer
from tests.test_scaffold_dynamodb import tables  # noqa: F401 (a fixture)
from tests.test_scaffold_mongodb import imported, mongo  # noqa: F401 (a fixture)

# test_scaffold_projects.py gives databases 0-29 to its projects, test_scaffold_redis 31.
DATABASE = 30
BASE = datetime(2030, 1, 1, tzinfo=UTC)
# Trip's required fields; the optional ones are driver_id, completed_at, rating, note
# and distance (tests/hostile.py, "lifetime").
REQUIRED = {"trip_id", "rider_id", "started_at", "fare"}
OPTIONAL = {"driver_id", "completed_at", "rating", "note", "distance"}


def _workload() -> Workload:
    return parse_workload(EDGE_WORKLOADS["lifetime"], "lifetime.yaml")


def _trips(repo: Any) -> tuple[Any, Any]:
    """A Trip without its optional values, and the same Trip with all of them."""
    bare = repo.Trip(trip_id="t1", rider_id="r1", started_at=BASE, fare=12)
    full = replace(
        bare, driver_id="d1", completed_at=BASE, rating=4.5, note="late night", distance=7
    )
    return bare, full


def _position(repo: Any, n: int, seen_at: datetime) -> Any:
    return repo.Position(
        position_id=f"p{n}", driver_id="d1", seen_at=seen_at, location=(13.4, 52.5), heading=90
    )


def _problems(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_workload(text, "w.yaml")
    return str(caught.value)


# --- durations and validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("12h", 43200), ("90d", 7776000), ("2w", 1209600), (" 1D ", 86400)],
)
def test_durations_are_read_in_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(duration_text(seconds)) == seconds


@pytest.mark.parametrize(
    "text", ["", "90", "1.5d", "1d12h", "0d", "-3d", "90 days", "5y", "40000w"]
)
def test_other_durations_are_refused_not_guessed(text: str) -> None:
    assert parse_duration(text) is None


ENTITY = """
name: t
needs: [{needs}]
entities:
  - name: Parent
    key: parent_id
    fields: {{parent_id: string}}
  - name: Trip
    key: trip_id
    parent: Parent
    fields: {{trip_id: string, parent_id: string, started_at: datetime, ended_at: datetime,
             spot: geo, fare: int}}
{extra}
access_patterns:
  - {{name: near_spot, entity: Trip, kind: near, by: [spot]}}
  - {{name: by_fare, entity: Trip, kind: query, by: [parent_id], order_by: fare}}
"""


def _entity(extra: str, needs: str = "ttl, geospatial") -> str:
    return ENTITY.format(extra=extra, needs=needs)


def test_valid_optional_fields_and_retention_pass() -> None:
    workload = parse_workload(
        _entity("    optional: [ended_at]\n    retention: 90d\n    retention_field: started_at"),
        "w.yaml",
    )
    trip = workload.components[0].entities[1]
    assert trip.optional == ("ended_at",)
    assert (trip.retention, trip.retention_field) == ("90d", "started_at")


@pytest.mark.parametrize(
    ("extra", "needs", "expected"),
    [
        ("    optional: [endd_at]", "ttl, geospatial", "'endd_at' is not a field of Trip"),
        ("    optional: [endd_at]", "ttl, geospatial", "(did you mean 'ended_at'?)"),
        ("    optional: [trip_id]", "ttl, geospatial", "'trip_id' is the key"),
        ("    optional: [parent_id]", "ttl, geospatial", "'parent_id' is the parent's key"),
        ("    optional: [fare]", "ttl, geospatial", "'fare' is optional in Trip"),
        ("    optional: [spot]", "ttl, geospatial", "a near read measures from a geo field"),
        ("    retention: 90 days", "ttl, geospatial", "'90 days' is not a retention"),
        ("    retention: 90d", "ttl, geospatial", "Trip has 2 datetime fields"),
        (
            "    retention: 90d\n    retention_field: fare",
            "ttl, geospatial",
            "'fare' is not a datetime field of Trip",
        ),
        (
            "    retention: 90d\n    retention_field: startd_at",
            "ttl, geospatial",
            "(did you mean 'started_at'?)",
        ),
        ("    retention_field: started_at", "ttl, geospatial", "needs a retention"),
        (
            "    retention: 9d\n    retention_field: ended_at\n    optional: [ended_at]",
            "ttl, geospatial",
            "the field retention counts from cannot be optional",
        ),
        (
            "    retention: 90d\n    retention_field: started_at",
            "geospatial",
            "'ttl' is not in needs",
        ),
    ],
)
def test_bad_optional_fields_and_retention_are_refused(
    extra: str, needs: str, expected: str
) -> None:
    assert expected in _problems(_entity(extra, needs))


# --- the designs --------------------------------------------------------------------------


def test_retention_is_an_expiry_from_its_field_and_nothing_else_expires() -> None:
    spec = plan(_workload(), explicit(_workload(), Store.MONGODB)).project.components[0]
    trip, position = spec.entities
    assert trip.expiry is None and trip.retention == 0
    assert position.expiry is not None and position.expiry.name == "seen_at"
    assert position.retention == 3600 and position.keep == "timedelta(hours=1)"
    assert {f.name for f in trip.optionals} == OPTIONAL


SETTLED = """
name: payments
needs: [ttl]
entities:
  - name: Payment
    key: payment_id
    fields:
      payment_id: string
      amount: int
      settled_at: datetime
      throttledAt: datetime
      card_expiry: datetime
      ttl_warning_sent_at: datetime
  - name: Grant
    key: grant_id
    fields: {grant_id: string, expiresAt: datetime}
  - name: Lease
    key: lease_id
    fields: {lease_id: string, ttl: datetime}
access_patterns:
  - {name: payment, entity: Payment, kind: get, by: [payment_id]}
  - {name: grant, entity: Grant, kind: get, by: [grant_id]}
  - {name: lease, entity: Lease, kind: get, by: [lease_id]}
"""


@pytest.mark.parametrize("store", list(Store))
def test_only_a_field_named_for_expiry_makes_items_expire(store: Store) -> None:
    # "settled" and "throttled" contain "ttl": a substring match would expire payments at
    # the time they were settled, deleting any written after it; a card's expiry date or
    # when a warning was sent is not when the payment expires either.
    workload = parse_workload(SETTLED, "payments.yaml")
    spec = plan(workload, explicit(workload, store)).project.components[0]
    expiry = {e.name: e.expiry.name if e.expiry else None for e in spec.entities}
    assert expiry == {"Payment": None, "Grant": "expiresAt", "Lease": "ttl"}


def test_near_by_its_geo_field_measures_from_it() -> None:
    workload = parse_workload(EDGE_WORKLOADS["near_by_geo"], "near.yaml")
    designs = plan(workload, explicit(workload, Store.MONGODB)).designs
    (design,) = designs
    assert isinstance(design, MongoDesign)
    near = {p.name: p for p in design.spec.patterns}
    # The geo field named in by (or order_by) is the target, not an equality key.
    assert near["near_in_city"].target is not None
    assert near["near_in_city"].target.name == "spot"
    assert [p.field.name for p in near["near_in_city"].by] == ["city"]
    assert near["near_home"].target is not None and near["near_home"].target.name == "home"
    assert near["near_home"].order is None
    code = generate(workload, explicit(workload, Store.MONGODB)).files["t/repository.py"]
    assert 'query: dict[str, Any] = {"spot": {"$near": near}, "city": city}' in code
    assert "spot: tuple[float, float]" not in code.split("def near_spot(")[1].split(")")[0]


# A number of each type, an optional one among them: what the models of every store refuse.
NUMBERS = """
name: nums
entities:
  - name: A
    key: id
    optional: [r]
    fields: {id: string, n: int, x: float, d: decimal, r: float}
"""


@pytest.mark.parametrize("store", list(Store))
def test_models_refuse_numbers_no_store_keeps(store: Store, tmp_path: Path) -> None:
    # A NaN score fails inside Redis's EXEC after the hash was written, HINCRBY and
    # MongoDB's int64 stop at 64 bits: the models refuse these values, naming the field.
    workload = parse_workload(NUMBERS, "nums.yaml")
    with imported(workload, store, tmp_path, "repository") as repo:
        # DynamoDB keeps magnitudes below 1e126 only (its models refuse more, review 14: D12).
        big = 9e125 if store is Store.DYNAMODB else 1e300
        item = repo.A("a1", 2**63 - 1, big, Decimal("1.5"), -0.5)
        assert replace(item, n=-(2**63), r=None).n == -(2**63)
        refused = [
            ("n", 2**63),
            ("n", -(2**63) - 1),
            ("x", float("nan")),
            ("x", float("inf")),
            ("d", Decimal("NaN")),
            ("d", Decimal("-Infinity")),
            ("r", float("-inf")),
        ]
        for field, value in refused:
            with pytest.raises(ValueError, match=f"^{field} must"):
                replace(item, **{field: value})


POINTS = """
name: spots
needs: [geospatial]
entities:
  - name: Spot
    key: id
    optional: [alt]
    fields: {id: string, at: geo, alt: geo}
access_patterns:
  - {name: spots_near, entity: Spot, kind: near, by: [at], limit: 5}
"""


@pytest.mark.parametrize("store", list(Store))
def test_models_refuse_points_the_store_cannot_index(store: Store, tmp_path: Path) -> None:
    # Redis's GEOADD takes latitudes up to 85.05112878 and fails inside EXEC after the
    # hash was written; a NaN coordinate fails every store's index.
    workload = parse_workload(POINTS, "spots.yaml")
    top = 85.05112878 if store is Store.REDIS else 90.0
    with imported(workload, store, tmp_path, "repository") as repo:
        item = repo.Spot("s1", (180.0, top), None)
        assert replace(item, at=(-180.0, -top), alt=(0.0, 0.0)).alt == (0.0, 0.0)
        for field, value in [
            ("at", (180.5, 0.0)),
            ("at", (0.0, top + 0.01)),
            ("at", (float("nan"), 0.0)),
            ("alt", (0.0, float("nan"))),
        ]:
            with pytest.raises(ValueError, match=f"^{field} must"):
                replace(item, **{field: value})


# --- the generated code against real servers ---------------------------------------------


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[Any]:
    """A client of an empty database of the session's redis-server, flushed afterwards."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(redis_server.url(DATABASE), decode_responses=True)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_redis_absent_values_and_retention(tmp_path: Path, client: Any) -> None:
    with imported(_workload(), Store.REDIS, tmp_path, "repository") as repo:
        bare, full = _trips(repo)
        repo.create_trip(client, bare)
        key = repo._key_trip("t1")
        assert set(client.hkeys(key)) == REQUIRED
        assert repo.fetch_trip(client, "t1") == bare
        assert repo.trips_of_driver(client, "d1") == []
        assert repo.update_trip(client, "t1", lambda old: full) == full
        assert set(client.hkeys(key)) == REQUIRED | OPTIONAL
        assert repo.trips_of_driver(client, "d1") == [full]
        # Clearing the values removes the hash fields and the index entries.
        assert repo.update_trip(client, "t1", lambda old: bare) == bare
        assert set(client.hkeys(key)) == REQUIRED
        assert repo.trips_of_driver(client, "d1") == []
        repo.save_many_trip(client, [full])
        repo.save_many_trip(client, [bare])
        assert repo.fetch_trip(client, "t1") == bare
        # Trip has neither a retention nor an expiry field: nothing of it expires.
        trip_keys = list(client.scan_iter(match=repo.TRIP_KEY + ":*"))
        assert trip_keys and all(client.ttl(k) == -1 for k in trip_keys)
        # A Position is kept one hour after seen_at.
        seen = datetime.now(UTC) - timedelta(minutes=30)
        repo.create_position(client, _position(repo, 1, seen))
        left = client.ttl(repo._key_position("p1"))
        assert 1800 - 60 < left <= 1800
        position_keys = list(client.scan_iter(match=repo.POSITION_KEY + ":*"))
        assert position_keys and all(client.ttl(k) > 0 for k in position_keys)
        repo.create_position(client, _position(repo, 2, seen - timedelta(hours=1)))
        assert repo.fetch_position(client, "p2") is None
        assert [p.position_id for p in repo.latest_positions(client, "d1")] == ["p1"]


def test_mongodb_absent_values_and_retention(
    tmp_path: Path,
    mongo: tuple[Any, bool],  # noqa: F811 (the fixture)
) -> None:
    db, mock = mongo
    with imported(_workload(), Store.MONGODB, tmp_path, "repository") as repo:
        repo.ensure_schema(db, validators=not mock)
        trips, positions = db[repo.TRIP_COLLECTION], db[repo.POSITION_COLLECTION]
        bare, full = _trips(repo)
        repo.create_trip(db, bare)
        stored = trips.find_one({"_id": "t1"})
        assert not OPTIONAL & set(stored)
        assert repo.fetch_trip(db, "t1") == bare
        assert repo.update_trip(db, "t1", lambda old: full) == full
        assert set(trips.find_one({"_id": "t1"})) >= OPTIONAL
        assert list(repo.trips_of_driver(db, "d1")) == [full]
        # Clearing the values $unsets them, by update and by a bulk save.
        assert repo.update_trip(db, "t1", lambda old: bare) == bare
        assert not OPTIONAL & set(trips.find_one({"_id": "t1"}))
        repo.save_many_trip(db, [full])
        repo.save_many_trip(db, [bare])
        assert not OPTIONAL & set(trips.find_one({"_id": "t1"}))
        assert list(repo.trips_of_driver(db, "d1")) == []
        # A TTL index with expireAfterSeconds = the retention, on Position only.
        ttl = [i for i in positions.index_information().values() if "expireAfterSeconds" in i]
        assert [(list(i["key"]), i["expireAfterSeconds"]) for i in ttl] == [
            ([("seen_at", 1)], 3600)
        ]
        assert not any("expireAfterSeconds" in i for i in trips.index_information().values())
        # Reads skip what the TTL monitor has not deleted yet.
        seen = datetime.now(UTC) - timedelta(minutes=30)
        repo.create_position(db, _position(repo, 1, seen))
        repo.create_position(db, _position(repo, 2, seen - timedelta(hours=1)))
        assert repo.fetch_position(db, "p1") is not None
        assert repo.fetch_position(db, "p2") is None
        assert [p.position_id for p in repo.latest_positions(db, "d1")] == ["p1"]


def test_dynamodb_absent_values_and_retention(
    tmp_path: Path,
    tables: Any,  # noqa: F811 (the fixture)
) -> None:
    with imported(_workload(), Store.DYNAMODB, tmp_path, "repository") as repo:
        table = tables(repo)()

        def stored(kind: str) -> list[dict[str, Any]]:
            return [i for i in table.scan()["Items"] if i.get("_type") == kind]

        bare, full = _trips(repo)
        repo.create_trip(table, bare)
        (item,) = stored("Trip")
        assert not OPTIONAL & set(item)
        # The GSIs keyed on driver_id are sparse: the item has only the rider's GSI key.
        assert sorted(k for k in item if k.startswith("GSI")) == ["GSI1PK", "GSI1SK"]
        assert repo.fetch_trip(table, "t1") == bare
        assert repo.update_trip(table, "t1", lambda old: full) == full
        assert set(stored("Trip")[0]) >= OPTIONAL
        assert list(repo.trips_of_driver(table, "d1")) == [full]
        assert repo.update_trip(table, "t1", lambda old: bare) == bare
        assert not OPTIONAL & set(stored("Trip")[0])
        assert list(repo.trips_of_driver(table, "d1")) == []
        # Trips never expire; a Position's _ttl is seen_at plus one hour, and TTL is on.
        assert "_ttl" not in stored("Trip")[0]
        seen = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
        repo.create_position(table, _position(repo, 1, seen))
        (position,) = stored("Position")
        assert int(position["_ttl"]) == int(seen.timestamp()) + 3600
        described = table.meta.client.describe_time_to_live(TableName=table.name)
        assert described["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        assert described["TimeToLiveDescription"]["AttributeName"] == "_ttl"
        repo.create_position(table, _position(repo, 2, seen - timedelta(hours=1)))
        assert repo.fetch_position(table, "p2") is None
        assert repo.fetch_position(table, "p1") is not None


def test_interview_full_revision_keeps_optional_fields_and_retention(
    cli: Any, tmp_path: Path
) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(EDGE_WORKLOADS["lifetime"], encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("interview", "--from", str(source), "--full", "-o", str(out), input="\n" * 3000)
    assert result.exit_code == 0, result.stderr
    revised = parse_workload(out.read_text(encoding="utf-8"), "out.yaml")
    trip, position = revised.components[0].entities
    assert set(trip.optional) == OPTIONAL
    # seen_at is Position's only datetime field, so the revised file need not name it.
    assert (position.retention, position.retention_field) == ("1h", None)
    assert position.append_only is True and trip.append_only is None


def test_an_expiring_child_is_not_embedded_in_mongodb() -> None:
    text = """
name: t
needs: [ttl]
entities:
  - {name: Cart, key: cart_id, fields: {cart_id: string}}
  - name: Line
    key: line_id
    parent: Cart
    retention: 2h
    fields: {line_id: string, cart_id: string, added_at: datetime}
access_patterns:
  - {name: lines, entity: Line, kind: query, by: [cart_id]}
"""
    workload = parse_workload(text, "t.yaml")
    (design,) = plan(workload, explicit(workload, Store.MONGODB)).designs
    assert isinstance(design, MongoDesign)
    # An array item cannot expire on its own; the TTL index needs Line in its collection.
    assert not design.embedded
    assert any("Line: referenced" in line and "expire" in line for line in design.decisions)
    assert any("expireAfterSeconds=7200" in line for line in design.decisions)
