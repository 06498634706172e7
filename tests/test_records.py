"""The frozen record base that replaces ``@dataclass(frozen=True)`` in the models."""

from __future__ import annotations

import pickle
import typing
from collections.abc import Mapping

import pytest

from advisor.records import Frozen, FrozenInstanceError, field, fields, is_record, replace


class Point(Frozen):
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=(), metadata={"unique": True})


class Base(Frozen, kw_only=True):
    sources: tuple[str, ...]
    note: str | None = None


class Child(Base, kw_only=True):
    # Required after a defaulted base field: allowed because every field is keyword-only.
    text: str
    extra: Mapping[str, int] = field(default_factory=dict)


def test_positional_and_keyword_construction_agree() -> None:
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2)
    assert Point(1).y == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing fields: x"),
        ((1,), {"z": 3}, "unexpected fields: z"),
        ((1, 2, (), 4), {}, "takes 3 positional arguments"),
        ((1,), {"x": 2}, "multiple values for 'x'"),
    ],
)
def test_bad_construction_is_a_type_error(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)  # type: ignore[arg-type]


def test_keyword_only_records_refuse_positional_arguments() -> None:
    with pytest.raises(TypeError, match="takes 0 positional"):
        Child(("s",), None, "t")  # type: ignore[call-arg]


def test_fields_are_inherited_in_order_with_their_metadata() -> None:
    assert [f.name for f in fields(Child)] == ["sources", "note", "text", "extra"]
    assert [f.required for f in fields(Child)] == [True, False, True, False]
    assert fields(Point)[2].metadata == {"unique": True}
    assert is_record(Child) and not is_record(Child(sources=(), text="t"))


def test_records_are_frozen() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y
    assert point.x == 1


def test_default_factories_give_each_instance_its_own_value() -> None:
    a, b = Child(sources=(), text="a"), Child(sources=(), text="b")
    assert a.extra == {} and a.extra is not b.extra


def test_a_mutable_default_is_refused_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="mutable default"):

        class Bad(Frozen):
            items: list[int] = []  # noqa: RUF012


def test_equality_hash_and_repr_follow_the_fields() -> None:
    assert Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2)) == hash(Point(x=1, y=2))
    assert Point(1, 2) != (1, 2)  # not a tuple, unlike a NamedTuple
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"
    assert {Point(1), Point(1)} == {Point(1)}


def test_replace_and_pickle_round_trip() -> None:
    child = Child(sources=("s",), text="t", extra={"a": 1})
    assert replace(child, text="u") == Child(sources=("s",), text="u", extra={"a": 1})
    assert pickle.loads(pickle.dumps(child)) == child
    with pytest.raises(TypeError, match="unexpected fields: nope"):
        replace(child, nope=1)


def test_type_hints_list_only_the_fields() -> None:
    assert set(typing.get_type_hints(Child)) == {"sources", "note", "text", "extra"}
