"""Robustness of the engine's answers to how a workload happens to be written.

A published decision can be described in several plausible ways: one author answers
``relationships: many`` where another says ``few``, one leaves ``latency_ms`` out, one
rounds the data size up. For each component of the tuning corpus this script re-scores
the variants a different author could have written for the same system and reports the
share whose winner is still an acceptable one. A rule change that raises top-1 while
lowering this share fits the wording of the cases, not the decision.

Variants of one component (each changes one thing):

- one answered characteristic dropped (each in turn; constraints, needs and context kept);
- one answer moved to a neighbouring value (relationships few<->many, consistency
  session<->strong, query_complexity medium<->complex, data_shape nested<->tabular, ...);
- every ``scale`` figure halved, or doubled;
- ``use_case`` removed (also counted by the drop above, listed once).

Usage: python benchmarks/robustness.py [--split engine] [--worst N] [--by-kind]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.conditions import answers_of  # noqa: E402
from advisor.engine import Engine  # noqa: E402
from advisor.kb import load_knowledge_base  # noqa: E402
from tests.corpus import TUNING, load_split  # noqa: E402

# Answers a describer chooses (the characteristics); constraints such as the cloud,
# licence, needs and transactions are facts of the system and stay as written.
DROPPABLE = (
    "use_case",
    "data_shape",
    "relationships",
    "query_complexity",
    "schema_flexibility",
    "consistency",
    "on_partition",
    "read_write_ratio",
    "latency_ms",
    "multi_region",
)

# Neighbouring values: the answer a different author could give for the same system.
NEIGHBOURS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "relationships": {
        "none": ("few",),
        "few": ("none", "many"),
        "many": ("few",),
        "deep": ("many",),
    },
    "consistency": {
        "eventual": ("session",),
        "session": ("eventual", "strong"),
        "strong": ("session",),
    },
    "query_complexity": {
        "simple": ("medium",),
        "medium": ("simple", "complex"),
        "complex": ("medium",),
    },
    "data_shape": {"nested": ("tabular",), "tabular": ("nested",)},
    "schema_flexibility": {
        "fixed": ("evolving",),
        "evolving": ("fixed",),
        "variable": ("evolving",),
    },
    "read_write_ratio": {
        "read_heavy": ("balanced",),
        "balanced": ("read_heavy", "write_heavy"),
        "write_heavy": ("balanced",),
    },
}
SCALE_PATHS = ("scale.reads_per_sec", "scale.writes_per_sec", "scale.data_size_gb")


def variants(answers: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, changes) for every plausible re-description of one component."""
    for path in DROPPABLE:
        if path in answers:
            yield f"drop {path}", {path: None}
    for path, moves in NEIGHBOURS.items():
        for value in moves.get(str(answers.get(path)), ()):
            yield f"{path} {answers[path]}->{value}", {path: value}
    present = [p for p in SCALE_PATHS if answers.get(p) is not None]
    if present:
        for label, factor in (("scale halved", 0.5), ("scale doubled", 2.0)):
            yield label, {p: answers[p] * factor for p in present}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", default=TUNING, choices=[TUNING], help="tuning split only")
    parser.add_argument("--worst", type=int, default=0, help="list the N least robust components")
    parser.add_argument("--by-kind", action="store_true", help="share per kind of variant")
    args = parser.parse_args(argv)
    engine = Engine(load_knowledge_base())
    total = kept = 0
    per_kind: Counter[str] = Counter()
    per_kind_ok: Counter[str] = Counter()
    rows: list[tuple[float, str, list[str]]] = []
    for loaded in load_split(args.split):
        components = {c.name: c for c in loaded.workload.components}
        for expect in loaded.expects:
            # A case without a component name has exactly one component.
            name = expect.component or loaded.workload.components[0].name
            component = components[name]
            base = engine.state(answers_of(component, loaded.workload.context))
            label = loaded.case.name if expect.component is None else f"{loaded.case.name}/{name}"
            lost: list[str] = []
            count = 0
            for kind, changes in variants(base.answers):
                winner = engine.winner(engine.variant(base, changes))
                ok = winner in expect.acceptable
                count += 1
                key = kind.split(" ")[0]
                per_kind[key] += 1
                per_kind_ok[key] += ok
                if not ok:
                    lost.append(f"{kind} -> {winner}")
            total += count
            kept += count - len(lost)
            rows.append(((count - len(lost)) / count if count else 1.0, label, lost))
    print(
        f"robustness ({args.split}): {kept}/{total} variants keep an acceptable winner"
        f" = {kept / total:.1%}"
    )
    if args.by_kind:
        for key in sorted(per_kind):
            print(
                f"  {key:<20} {per_kind_ok[key]:>4}/{per_kind[key]:<4}"
                f" {per_kind_ok[key] / per_kind[key]:.1%}"
            )
    if args.worst:
        for share, label, lost in sorted(rows)[: args.worst]:
            print(f"- {label} {share:.0%}: {'; '.join(lost)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
