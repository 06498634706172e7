"""Architecture decision records in the MADR 4.0 format, one per component.

The record restates the engine's result (never a re-computation) in MADR's sections:
the answers become decision drivers, the top eligible databases the considered options,
the fired rules the pros and cons, and "what would change the answer" the conditions
for revisiting the decision.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from advisor.engine import ComponentResult, Entry, Result
from advisor.kb import KnowledgeBase
from advisor.questions import question_book
from advisor.records import Frozen, replace
from advisor.render.markdown import sources_of
from advisor.render.text import confidence_label
from advisor.templating import ascii_folded
from advisor.templating import render as render_template

OPTIONS = 4
_NUMBERED = re.compile(r"^(\d{4,})-")  # past 9999, numbers grow a digit


class Record(Frozen):
    """One decision record: the slug its file name uses and its Markdown text."""

    slug: str
    text: str


def slugify(value: str) -> str:
    """A lower-case ASCII slug for file names: ``Order processing!`` -> ``order-processing``."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_folded(value).lower()).strip("-")
    return slug[:60].rstrip("-") or "database"


def _driver(path: str, value: Any) -> str:
    question = question_book().get(path)
    shown = ", ".join(value) if isinstance(value, tuple) else str(value)
    if question is None:
        return f"{path}: {shown}"
    meaning = (question.choices or {}).get(shown)
    return f"{question.prompt} {shown}" + (f" ({meaning})" if meaning else "")


# Words that start sentences in rule texts and are names, not ordinary words.
_NAMES = frozenset({"Amazon", "Apache", "Azure", "Google", "Microsoft", "Jepsen", "Facebook"})


def _proper_words(kb: KnowledgeBase) -> frozenset[str]:
    return _NAMES | {word for db in kb.databases.values() for word in db.name.split()}


def _options(component: ComponentResult) -> list[Entry]:
    return [e for e in component.ranking if e.eligible][:OPTIONS]


def _record(result: Result, component: ComponentResult, kb: KnowledgeBase, **meta: Any) -> Record:
    several = len(result.components) > 1
    subject = f"{result.workload.name} {component.name}" if several else component.name
    text = render_template(
        "adr.md.jinja",
        workload=result.workload,
        component=component,
        several=several,
        options=_options(component),
        drivers=[
            _driver(k, v) for k, v in component.answers.items() if not k.startswith("derived.")
        ],
        confidence=confidence_label(component.confidence),
        sources=sources_of(_only(result, component), kb),
        rules_version=result.rules_version,
        last_reviewed=result.last_reviewed,
        yaml_string=json.dumps,
        proper=_proper_words(kb),
        **meta,
    )
    winner = component.recommendation.database if component.recommendation else "no-database"
    return Record(slug=slugify(f"{winner}-for-{subject}"), text=text)


def _only(result: Result, component: ComponentResult) -> Result:
    return replace(result, components=(component,))


def render_records(
    result: Result,
    kb: KnowledgeBase,
    *,
    date: str,
    status: str = "proposed",
    decision_makers: tuple[str, ...] = (),
) -> list[Record]:
    """One MADR 4.0 record per component, in the workload's order."""
    meta = {"date": date, "status": status, "decision_makers": list(decision_makers)}
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


def file_names(records: list[Record], folder: Path) -> list[Path]:
    """The file of each record, numbered from the next free number in ``folder``.

    Only a forecast when several runs may write there at once: the writer takes each
    number when it creates the file (:func:`advisor.writer.write_numbered`).
    """
    first = next_number(folder)
    return [folder / file_name(first + i, r) for i, r in enumerate(records)]
