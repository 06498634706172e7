"""Architecture decision records in the MADR 4.0 format, one per component.

The record restates the engine's result (never a re-computation) in MADR's sections:
the hard constraints and the answers that set the options furthest apart become the
decision drivers (strongest first), the top eligible databases the considered options,
the fired rules that tell the options apart their pros and cons, what the choice brings
(configuration, service, caveats, margin) its consequences, and "what would change the
answer" the conditions for revisiting the decision.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.engine import ComponentResult, Entry, Reason, Result
from advisor.kb import GUARANTEE_RANK, KnowledgeBase
from advisor.questions import question_book
from advisor.render import managed, markdown
from advisor.render.status import check_status
from advisor.render.text import confidence_label
from advisor.templating import ascii_folded, clause, md_code, md_escape
from advisor.templating import render as render_template

OPTIONS = 4
_NUMBERED = re.compile(r"^(\d{4,})-")  # past 9999, numbers grow a digit


@dataclass(frozen=True)
class Record:
    """One decision record: the slug its file name uses and its Markdown text."""

    slug: str
    text: str
    # The slug of the record's subject (workload and component), which names the file
    # after the winner: a later run finds the record of the same subject by it.
    subject: str = ""


def slugify(value: str) -> str:
    """A lower-case ASCII slug for file names: ``Order processing!`` -> ``order-processing``."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_folded(value).lower()).strip("-")
    return slug[:60].rstrip("-") or "database"


# Numeric answers, in words: the force each one is.
_NUMBERS = {
    "latency_ms": "a p99 latency of {} ms",
    "scale.reads_per_sec": "{} reads per second at peak",
    "scale.writes_per_sec": "{} writes per second at peak",
    "scale.data_size_gb": "{} GB of data",
    "scale.item_size_kb": "items of about {} KB",
}
# Answers the engine derives, and the answers they come from.
_DERIVED_FROM = {
    "derived.scale": ("scale.reads_per_sec", "scale.writes_per_sec", "scale.data_size_gb"),
    "derived.ops_per_sec": ("scale.reads_per_sec", "scale.writes_per_sec"),
}


def _must(rule: str, answers: Any) -> str | None:
    """What a hard constraint demands, in words from the answers."""
    cloud = answers.get("context.cloud")
    where = "your own servers" if cloud == "on_prem" else str(cloud)
    needs = ", ".join(answers.get("needs", ()))
    self_hosted = answers.get("context.managed") == "self_hosted"
    replaced = ", ".join(answers.get("replacing", ()))
    words = {
        "constraint.replacing": f"is not a database the component is moving off ({replaced})",
        "constraint.cloud": f"runs on {where}",
        "constraint.managed": "can be self-hosted" if self_hosted else "is offered managed",
        "constraint.licensing": "is open source (OSI-approved)",
        "constraint.item_size": f"holds items of {answers.get('scale.item_size_kb')} KB",
        "constraint.durability": "keeps acknowledged writes across restarts",
        "constraint.needs": f"offers {needs} itself",
        "constraint.transactions": "has multi-record transactions",
        "constraint.consistency": f"gives {answers.get('consistency')} consistency in production",
    }
    return words.get(rule)


DRIVERS = 5


def _force(path: str, value: Any) -> str:
    """One answer as the force it puts on the decision, in Markdown, with its answer."""
    shown = ", ".join(value) if isinstance(value, tuple) else str(value)
    answer = f"{md_code(path)}: {md_escape(shown)}"
    if path in _NUMBERS:
        words = _NUMBERS[path].format(shown)
        return f"{md_escape(words[0].upper() + words[1:])} ({md_code(path)})"
    if path == "replacing":
        return f"Moving off {md_escape(shown)} ({md_code(path)})"
    question = question_book().get(path)
    choices = (question.choices or {}) if question else {}
    values = value if isinstance(value, tuple) else (shown,)
    meanings = [choices[v] for v in values if v in choices]
    if meanings and len(meanings) == len(values):
        return f"{md_escape('; '.join(meanings))} ({answer})"
    return answer


