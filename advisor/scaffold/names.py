"""Names in generated code: user-supplied names made into safe, unique identifiers.

Every identifier a generated project uses for a user-supplied name comes from here, and
the templates pass it through the ``ident`` filter again (defence in depth). Names the
templates themselves use are reserved, so no entity, field or pattern can shadow them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from advisor.templating import safe_identifier

# Names the templates define or bind at module level, in models and in tests, besides
# the imported ones (the keys of IMPORTS, below). A user-derived name equal to one of
# these gets a trailing underscore.
RESERVED_MODULE = frozenset(
    {
        "annotations",
        "dataclasses",
        "field",
        "bson",
        "Redis",
        "AlreadyExistsError",
        "ConflictError",
        "NotFoundError",
        "Model",
        "Page",
        "UniqueValueError",
        "BulkSaveError",
        "ensure_schema",
        "save_together",
        "ensure_event_group",
        "read_events",
        "ack_events",
        "read_pending",
        "claim_stale",
        "trim_events",
        "repo",
        "main",
    }
)
# Parameters and local variables of generated functions. Fields become parameters, so a
# field named like one of these gets a trailing underscore and can never shadow it.
RESERVED_PARAMS = frozenset(
    [
        "db",
        "client",
        "table",
        "store",
        "session",
        "text",
        "longitude",
        "latitude",
        "radius_km",
        "limit",
        "items",
        "item",
        "key",
        "mutate",
        "retries",
        "self",
        "cls",
        "i",
        "index",
        "members",
        "member",
        "found",
        "raw",
        "doc",
        "cursor",
        "query",
        "point",
        "near",
        "pipeline",
        "rows",
        "row",
        "requests",
        "parent",
        "parents",
        "old",
        "new",
        "result",
        "document",
        "update",
        "pipe",
        "stop",
        "needle",
        "write",
        "kwargs",
        "page",
        "response",
        "start",
        "keys",
        "values",
        "count",
        "missing",
        "group",
        "consumer",
        "ids",
        "block_ms",
        "entries",
        "fields",
        "name",
        "schema",
        "indexes",
        "existing",
        "options",
        "error",
        "actions",
        "origin",
        "distance",
        "matches",
        "upsert",
        "creates",
        "consistent",
        "updates",
        "current",
        "array",
        "stored",
        "reasons",
        "watched",
        "min_idle_ms",
        "start_id",
        "chunk",
        "prefix",
        "seen",
        "expected",
        "probe",
        "other",
    ]
)
# Attributes of generated models and the attribute names of the storage designs
# (DynamoDB's PK/SK/GSI keys); a field named like one gets a trailing underscore.
_RESERVED_FIELD = re.compile(r"^(PK|SK|GSI\d+(PK|SK)|self|cls)$")
# Builtin types and ``field`` the models' annotations use (imported names are in IMPORTS).
RESERVED_FIELD_TYPES = frozenset(
    {"str", "int", "float", "bool", "list", "dict", "tuple", "object", "field"}
)
# Modules a generated project imports or is imported beside: its package must not shadow them.
_THIRD_PARTY = frozenset(
    {
        "redis",
        "pymongo",
        "bson",
        "gridfs",
        "mongomock",
        "boto3",
        "botocore",
        "moto",
        "pytest",
        "tests",
        "test",
        "conftest",
        "setuptools",
        "pkg_resources",
    }
)
# Module names inside a generated package that are fixed by the templates.
RESERVED_SUBMODULES = frozenset(
    {"connection", "errors", "setup_db", "mongodb_support", "redis_support", "dynamodb_support"}
)
# File names Windows refuses, so a generated project stays portable.
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def snake(value: object) -> str:
    """A lower_snake_case identifier: ``StockLevel`` -> ``stock_level``."""
    ident = safe_identifier(value)
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ident)
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", words)
    return safe_identifier(re.sub(r"_+", "_", words.lower()))


def pascal(value: object) -> str:
    """A PascalCase identifier: ``stock_level`` -> ``StockLevel``."""
    ident = safe_identifier(value)
    parts = [p for p in ident.split("_") if p]
    joined = "".join(p[0].upper() + p[1:] for p in parts)
    return safe_identifier(joined or ident)


def module_name(value: object, *, top_level: bool = False) -> str:
    """A module or package name that shadows nothing and is a portable file name."""
    name = snake(value)
    if _WINDOWS_DEVICES.match(name) or name in RESERVED_SUBMODULES:
        name += "_"
    if top_level and (name in sys.stdlib_module_names or name in _THIRD_PARTY):
        name += "_app"
    return name


def plural(name: str) -> str:
    """The English plural of a snake_case name (its last word), for the common cases.

    ``address`` -> ``addresses``, ``box`` -> ``boxes``, ``batch`` -> ``batches``,
    ``category`` -> ``categories``, ``day`` -> ``days``, ``order_line`` -> ``order_lines``.
    A keyword's trailing underscore (``class_``) is dropped: the plural is no keyword.
    """
    stem = name.rstrip("_") or name
    if stem.endswith(("s", "x", "z", "ch", "sh")):
        return stem + "es"
    if len(stem) > 1 and stem.endswith("y") and stem[-2] not in "aeiou_":
        return stem[:-1] + "ies"
    return stem + "s"


class Namespace:
    """Hands out unique identifiers: the first asker gets a name, later ones a suffix."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        """Start with names that are taken already (they are never handed out)."""
        self._taken: set[str] = set(reserved)

    def take(self, wanted: str) -> str:
        """Reserve ``wanted`` (an identifier) or the first free ``wanted_2``, ``wanted_3``..."""
        name = wanted
        number = 2
        while name in self._taken:
            name = f"{wanted}_{number}"
            number += 1
        self._taken.add(name)
        return name


def field_ident(value: object) -> str:
    """The identifier of an entity's field (attribute, stored name and parameter)."""
    name = safe_identifier(value)
    if _RESERVED_FIELD.match(name) or name in RESERVED_FIELD_TYPES or name in IMPORTS:
        name += "_"
    return name


