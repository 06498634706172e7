"""Generate a runnable starter project for MongoDB, Redis or DynamoDB from a workload.

The flow is pure: a validated :class:`~advisor.workload.Workload` and a database choice
per component become a :class:`Plan` (each component's design, with the access
patterns checked against it), and :func:`generate` renders the plan into
``{relative path: file text}``. Only the CLI writes the files (with
:func:`advisor.writer.write_tree`) and prints the warnings.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.errors import InputError
from advisor.scaffold import dynamodb, mongodb, redis
from advisor.scaffold.common import DesignWarning
from advisor.scaffold.spec import ComponentSpec, ProjectSpec, project_spec
from advisor.workload import Workload

if TYPE_CHECKING:
    from advisor.engine import Entry, Result


class Store(enum.StrEnum):
    """The databases ``scaffold`` generates code for."""

    MONGODB = "mongodb"
    REDIS = "redis"
    DYNAMODB = "dynamodb"


# Databases that speak another one's protocol get that one's project: Valkey is a fork of
# Redis 7.2 with the same protocol, so redis-py (or valkey-py) and the Redis templates apply.
ALIASES: dict[str, Store] = {"valkey": Store.REDIS}

ALIAS_NOTES: dict[str, str] = {
    "valkey": "Valkey speaks the Redis protocol, so this is the Redis project "
    "(redis-py works; valkey-py is a drop-in alternative); its Lua scripts need "
    "Valkey's Lua module, loaded by default since 9.1",
}


def store_for(database: str) -> tuple[Store, str | None]:
    """The store whose project ``database`` gets, and why when it is another one's."""
    if database in ALIASES:
        return ALIASES[database], ALIAS_NOTES[database]
    return Store(database), None


Design = mongodb.MongoDesign | redis.RedisDesign | dynamodb.DynamoDesign


@dataclass(frozen=True, slots=True)
class Choice:
    """The database picked for one component, and why."""

    component: str
    store: Store
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Every component's design, ready to render."""

    project: ProjectSpec
    choices: tuple[Choice, ...]
    designs: tuple[Design, ...]

    @property
    def warnings(self) -> tuple[DesignWarning, ...]:
        """Every design warning, in component and pattern order."""
        return tuple(w for d in self.designs for w in d.warnings)

    @property
    def parts(self) -> tuple[tuple[Choice, Design], ...]:
        """Each component's choice with its design."""
        return tuple(zip(self.choices, self.designs, strict=True))

    @property
    def stores(self) -> tuple[Store, ...]:
        """The databases the project uses, in a fixed order."""
        used = {c.store for c in self.choices}
        return tuple(s for s in Store if s in used)


@dataclass(frozen=True, slots=True)
class Scaffold:
    """A generated project: its files and what the design checks found."""

    files: Mapping[str, str]
    warnings: tuple[DesignWarning, ...]
    choices: tuple[Choice, ...]


def explicit(
    workload: Workload, store: Store, reason: str = "chosen with --db"
) -> tuple[Choice, ...]:
    """Use ``store`` for every component (``--db mongodb|redis|dynamodb|valkey``)."""
    return tuple(Choice(c.name, store, reason) for c in workload.components)


def choose(result: Result) -> tuple[Choice, ...]:
    """Pick, per component, the best-ranked of the three databases (``--db auto``).

    The ranking lists eligible databases first, each group by score, so the first of
    the three in it is the best eligible one, or the best ineligible one when none is.
    A database that speaks one of their protocols (Valkey) counts as that one, and the
    reason says so.
    """
    choices = []
    for component in result.components:
        entry = _first_store(component.ranking)
        if entry is None:
            raise InputError(
                f"{component.name}: the knowledge base ranks none of "
                f"{', '.join(Store)}; choose one with --db"
            )
        store, note = store_for(entry.database)
        ranked = f"{entry.database}, " if note else ""
        if entry.eligible:
            reason = f"best-ranked of the three, {ranked}score {entry.score:g}"
        else:
            why = "; ".join(d.text for d in entry.disqualified_by) or "not eligible"
            reason = f"best-ranked of the three, {ranked}though not eligible: {why}"
        if note:
            reason = f"{reason}; {note}"
        choices.append(Choice(component.name, store, reason))
    return tuple(choices)


def _first_store(ranking: Iterable[Entry]) -> Entry | None:
    known = (*Store, *ALIASES)
    return next((e for e in ranking if e.database in known), None)


def plan(workload: Workload, choices: Iterable[Choice]) -> Plan:
    """Design every component for its chosen database."""
    project = project_spec(workload)
    by_component = {c.component: c for c in choices}
    designs: list[Design] = []
    for spec in project.components:
        designs.append(_design(project, spec, by_component[spec.name].store))
    ordered = tuple(by_component[s.name] for s in project.components)
    return Plan(project=project, choices=ordered, designs=tuple(designs))


def _design(project: ProjectSpec, spec: ComponentSpec, store: Store) -> Design:
    single = len(project.components) == 1
    if store is Store.MONGODB:
        return mongodb.design(spec)
    if store is Store.REDIS:
        prefix = project.package if single else f"{project.package}:{spec.module}"
        return redis.design(spec, prefix)
    table = project.package if single else f"{project.package}_{spec.module}"
    return dynamodb.design(spec, table)


def generate(workload: Workload, choices: Iterable[Choice]) -> Scaffold:
    """Plan and render the project: ``{relative path: text}``, sorted, deterministic."""
    from advisor.scaffold.render import render_project

    planned = plan(workload, choices)
    files = render_project(planned)
    return Scaffold(
        files=dict(sorted(files.items())),
        warnings=planned.warnings,
        choices=planned.choices,
    )