def _paths(condition: Any) -> set[str]:
    """The answer paths a rule's condition reads."""
    found: set[str] = set()
    if isinstance(condition, dict):
        for key, inner in condition.items():
            if key in ("any", "all", "not"):
                found |= _paths(inner)
            else:
                found.update(_DERIVED_FROM.get(key, (key,)))
    elif isinstance(condition, list):
        for inner in condition:
            found |= _paths(inner)
    return found


def _rule_paths(kb: KnowledgeBase) -> dict[str, set[str]]:
    from advisor.engine import CHECKS

    paths = {r.id: _paths(r.condition) for r in kb.rules}
    for check in CHECKS:
        paths[check.id] = {q for p in check.paths for q in _DERIVED_FROM.get(p, (p,))}
    return paths


def drivers(component: ComponentResult, kb: KnowledgeBase) -> list[str]:
    """The decision drivers: the forces behind the choice, the strongest first.

    Hard constraints that excluded databases come first (they decide before any score).
    Then the answers, each weighed by how far apart the rules reading it put the
    considered options (a force that moves every option alike decides nothing), then by
    the most points it gave any one option. Answers that moved no score are left out:
    they are in the workload file.
    """
    answers = component.answers
    out: list[str] = []
    excluded = [e for e in component.ranking if e.disqualified_by]
    hard = sorted({d.rule for e in excluded for d in e.disqualified_by})
    musts = [m for m in (_must(rule, answers) for rule in hard) if m]
    if musts:
        count = len(excluded)
        out.append(
            md_escape(
                f"Hard constraints, which excluded {count} database{'s' if count != 1 else ''}: "
                f"it {', '.join(musts)}"
            )
        )
    rule_paths = _rule_paths(kb)
    options = _options(component)
    points: dict[str, dict[str, float]] = {}
    for option in options:
        for reason in option.reasons:
            if reason.rule.startswith("cap."):
                continue  # the group caps trim excess points; they are no force of their own
            for path in rule_paths.get(reason.rule, ()):
                if path in answers and not path.startswith("derived."):
                    mine = points.setdefault(path, {})
                    mine[option.database] = mine.get(option.database, 0.0) + reason.points
    weighed = []
    for path, per_option in points.items():
        values = [per_option.get(o.database, 0.0) for o in options]
        spread = max(values) - min(values)
        strongest = max(abs(v) for v in values)
        weighed.append((-spread, -strongest, path))
    for negative_spread, negative_strongest, path in sorted(weighed)[:DRIVERS]:
        spread, strongest = -negative_spread, -negative_strongest
        weight = (
            f"sets the options up to {spread:g} points apart"
            if spread
            else f"worth {strongest:g} points to every option alike"
        )
        out.append(f"{_force(path, answers[path])}: {weight}")
    return out


# Imperative openings of caveats ("Run 12.4 or later: ..."): after "because" they need
# a subject, "the team must run 12.4 or later".
_IMPERATIVES = frozenset(
    {
        "keep",
        "run",
        "choose",
        "use",
        "set",
        "avoid",
        "plan",
        "pick",
        "size",
        "enable",
        "ask",
        "expire",
        "filter",
        "prefer",
        "make",
        "put",
        "give",
        "read",
        "write",
        "do",
    }
)


def because(text: str, proper: frozenset[str]) -> str:
    """A sentence made to follow "because", imperatives given the team as their subject."""
    first = text.split(" ", 1)[0]
    if first.lower() in _IMPERATIVES:
        return f"the team must {first.lower()}{text[len(first) :]}"
    return clause(text, proper)


# Words that start sentences in rule texts and are names, not ordinary words.
_NAMES = frozenset({"Amazon", "Apache", "Azure", "Google", "Microsoft", "Jepsen", "Facebook"})


def _proper_words(kb: KnowledgeBase) -> frozenset[str]:
    return _NAMES | {word for db in kb.databases.values() for word in db.name.split()}


def _options(component: ComponentResult) -> list[Entry]:
    return [e for e in component.ranking if e.eligible][:OPTIONS]