# What the templates may import, by the name the code uses: module, or (module, name).
IMPORTS: dict[str, str | tuple[str, str]] = {
    "hashlib": "hashlib",
    "base64": "base64",
    "bson": "bson",
    "contextlib": "contextlib",
    "json": "json",
    "math": "math",
    "os": "os",
    "random": "random",
    "threading": "threading",
    "time": "time",
    "uuid": "uuid",
    "Callable": ("collections.abc", "Callable"),
    "Iterable": ("collections.abc", "Iterable"),
    "Iterator": ("collections.abc", "Iterator"),
    "Mapping": ("collections.abc", "Mapping"),
    "Sequence": ("collections.abc", "Sequence"),
    "Future": ("concurrent.futures", "Future"),
    "ThreadPoolExecutor": ("concurrent.futures", "ThreadPoolExecutor"),
    "dataclass": ("dataclasses", "dataclass"),
    "replace": ("dataclasses", "replace"),
    "UTC": ("datetime", "UTC"),
    "datetime": ("datetime", "datetime"),
    "timedelta": ("datetime", "timedelta"),
    "Decimal": ("decimal", "Decimal"),
    "Context": ("decimal", "Context"),
    "DecimalException": ("decimal", "DecimalException"),
    "Inexact": ("decimal", "Inexact"),
    "Any": ("typing", "Any"),
    "TypeVar": ("typing", "TypeVar"),
    "Literal": ("typing", "Literal"),
    "cast": ("typing", "cast"),
    "boto3": "boto3",
    "mongomock": "mongomock",
    "BulkOperationBuilder": ("mongomock.collection", "BulkOperationBuilder"),
    "CollectionStore": ("mongomock.store", "CollectionStore"),
    "pymongo": "pymongo",
    "pytest": "pytest",
    "redis": "redis",
    "Attr": ("boto3.dynamodb.conditions", "Attr"),
    "Key": ("boto3.dynamodb.conditions", "Key"),
    "Decimal128": ("bson.decimal128", "Decimal128"),
    "create_decimal128_context": ("bson.decimal128", "create_decimal128_context"),
    "IndexModel": ("pymongo", "IndexModel"),
    "MongoClient": ("pymongo", "MongoClient"),
    "ReadPreference": ("pymongo", "ReadPreference"),
    "ReplaceOne": ("pymongo", "ReplaceOne"),
    "UpdateOne": ("pymongo", "UpdateOne"),
    "ReturnDocument": ("pymongo", "ReturnDocument"),
    "CodecOptions": ("bson.codec_options", "CodecOptions"),
    "TypeDeserializer": ("boto3.dynamodb.types", "TypeDeserializer"),
    "TypeSerializer": ("boto3.dynamodb.types", "TypeSerializer"),
    "DYNAMODB_CONTEXT": ("boto3.dynamodb.types", "DYNAMODB_CONTEXT"),
    "ClientSession": ("pymongo.client_session", "ClientSession"),
    "Collection": ("pymongo.collection", "Collection"),
    "Database": ("pymongo.database", "Database"),
    "DuplicateKeyError": ("pymongo.errors", "DuplicateKeyError"),
    "WriteError": ("pymongo.errors", "WriteError"),
    "BulkWriteError": ("pymongo.errors", "BulkWriteError"),
    "ReadConcern": ("pymongo.read_concern", "ReadConcern"),
    "WriteConcern": ("pymongo.write_concern", "WriteConcern"),
    "Pipeline": ("redis.client", "Pipeline"),
    "Script": ("redis.commands.core", "Script"),
    "EncodableT": ("redis.typing", "EncodableT"),
    "FieldT": ("redis.typing", "FieldT"),
    "ResponseError": ("redis.exceptions", "ResponseError"),
    "WatchError": ("redis.exceptions", "WatchError"),
    "NoScriptError": ("redis.exceptions", "NoScriptError"),
}


RESERVED_NAMES = frozenset(IMPORTS) | RESERVED_MODULE
