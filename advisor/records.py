"""Frozen, typed records: what frozen dataclasses give, without their start-up cost.

Every ``dbadvisor`` run defines about fifty model classes (workload, knowledge base,
results) before it does any work. ``@dataclass`` compiles five or six methods from source
text for each class, about 0.8 ms a class here: 40 ms, most of our whole start-up budget
(see ``benchmarks/startup.py``). A :class:`Frozen` subclass instead reads its field list
from its annotations once, without evaluating them, and shares one ``__init__``,
``__eq__``, ``__hash__`` and ``__repr__`` written here: defining a class costs a few
microseconds, constructing an instance a little more than a dataclass does.

``typing.dataclass_transform`` tells type checkers that these classes behave like frozen
dataclasses, so mypy checks constructor calls, field defaults and assignments as it would
for ``@dataclass(frozen=True)``. Fields are declared the same way, with :func:`field` for
a default factory or validation metadata::

    class Entity(Frozen):
        name: str = field(metadata=NAME)
        fields: Mapping[str, FieldType]
        parent: str | None = None

``class Fact(Frozen, kw_only=True)`` makes every field keyword-only, as the dataclass
option does, which lets a subclass add required fields after defaulted ones.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

T = TypeVar("T")
R = TypeVar("R", bound="Frozen")


class FrozenInstanceError(AttributeError):
    """Raised on an attempt to assign or delete a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a record: its name, default or default factory, and metadata."""

    __slots__ = ("default", "default_factory", "metadata", "name")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        name: str = "",
    ) -> None:
        """Describe a field; the name is filled in when the class is defined."""
        self.name = name
        self.default = default
        self.default_factory = default_factory
        self.metadata: Mapping[str, Any] = metadata or {}

    @property
    def required(self) -> bool:
        """True when the field has neither a default nor a default factory."""
        return self.default is MISSING and self.default_factory is None

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


@overload
def field(*, default: T, metadata: Mapping[str, Any] | None = None) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], metadata: Mapping[str, Any] | None = None) -> T: ...
@overload
def field(*, metadata: Mapping[str, Any] | None = None) -> Any: ...
def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """Declare a field with a default, a default factory, or validation metadata."""
    return Field(default, default_factory, metadata)


def _is_class_var(annotation: Any) -> bool:
    # Annotations stay unevaluated strings under ``from __future__ import annotations``.
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


@typing.dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
class Frozen:
    """Base of immutable records; see the module docstring."""

    __slots__ = ()
    if TYPE_CHECKING:  # declared for type checkers only: get_type_hints() need not read them
        __record_fields__: ClassVar[tuple[Field, ...]]
        __record_names__: ClassVar[frozenset[str]]
        __record_positional__: ClassVar[tuple[str, ...]]
        __record_defaults__: ClassVar[Mapping[str, Any]]
        __record_factories__: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]]
    __record_fields__ = ()
    __record_names__ = frozenset()
    __record_positional__ = ()
    __record_defaults__ = MappingProxyType({})
    __record_factories__ = ()

    def __init_subclass__(cls, *, kw_only: bool = False) -> None:
        """Collect the fields: the bases' first, then this class's, in declaration order."""
        super().__init_subclass__()
        found = {f.name: f for f in cls.__record_fields__}
        positional = list(cls.__record_positional__)
        for name, annotation in inspect.get_annotations(cls).items():
            if _is_class_var(annotation):
                continue
            value = cls.__dict__.get(name, MISSING)
            declared = value if isinstance(value, Field) else Field(default=value)
            if isinstance(declared.default, list | dict | set):
                # Shared by every instance, as in dataclasses: ask for a factory instead.
                raise TypeError(f"{cls.__name__}.{name}: mutable default, use default_factory")
            declared.name = name
            found[name] = declared
            if value is not MISSING:
                delattr(cls, name)  # the instance always holds the value
            if not kw_only and name not in positional:
                positional.append(name)
        cls.__record_fields__ = tuple(found.values())
        cls.__record_names__ = frozenset(found)
        cls.__record_positional__ = tuple(positional)
        cls.__record_defaults__ = {
            f.name: f.default for f in found.values() if f.default is not MISSING
        }
        cls.__record_factories__ = tuple(
            (f.name, f.default_factory) for f in found.values() if f.default_factory is not None
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Set every field from the arguments, the defaults and the default factories."""
        cls = type(self)
        if args:
            names = cls.__record_positional__
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments")
            for name, value in zip(names, args, strict=False):
                if name in kwargs:
                    raise TypeError(f"{cls.__name__}() got multiple values for '{name}'")
                kwargs[name] = value
        unknown = kwargs.keys() - cls.__record_names__
        if unknown:
            raise TypeError(f"{cls.__name__}() got unexpected fields: {', '.join(sorted(unknown))}")
        values = dict(cls.__record_defaults__)
        values.update(kwargs)
        for name, factory in cls.__record_factories__:
            if name not in kwargs:
                values[name] = factory()
        if len(values) != len(cls.__record_names__):
            missing = sorted(cls.__record_names__ - values.keys())
            raise TypeError(f"{cls.__name__}() is missing fields: {', '.join(missing)}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field '{name}'")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field '{name}'")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(_values(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={self.__dict__[f.name]!r}" for f in self.__record_fields__)
        return f"{type(self).__qualname__}({shown})"


def _values(record: Frozen) -> tuple[Any, ...]:
    return tuple(record.__dict__[f.name] for f in record.__record_fields__)


def fields(cls: type[Frozen] | Frozen) -> tuple[Field, ...]:
    """The fields of a record class (or of a record's class), in declaration order."""
    return cls.__record_fields__


def is_record(tp: Any) -> bool:
    """True for a :class:`Frozen` subclass."""
    return isinstance(tp, type) and issubclass(tp, Frozen)


def replace(record: R, /, **changes: Any) -> R:
    """A copy of ``record`` with ``changes`` applied (like ``dataclasses.replace``)."""
    values = dict(record.__dict__)
    values.update(changes)
    return type(record)(**values)