def arguments(
    options: list[Entry],
) -> dict[str, tuple[list[tuple[str, Reason]], dict[str, list[str]]]]:
    """Each option's own Good and Bad lines, and the arguments it shares with an earlier one.

    An argument (a rule with its points) is written out once, under the first option that
    has it; a later option names the earlier one instead of repeating the line, so no two
    options carry identical lines. The group caps (``cap.*``) trim excess points and are
    no argument of their own.
    """
    first_with: dict[tuple[str, float], str] = {}
    out: dict[str, tuple[list[tuple[str, Reason]], dict[str, list[str]]]] = {}
    for option in options:
        own: list[tuple[str, Reason]] = []
        shares: dict[str, list[str]] = {}
        for r in option.reasons:
            if not r.points or r.rule.startswith("cap."):
                continue
            key = (r.rule, r.points)
            if key in first_with:
                shares.setdefault(first_with[key], []).append(r.rule)
                continue
            first_with[key] = option.name
            own.append(("Good" if r.points > 0 else "Bad", r))
        out[option.database] = (own, shares)
    return out


def consequences(
    component: ComponentResult, kb: KnowledgeBase, subject: str
) -> list[tuple[str, str, tuple[str, ...]]]:
    """What follows from the decision, as ``(Good|Bad|Neutral, clause, sources)``.

    Not the chosen option's pros again: whether the configuration delivers what the
    component needs, who runs it, the caveats that apply, what the configuration asks
    for, and how firm the choice is.
    """
    pick, config = component.recommendation, component.configuration
    if pick is None:
        return [
            ("Bad", "the workload cannot be served by any database the knowledge base knows", ())
        ]
    proper = _proper_words(kb)
    out: list[tuple[str, str, tuple[str, ...]]] = []
    need = markdown.needs(component)
    if config is not None:
        given = config.gives
        ranks = {str(level): rank for level, rank in GUARANTEE_RANK.items()}
        asked = str(component.answers.get("consistency"))
        enough = asked not in ranks or ranks[config.guarantee] >= ranks[asked]
        if config.cap == component.cap and enough:
            verdict = ("Good", f"the configuration to use gives {given}; {subject} needs {need}")
        else:
            verdict = ("Bad", f"the best configuration gives {given}, but {subject} needs {need}")
        out.append((*verdict, config.sources))
        if config.note:
            out.append(("Neutral", because(config.note, proper), config.sources))
        for advice in config.advice:
            out.append(("Neutral", f"the configuration also asks for this: {advice}", ()))
    service = managed.service(component, kb)
    if service is not None:
        where = service.setup.service if service.setup else service.where
        cited = service.setup.sources if service.setup else ()
        out.append(
            ("Good", f"{where} runs it as a managed service, as the workload prefers", cited)
        )
    for pair in component.companions:
        # A second store is more to run and to keep in step, for a need the winner serves badly.
        beside = markdown.name_of(component, pair.companion)
        primary = markdown.name_of(component, pair.primary)
        why = because(pair.text.split(": ", 1)[-1], proper)
        out.append(
            (
                "Neutral",
                f"{beside} runs beside {primary}, one more store to operate and keep in step: "
                f"{why}",
                pair.sources,
            )
        )
    for caveat in managed.shown_caveats(component, kb):
        out.append(("Bad", because(caveat.text, proper), caveat.sources))
    runner = component.runner_up
    if runner is not None and component.margin is not None:
        change = markdown.flip(component)
        then = ""
        if change is not None:
            name = markdown.name_of(component, change.database)
            if change.answer == "replacing":
                then = f"; {name} would be chosen if the component stayed on it"
            else:
                verb = "also had" if change.answer == "needs" else "were"
                then = f"; {name} would be chosen if {change.answer} {verb} {change.value}"
        out.append(
            (
                "Neutral",
                f"{pick.name} leads {runner.name} by {component.margin:g} points "
                f"(confidence {confidence_label(component.confidence)}){then}",
                (),
            )
        )
    return [(kind, text.rstrip("."), cited) for kind, text, cited in out]


