"""A valid workload whose every name is hostile: quotes, newlines, code, keywords, paths.

The workload model accepts any 1-100 character string as an entity, field, pattern,
component or workload name, so all of these reach the scaffold generator.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from advisor.workload import Workload, parse_workload

# If any of these ran, it would leave a file named PWNED in the working folder.
INJECTED = "__import__('os').system('touch PWNED')"
PARENT = "Robert'); DROP TABLE students;--"

HOSTILE_NAMES = (
    INJECTED,
    "x'; import os; os.system('touch PWNED') #",
    '"""\nimport os\nos.system("touch PWNED")\n"""',
    "class",
    "None",
    "match",
    "__class__",
    "__init__",
    "../../etc/passwd",
    "a/b\\c",
    "con",
    "1st",
    'naïve "score"',
    "日本語",
    "near me\u202e",
    "tab\there",
    "{{ 7 * 7 }}",
    "${HOME}",
    "PK",
    "self",
    "json",
    "limit",
    "\x00nul",
)


def hostile_document() -> dict[str, Any]:
    """The workload as plain data: two components, every kind of access pattern."""
    fields = {
        "key": "string",
        INJECTED: "string",
        "class": "int",
        'naïve "score"': "float",
        "line\nbreak": "datetime",
        "expires_at": "datetime",
        "price'); DROP TABLE x;--": "decimal",
        "PK": "string",
        "self": "bool",
        "json": "list",
        "limit": "map",
        "../../etc/passwd": "geo",
        "1st": "string",
        "日本語": "string",
        "{{ 7 * 7 }}": "string",
    }
    child = {
        "child id": "string",
        "key": "string",
        "amount": "decimal",
        "n": "int",
        "at": "datetime",
    }
    evil = {
        "name": "../../evil\"\n'''comp",
        "description": '<script>alert(1)</script> | `rm -rf /`\n# not a heading """',
        "consistency": "strong",
        "durability": "durable",
        "transactions": "multi_record",
        "needs": ["ttl", "pub_sub", "graph_traversal"],
        "entities": [
            {"name": PARENT, "key": "key", "fields": fields},
            {"name": "None", "key": "child id", "parent": PARENT, "fields": child},
            {
                "name": "__class__",
                "key": "self",
                "fields": {"self": "string", "mutate": "string", "found": "int"},
            },
        ],
        "access_patterns": [
            {"name": "get; import os", "entity": PARENT, "kind": "get", "by": ["key"]},
            {
                "name": "def",
                "entity": PARENT,
                "kind": "query",
                "by": [INJECTED],
                "order_by": "line\nbreak",
                "descending": True,
                "limit": 5,
            },
            {
                "name": "ensure_schema",
                "entity": PARENT,
                "kind": "top",
                "by": ["1st"],
                "order_by": "class",
                "limit": 3,
                "per_sec": 90000,
            },
            {"name": "create_robert_drop_table_students", "entity": PARENT, "kind": "search"},
            {"name": "near me\u202e", "entity": PARENT, "kind": "near", "limit": 2},
            {
                "name": "sum it",
                "entity": "None",
                "kind": "aggregate",
                "by": ["key"],
                "group_by": "n",
            },
            {"name": "kids", "entity": "None", "kind": "query", "by": ["key"], "order_by": "at"},
            {"name": "walk", "entity": "__class__", "kind": "traverse", "by": ["mutate"]},
            {"name": "by found", "entity": "__class__", "kind": "query", "by": ["found", "mutate"]},
            {"name": "scan all", "entity": "__class__", "kind": "query"},
        ],
    }
    keyword = {
        "name": "class",
        "entities": [{"name": "x", "key": "k", "fields": {"k": "int", "v": "string"}}],
        "access_patterns": [{"name": "x", "entity": "x", "kind": "get", "by": ["k"]}],
    }
    return {
        "name": "os",
        "description": '"""; import os; os.system(\'touch PWNED\')',
        "components": [evil, keyword],
    }


