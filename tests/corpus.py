"""The decision corpus: published database choices as cases, loaded and measured.

Each YAML file under ``tests/cases/<split>/`` states a workload as a published engineering
decision describes it, the source (``title`` and ``source`` URL), and per component the
acceptable winners (the published choice first), the winner's category and the databases
that must be excluded. ``tests/test_engine_cases.py`` asserts on the measurements below and
``benchmarks/accuracy.py`` prints them; both load the cases through this module so that
the two never disagree on what a case means.

Splits: ``engine`` is the tuning corpus, the one the knowledge base may be tuned against;
``holdout`` (when present) is never tuned against and measures generalisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.engine import ComponentResult, Engine, Entry
from advisor.typed import Structurer, load_as
from advisor.workload import Category, Component, Workload, validate_document
from advisor.yamlload import load_file

CASES_DIR = Path(__file__).resolve().parent / "cases"
TUNING = "engine"
HOLDOUT = "holdout"
SPLITS = (TUNING, HOLDOUT)


# A wire-compatible fork or reimplementation runs the same clients, data model and
# operations as the database it follows: whoever accepts one accepts the other. (Valkey
# forked Redis 7.2.4; ScyllaDB implements Cassandra's CQL and storage model.) Cases
# written before these databases were in the knowledge base name only the original.
DROP_INS: dict[str, tuple[str, ...]] = {
    "redis": ("valkey",),
    "valkey": ("redis",),
    "cassandra": ("scylladb",),
    "scylladb": ("cassandra",),
}


@dataclass(frozen=True)
class Expect:
    """What one component of a case must produce."""

    winners: tuple[str, ...]
    category: Category | None = None
    excluded: tuple[str, ...] = ()
    component: str | None = None

    @property
    def acceptable(self) -> frozenset[str]:
        """The winners and their drop-in equivalents (see :data:`DROP_INS`)."""
        drop_ins = (d for w in self.winners for d in DROP_INS.get(w, ()))
        return frozenset((*self.winners, *drop_ins)) - set(self.excluded)


@dataclass(frozen=True)
class Case:
    """One case file as written."""

    name: str
    description: str
    source: str
    workload: Any
    expect: Any
    title: str = ""


@dataclass(frozen=True)
class Loaded:
    """A case file validated: the case, its workload and one expectation per component."""

    path: Path
    case: Case
    workload: Workload
    expects: tuple[Expect, ...]


@dataclass(frozen=True)
class Outcome:
    """The engine's answer for one expected component, judged against the expectation."""

    case: str
    expect: Expect
    result: ComponentResult

    @property
    def label(self) -> str:
        """``case`` or ``case/component`` for multi-component cases."""
        if self.expect.component is None:
            return self.case
        return f"{self.case}/{self.expect.component}"

    @property
    def winner(self) -> Entry | None:
        """The recommended database, if any is eligible."""
        return self.result.recommendation

    @property
    def top1(self) -> bool:
        """The winner is one of the acceptable winners."""
        return self.winner is not None and self.winner.database in self.expect.acceptable

    @property
    def top2(self) -> bool:
        """An acceptable winner is among the two best eligible databases."""
        eligible = [e.database for e in self.result.ranking if e.eligible][:2]
        return any(db in self.expect.acceptable for db in eligible)

    @property
    def category_ok(self) -> bool | None:
        """The winner's category is the expected one; ``None`` when none is expected."""
        if self.expect.category is None:
            return None
        return self.winner is not None and self.winner.category == self.expect.category

    @property
    def wrongly_eligible(self) -> tuple[str, ...]:
        """Databases the case says must be excluded that the engine left eligible."""
        ranking = {e.database: e for e in self.result.ranking}
        return tuple(db for db in self.expect.excluded if ranking[db].eligible)


@dataclass(frozen=True)
class Score:
    """Corpus-level accuracy of a list of outcomes."""

    components: int
    top1: int
    top2: int
    category_agree: int
    category_total: int
    exclusions_ok: int
    exclusions_total: int

    @staticmethod
    def rate(hits: int, total: int) -> float:
        """``hits / total``, 1.0 for an empty total (nothing was asked, nothing failed)."""
        return hits / total if total else 1.0

    @property
    def top1_rate(self) -> float:
        """Share of components whose winner is acceptable."""
        return self.rate(self.top1, self.components)

    @property
    def top2_rate(self) -> float:
        """Share of components with an acceptable winner among the two best."""
        return self.rate(self.top2, self.components)

    @property
    def category_rate(self) -> float:
        """Share of components with an expected category whose winner has it."""
        return self.rate(self.category_agree, self.category_total)

    @property
    def exclusion_rate(self) -> float:
        """Share of expected exclusions the engine made."""
        return self.rate(self.exclusions_ok, self.exclusions_total)