def _record(result: Result, component: ComponentResult, kb: KnowledgeBase, **meta: Any) -> Record:
    several = len(result.components) > 1
    subject = f"{result.workload.name} {component.name}" if several else component.name
    shown = f"{result.workload.name} / {component.name}" if several else component.name
    options = _options(component)
    references = markdown.References()
    text = render_template(
        "adr.md.jinja",
        workload=result.workload,
        component=component,
        several=several,
        options=options,
        arguments=arguments(options),
        service=managed.service(component, kb),
        deciding=[d.reason for d in markdown.deciding(component, most=3)],
        drivers=drivers(component, kb),
        consequences=consequences(component, kb, shown),
        because=lambda text: because(text, _proper_words(kb)),
        confidence=confidence_label(component.confidence),
        references=references,
        cite=references.cite,
        reason_sources=markdown.reason_sources(kb),
        name_of=markdown.name_of,
        rules_version=result.rules_version,
        last_reviewed=result.last_reviewed,
        yaml_string=json.dumps,
        **meta,
    )
    winner = component.recommendation.database if component.recommendation else "no-database"
    return Record(slug=slugify(f"{winner}-for-{subject}"), subject=slugify(subject), text=text)


def render_records(
    result: Result,
    kb: KnowledgeBase,
    *,
    date: str,
    status: str = "proposed",
    decision_makers: tuple[str, ...] = (),
    consulted: tuple[str, ...] = (),
    informed: tuple[str, ...] = (),
) -> list[Record]:
    """One MADR 4.0 record per component, in the workload's order.

    The front matter lists decision-makers, consulted and informed people only when
    some are given (MADR leaves empty keys out).
    """
    people = {
        "decision-makers": list(decision_makers),
        "consulted": list(consulted),
        "informed": list(informed),
    }
    meta = {
        "date": date,
        "status": check_status(status),
        "people": [(key, names) for key, names in people.items() if names],
    }
    return [_record(result, c, kb, **meta) for c in result.components]


def render(result: Result, kb: KnowledgeBase, **options: Any) -> str:
    """Every record as one text (for stdout), separated by a blank line."""
    return "\n".join(r.text for r in render_records(result, kb, **options))


def next_number(folder: Path) -> int:
    """The next free four-digit record number in ``folder`` (1 when there is none)."""
    if not folder.is_dir():
        return 1
    numbers = [int(m.group(1)) for p in folder.iterdir() if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0) + 1


def file_name(number: int, record: Record) -> str:
    """``NNNN-choose-<slug>.md``: the file name of ``record`` as number ``number``."""
    return f"{number:04d}-choose-{record.slug}.md"


def existing(folder: Path, record: Record) -> list[Path]:
    """Records in ``folder`` that decide the same subject as ``record`` and still stand.

    A record is found by its file name (``NNNN-choose-<winner>-for-<subject>.md``,
    whatever the winner was); one already superseded no longer stands.
    """
    if not folder.is_dir() or not record.subject:
        return []
    tail = f"-for-{record.subject}.md"
    found = sorted(
        p
        for p in folder.iterdir()
        if _NUMBERED.match(p.name) and "-choose-" in p.name and p.name.endswith(tail)
    )
    return [p for p in found if not _is_superseded(p)]


def _is_superseded(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return False
    front = head.partition("\n---\n")[0]
    return re.search(r'^status: "?superseded by ', front, re.M) is not None


_STATUS_LINE = re.compile(r"^status: .*$", re.M)


def superseded(text: str, by: str) -> str:
    """An earlier record's text with its status set to ``superseded by <by>``."""
    front, sep, body = text.partition("\n---\n")
    if not front.startswith("---\n") or not sep:
        return text
    status = json.dumps(f"superseded by {by}")
    if _STATUS_LINE.search(front):
        front = _STATUS_LINE.sub(lambda _: f"status: {status}", front, count=1)
    else:
        front = f"{front}\nstatus: {status}"
    return front + sep + body