def hostile_yaml() -> str:
    """The workload as YAML text."""
    return yaml.safe_dump(hostile_document(), allow_unicode=True, sort_keys=False)


def hostile_workload() -> Workload:
    """The validated workload."""
    return parse_workload(hostile_yaml(), "hostile.yaml")


# Small workloads at the edges of the model: no entities, no patterns, a parent cycle,
# unkeyed and string-ordered patterns, every capability on one entity.
EDGE_WORKLOADS = {
    "minimal": "name: t\n",
    "no_patterns": "name: t\nentities: [{name: A, key: id, fields: {id: string}}]\n",
    "one_entity": """
name: t
transactions: multi_record
needs: [streams]
entities: [{name: A, key: id, fields: {id: int, flag: bool, when: datetime}}]
access_patterns:
  - {name: by_flag, entity: A, kind: top, by: [flag], order_by: when}
  - {name: near, entity: A, kind: near}
  - {name: s, entity: A, kind: search, by: [flag]}
  - {name: agg, entity: A, kind: aggregate, group_by: flag}
""",
    "parent_cycle": """
name: t
entities:
  - {name: A, key: id, parent: B, fields: {id: string, b: string}}
  - {name: B, key: b, parent: A, fields: {b: string, id: string}}
access_patterns:
  - {name: q, entity: A, kind: query, by: [b]}
  - {name: r, entity: B, kind: query, by: [id], order_by: b}
""",
    "unkeyed": """
name: t
scale: {writes_per_sec: 5000}
entities: [{name: A, key: id, fields: {id: string, n: int, s: string}}]
access_patterns:
  - {name: ranked, entity: A, kind: top, order_by: n, limit: 5, per_sec: 100000}
  - {name: by_text, entity: A, kind: query, by: [n], order_by: s}
""",
    # Optional fields (absent values, sparse indexes), a retention period and an
    # append-only entity (positions are recorded, never edited).
    "lifetime": """
name: rides
needs: [ttl, geospatial, counters]
entities:
  - name: Trip
    key: trip_id
    optional: [driver_id, completed_at, rating, note, distance]
    fields:
      trip_id: string
      rider_id: string
      driver_id: string
      started_at: datetime
      completed_at: datetime
      rating: float
      note: string
      distance: int
      fare: int
  - name: Position
    key: position_id
    append_only: true
    retention: 1h
    retention_field: seen_at
    fields:
      position_id: string
      driver_id: string
      seen_at: datetime
      location: geo
      heading: int
access_patterns:
  - {name: trips_of_rider, entity: Trip, kind: query, by: [rider_id], order_by: started_at}
  - {name: trips_of_driver, entity: Trip, kind: query, by: [driver_id], order_by: started_at}
  - {name: driver_totals, entity: Trip, kind: aggregate, by: [driver_id]}
  - {name: find_trips, entity: Trip, kind: search}
  - {name: latest_positions, entity: Position, kind: query, by: [driver_id], order_by: seen_at}
  - {name: drivers_near, entity: Position, kind: near, limit: 5}
""",
    # A near read whose by names its geo field (the target, not an equality key).
    "near_by_geo": """
name: t
needs: [geospatial]
entities:
  - {name: A, key: id, fields: {id: string, city: string, home: geo, spot: geo}}
access_patterns:
  - {name: near_in_city, entity: A, kind: near, by: [city, spot], limit: 3}
  - {name: near_home, entity: A, kind: near, order_by: home, limit: 3}
  - {name: near_spot, entity: A, kind: near, by: [spot]}
""",
    # Nothing but append-only entities, a parent and its children: no update, delete or
    # overwriting save exists, so the helpers that serve them must not be generated.
    "append_only": """
name: audit
needs: [counters]
entities:
  - name: Stream
    key: stream_id
    append_only: true
    fields: {stream_id: string, opened_at: datetime}
  - name: Event
    key: event_id
    parent: Stream
    append_only: true
    fields: {event_id: string, stream_id: string, actor: string, at: datetime, size: int}
access_patterns:
  - {name: by_stream, entity: Event, kind: query, by: [stream_id], order_by: at}
  - {name: by_actor, entity: Event, kind: query, by: [actor]}
  - {name: get_event, entity: Event, kind: get, by: [event_id]}
""",
    # Expiring items with unique values (one a pair) and an expiring parent with
    # embedded children: an expired item the database has not deleted yet must give up
    # its key and values to every write, and its children must not come back.
    "expiring_unique": """
name: passes
needs: [ttl]
entities:
  - name: Invite
    key: invite_id
    fields: {invite_id: string, code: string, team: string, email: string, expires_at: datetime}
  - {name: Cart, key: cart_id, fields: {cart_id: string, owner: string, expires_at: datetime}}
  - name: Line
    key: line_id
    parent: Cart
    fields: {line_id: string, cart_id: string, sku: string}
access_patterns:
  - {name: invite_by_code, entity: Invite, kind: get, by: [code], limit: 1}
  - {name: invite_of_member, entity: Invite, kind: get, by: [team, email], limit: 1}
  - {name: lines_of_cart, entity: Line, kind: query, by: [cart_id]}
""",
    # Longer names (24 characters) that push generated lines past 100 characters; the
    # same workload with 84-character names follows the dictionary.
    "long_names": """
name: workload_xxxxxxxxxxxxxxx
needs: [ttl, counters, pub_sub]
transactions: multi_record
entities:
  - name: customer_subscription_en
    key: account_identifier_xxxxx
    optional: [notes_xxxxxxxxxxxxxxxxxx]
    fields:
      account_identifier_xxxxx: string
      region_name_xxxxxxxxxxxx: string
      created_timestamp_xxxxxx: datetime
      expires_at_moment_xxxxxx: datetime
      total_amount_xxxxxxxxxxx: int
      price_value_xxxxxxxxxxxx: decimal
      notes_xxxxxxxxxxxxxxxxxx: string
  - name: invoice_line_entity_xxxx
    key: line_id_xxxxxxxxxxxxxxxx
    parent: customer_subscription_en
    retention: 30d
    fields:
      line_id_xxxxxxxxxxxxxxxx: string
      account_identifier_xxxxx: string
      qty_xxxxxxxxxxxxxxxxxxxx: int
      at_xxxxxxxxxxxxxxxxxxxxx: datetime
access_patterns:
  - {name: get_pattern_xxxxxxxxxxxx, entity: customer_subscription_en, kind: get,
     by: [account_identifier_xxxxx]}
  - {name: query_pattern_xxxxxxxxxx, entity: customer_subscription_en, kind: query,
     by: [region_name_xxxxxxxxxxxx], order_by: created_timestamp_xxxxxx, limit: 10}
  - {name: top_pattern_xxxxxxxxxxxx, entity: customer_subscription_en, kind: top,
     by: [region_name_xxxxxxxxxxxx], order_by: total_amount_xxxxxxxxxxx, limit: 10}
  - {name: rank_pattern_xxxxxxxxxxx, entity: customer_subscription_en, kind: query,
     by: [region_name_xxxxxxxxxxxx, account_identifier_xxxxx],
     order_by: total_amount_xxxxxxxxxxx, limit: 1}
  - {name: search_pattern_xxxxxxxxx, entity: customer_subscription_en, kind: search}
  - {name: optional_pattern_xxxxxxx, entity: customer_subscription_en, kind: query,
     by: [notes_xxxxxxxxxxxxxxxxxx]}
  - {name: agg_pattern_xxxxxxxxxxxx, entity: invoice_line_entity_xxxx, kind: aggregate,
     by: [account_identifier_xxxxx]}
  - {name: children_pattern_xxxxxxx, entity: invoice_line_entity_xxxx, kind: query,
     by: [account_identifier_xxxxx], order_by: at_xxxxxxxxxxxxxxxxxxxxx}
""",
}
# A unique field (a get with limit 1) on an entity of a multi-record component, float and
# int counters, an expiry field and a child with a retention (review 9's probe workload).
EDGE_WORKLOADS["unique_together"] = """
name: probe
use_case: session_store
consistency: strong
transactions: multi_record
needs: [ttl, counters]
entities:
  - name: Token
    key: token_id
    fields:
      token_id: string
      email: string
      owner_id: string
      hits: int
      weight: float
      expires_at: datetime
  - name: Note
    key: note_id
    parent: Token
    retention: 1h
    fields: {note_id: string, token_id: string, body: string, created_at: datetime}
access_patterns:
  - {name: token_by_email, entity: Token, kind: get, by: [email], limit: 1}
  - {name: tokens_of_owner, entity: Token, kind: query, by: [owner_id], order_by: hits,
     descending: true, limit: 10}
  - {name: heavy_tokens, entity: Token, kind: top, by: [owner_id], order_by: weight,
     descending: true, limit: 10}
  - {name: notes_of_token, entity: Note, kind: query, by: [token_id], order_by: created_at,
     limit: 10}
"""
# Names near the 100-character limit, where only a formatter can lay the lines out.
EDGE_WORKLOADS["longest_names"] = re.sub(
    r"x{5,}", lambda m: m[0] + "x" * 60, EDGE_WORKLOADS["long_names"]
)
# A parent with a unique value and two embedded children whose names end in s and y
# (review 10's min-unique-child and plural workloads): each sample parent needs values of
# its own, and the arrays are named addresses and categories.
EDGE_WORKLOADS["unique_parent"] = """
name: shop
entities:
  - name: Customer
    key: customer_id
    fields: {customer_id: string, email: string}
  - name: Address
    key: address_id
    parent: Customer
    fields: {address_id: string, customer_id: string, line: string}
  - name: Category
    key: category_id
    parent: Customer
    fields: {category_id: string, customer_id: string, line: string}
access_patterns:
  - {name: by_email, entity: Customer, kind: get, by: [email], limit: 1}
  - {name: addresses, entity: Address, kind: query, by: [customer_id]}
  - {name: cats, entity: Category, kind: query, by: [customer_id]}
"""
# Review 10's probe workload: an expiring parent with unique values (one a pair) and
# counters of three number types, an embedded child with an optional field, and a
# referenced child with a retention; strong consistency (linearizable reads).
EDGE_WORKLOADS["expiring_parent"] = """
name: probe
use_case: user_profiles
consistency: strong
durability: durable
schema_flexibility: fixed
needs: [ttl, counters]
entities:
  - name: User
    key: user_id
    optional: [nickname]
    fields:
      user_id: string
      email: string
      handle: string
      tenant: string
      nickname: string
      score: int
      credit: decimal
      rating: float
      joined_at: datetime
      expires_at: datetime
      prefs: map
  - name: Token
    key: token_id
    parent: User
    retention: 1d
    retention_field: created_at
    fields:
      token_id: string
      user_id: string
      code: string
      uses: int
      created_at: datetime
      expires_at: datetime
  - name: Note
    key: note_id
    parent: User
    optional: [memo]
    fields: {note_id: string, user_id: string, body: string, weight: int, memo: string}
access_patterns:
  - {name: get_user, entity: User, kind: get, by: [user_id], limit: 1}
  - {name: user_by_email, entity: User, kind: get, by: [email], limit: 1}
  - {name: user_by_tenant_handle, entity: User, kind: query, by: [tenant, handle], limit: 1}
  - {name: users_of_tenant, entity: User, kind: query, by: [tenant], order_by: credit,
     descending: true, limit: 10}
  - {name: users_by_rating, entity: User, kind: query, by: [tenant], order_by: rating, limit: 10}
  - {name: token_by_code, entity: Token, kind: get, by: [code], limit: 1}
  - {name: tokens_of_user, entity: Token, kind: query, by: [user_id], order_by: created_at,
     descending: true, limit: 5}
  - {name: notes_of_user, entity: Note, kind: query, by: [user_id]}
"""
