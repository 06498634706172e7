"""Accuracy of the engine on the decision corpus (tests/cases/), split by split.

For each split (``engine``, the tuning corpus; ``holdout`` when present; ``all``) it prints
the number of components, top-1 (the winner is an acceptable one), top-2 (an acceptable
winner is among the two best eligible databases), category agreement (the winner's
category is the expected one, where one is given) and exclusion accuracy (the databases a
case says must be excluded are). It prints the same again with ``use_case`` removed from
every component (the ablation: how far the other answers alone carry the decision), then
prints top-1 per confidence level the engine stated (calibration), then lists every top-1
miss with the top three and the rules whose points decided it.

``--rule-ablation`` also scores the tuning split once per scoring rule with that rule
removed and lists the rules whose removal changes top-1: a rule that gains accuracy when
removed costs more than it earns on the corpus (a candidate for review, not for deletion:
the corpus records published choices, and a rule can be right where a team chose
otherwise). It reads the tuning split only, never the holdout, and takes minutes.

Usage: python benchmarks/accuracy.py [--split engine|holdout|all] [--ablation-misses]
       [--rule-ablation]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The case loader lives with the tests, which import it as ``tests.corpus``.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.engine import Engine, Entry  # noqa: E402
from advisor.kb import load_knowledge_base  # noqa: E402
from tests.corpus import (  # noqa: E402
    HOLDOUT,
    TUNING,
    Loaded,
    Outcome,
    Score,
    load_split,
    measure,
    summarise,
)

# How many of the rules that separate winner and expected database a miss lists.
DECIDING_RULES = 4


def _row(name: str, score: Score) -> str:
    return (
        f"{name:<10} {score.components:>5} "
        f"{score.top1_rate:>7.1%} ({score.top1:>3}) "
        f"{score.top2_rate:>7.1%} ({score.top2:>3}) "
        f"{score.category_rate:>7.1%} ({score.category_agree:>3}/{score.category_total:<3}) "
        f"{score.exclusion_rate:>7.1%} ({score.exclusions_ok:>3}/{score.exclusions_total:<3})"
    )


def _table(title: str, splits: Sequence[tuple[str, list[Outcome]]]) -> None:
    print(title)
    header = ("top-1", 13), ("top-2", 13), ("category", 17), ("exclusions", 17)
    print(f"{'split':<10} {'comps':>5} " + " ".join(f"{h:>{w}}" for h, w in header))
    for name, outcomes in splits:
        print(_row(name, summarise(outcomes)))
    print()


def _calibration(splits: Sequence[tuple[str, list[Outcome]]]) -> None:
    """Top-1 by the confidence the engine stated: a stated "high" should be right more often."""
    print("Calibration: top-1 by stated confidence")
    levels = sorted({o.result.confidence for _, outcomes in splits for o in outcomes})
    print(f"{'split':<10} " + " ".join(f"{level:>22}" for level in levels))
    for name, outcomes in splits:
        cells = []
        for level in levels:
            stated = [o for o in outcomes if o.result.confidence == level]
            hits = sum(o.top1 for o in stated)
            rate = f"{Score.rate(hits, len(stated)):.0%}" if stated else "-"
            cells.append(f"{rate} ({hits}/{len(stated)})")
        print(f"{name:<10} " + " ".join(f"{cell:>22}" for cell in cells))
    print()


def _deciding(winner: Entry, expected: Entry) -> list[str]:
    """The rules whose points differ most between the winner and the expected database."""
    points: dict[str, float] = {}
    for reason in winner.reasons:
        points[reason.rule] = points.get(reason.rule, 0.0) + reason.points
    for reason in expected.reasons:
        points[reason.rule] = points.get(reason.rule, 0.0) - reason.points
    ranked = sorted(points.items(), key=lambda item: (-abs(item[1]), item[0]))
    return [f"{rule} {delta:+g}" for rule, delta in ranked[:DECIDING_RULES] if delta]


def _misses(title: str, outcomes: Sequence[Outcome]) -> None:
    misses = [o for o in outcomes if not o.top1]
    print(f"{title}: {len(misses)}")
    for outcome in misses:
        ranking = {e.database: e for e in outcome.result.ranking}
        eligible = [e for e in outcome.result.ranking if e.eligible]
        top = ", ".join(f"{e.database} {e.score:g}" for e in eligible[:3]) or "nothing eligible"
        expected = ranking[outcome.expect.winners[0]]
        print(f"- {outcome.label}: expected {'|'.join(outcome.expect.winners)}; got {top}")
        if not expected.eligible:
            rules = ", ".join(d.rule for d in expected.disqualified_by)
            print(f"    {expected.database} excluded by {rules}")
        elif eligible:
            winner = eligible[0]
            print(
                f"    {winner.database} {winner.points:+g} vs {expected.database} "
                f"{expected.points:+g} points; rules, winner minus expected: "
                f"{'; '.join(_deciding(winner, expected)) or 'none differ (tie order)'}"
            )
        if outcome.wrongly_eligible:
            print(f"    should be excluded: {', '.join(outcome.wrongly_eligible)}")
    print()


def _rule_ablation(cases: list[Loaded]) -> None:
    """Top-1 on ``cases`` with each rule that fires on them removed in turn."""
    kb = load_knowledge_base()
    base = measure(Engine(kb), cases)
    fired = {r.rule for outcome in base for e in outcome.result.ranking for r in e.reasons}
    fired |= {d.rule for outcome in base for e in outcome.result.ranking for d in e.disqualified_by}
    top1 = summarise(base).top1
    changes = []
    for rule in kb.rules:
        if rule.id not in fired:
            continue  # it moves no score here, so removing it changes nothing
        without = dataclasses.replace(kb, rules=tuple(r for r in kb.rules if r is not rule))
        changed = summarise(measure(Engine(without), cases)).top1 - top1
        if changed:
            changes.append((changed, rule.id))
    print(f"Rule ablation ({TUNING}, top-1 {top1} of {len(base)}): rules whose removal changes it")
    for changed, rule_id in sorted(changes, key=lambda c: (-c[0], c[1])):
        print(f"{changed:+d} {rule_id}")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=[TUNING, HOLDOUT, "all"], help="list only its misses")
    parser.add_argument(
        "--ablation-misses", action="store_true", help="also list the misses without use_case"
    )
    parser.add_argument(
        "--rule-ablation",
        action="store_true",
        help="top-1 on the tuning split with each rule removed in turn (slow)",
    )
    args = parser.parse_args(argv)
    engine = Engine(load_knowledge_base())
    splits: list[tuple[str, list[Loaded]]] = [(TUNING, load_split(TUNING))]
    holdout = load_split(HOLDOUT)
    if holdout:
        splits.append((HOLDOUT, holdout))
    splits.append(("all", [case for _, cases in splits for case in cases]))
    full = [(name, measure(engine, cases)) for name, cases in splits]
    ablated = [(name, measure(engine, cases, ablate=True)) for name, cases in splits]
    _table("Accuracy", full)
    _table("Ablation: use_case removed from every component", ablated)
    _calibration(full)
    for (name, outcomes), (_, without) in zip(full, ablated, strict=True):
        if (args.split or "all") != name:
            continue
        _misses(f"Misses ({name})", outcomes)
        if args.ablation_misses:
            _misses(f"Misses without use_case ({name})", without)
    if args.rule_ablation:
        _rule_ablation(splits[0][1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