def case_files(split: str) -> list[Path]:
    """The case files of one split, sorted; empty when the split's folder does not exist."""
    return sorted((CASES_DIR / split).glob("*.yaml"))


def load_case(path: Path) -> Loaded:
    """Load and validate one case file (raises the loader's errors on bad input)."""
    document = load_file(path)
    case = load_as(Case, document)
    workload = validate_document(document.part(("workload",)))
    raw = case.expect if isinstance(case.expect, list) else [case.expect]
    structurer = Structurer(document)
    expects = tuple(structurer.structure(Expect, item, ("expect",)) for item in raw)
    structurer.check()
    return Loaded(path=path, case=case, workload=workload, expects=expects)


def load_split(split: str) -> list[Loaded]:
    """Every case of one split."""
    return [load_case(path) for path in case_files(split)]


def without_use_case(workload: Workload) -> Workload:
    """The same workload with ``use_case`` removed from every component (the ablation)."""
    return replace(
        workload, components=tuple(replace(c, use_case=None) for c in workload.components)
    )


def component_of(results: Sequence[ComponentResult], name: str | None) -> ComponentResult:
    """The result an expectation refers to: the only one, or the one it names."""
    if name is None:
        if len(results) != 1:
            raise ValueError("multi-component cases must name the component")
        return results[0]
    for result in results:
        if result.name == name:
            return result
    raise ValueError(f"no component named {name!r}")


def measure(engine: Engine, cases: Iterable[Loaded], *, ablate: bool = False) -> list[Outcome]:
    """Score every case; ``ablate`` first removes ``use_case`` from every component."""
    out = []
    for loaded in cases:
        workload = without_use_case(loaded.workload) if ablate else loaded.workload
        result = engine.score(workload)
        for expect in loaded.expects:
            component = component_of(result.components, expect.component)
            out.append(Outcome(case=loaded.case.name, expect=expect, result=component))
    return out


def summarise(outcomes: Sequence[Outcome]) -> Score:
    """Count hits over a list of outcomes."""
    categories = [o.category_ok for o in outcomes if o.category_ok is not None]
    return Score(
        components=len(outcomes),
        top1=sum(o.top1 for o in outcomes),
        top2=sum(o.top2 for o in outcomes),
        category_agree=sum(categories),
        category_total=len(categories),
        exclusions_ok=sum(len(o.expect.excluded) - len(o.wrongly_eligible) for o in outcomes),
        exclusions_total=sum(len(o.expect.excluded) for o in outcomes),
    )


# -- corpus requirements --------------------------------------------------------------


def answers_of_expect(loaded: Loaded, expect: Expect) -> Component:
    """The workload component an expectation is about."""
    components = loaded.workload.components
    if expect.component is None:
        return components[0]
    return next(c for c in components if c.name == expect.component)


def published_choice(expect: Expect) -> str:
    """The database the source chose: the first acceptable winner."""
    return expect.winners[0]


def has_hard_constraint(loaded: Loaded, expect: Expect, smallest_item_limit_kb: float) -> bool:
    """A cloud, hosting, licensing or item-size answer that excludes databases outright.

    Only components whose case also lists databases that must be excluded count: the
    point of a hard constraint in the corpus is to check the exclusion it causes.
    """
    if not expect.excluded:
        return False
    context = loaded.workload.context
    if context.cloud not in (None, "any") or context.managed in ("required", "self_hosted"):
        return True
    if context.licensing == "open_source":
        return True
    scale = answers_of_expect(loaded, expect).scale
    size = scale.item_size_kb if scale is not None else None
    return size is not None and size > smallest_item_limit_kb


def relational_despite_nosql_answers(
    loaded: Loaded, expect: Expect, relational: Iterable[str]
) -> bool:
    """The published choice is relational although the answers sound like NoSQL.

    NoSQL-sounding: an evolving or variable schema, nested items, or many/deep
    relationships, the answers the seed's selection matrix maps away from SQL.
    """
    if published_choice(expect) not in set(relational):
        return False
    c = answers_of_expect(loaded, expect)
    return (
        c.schema_flexibility in ("evolving", "variable")
        or c.data_shape == "nested"
        or c.relationships in ("many", "deep")
    )
