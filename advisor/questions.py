"""The workload questions as data: wording, help and choices from ``rules/questions.yaml``.

The JSON Schema's descriptions, the interview's prompts and the reports' labels all
come from this one file, so the three can never say different things.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.resources import load_resource
from advisor.typed import load_as, spec


@dataclass(frozen=True)
class Question:
    """One question: its workload path, wording, help and the meaning of each choice."""

    path: str
    prompt: str
    help: str = field(metadata=spec(max_len=120))
    label: str | None = None
    details: str | None = None
    choices: Mapping[str, str] | None = None
    # Another question's path whose choices this one shares (the database ids, say).
    choices_from: str | None = None


@dataclass(frozen=True)
class QuestionBook:
    """Every question, in interview order, and the per-use-case default answers."""

    questions: tuple[Question, ...]
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def get(self, path: str) -> Question | None:
        """The question at a dotted workload path, if there is one."""
        return self.by_path().get(path)

    def by_path(self) -> dict[str, Question]:
        """Questions keyed by their dotted path."""
        return {q.path: q for q in self.questions}

    def label(self, path: str) -> str:
        """The words a prompt line shows for the question at ``path``."""
        question = self.get(path)
        if question is not None and question.label:
            return question.label
        return path.rpartition(".")[2].replace("_", " ")


@functools.cache
def question_book() -> QuestionBook:
    """Load and validate ``rules/questions.yaml`` (cached).

    A question with ``choices_from`` gets the choices of the question it names.
    """
    book = load_as(QuestionBook, load_resource("questions.yaml"))
    return replace(book, questions=tuple(_shared_choices(book)))


def _shared_choices(book: QuestionBook) -> list[Question]:
    by_path = book.by_path()
    out = []
    for question in book.questions:
        if question.choices_from is not None:
            source = by_path.get(question.choices_from)
            if source is None or not source.choices:
                raise ValueError(
                    f"questions.yaml: {question.path}: choices_from names "
                    f"{question.choices_from!r}, which is not a question with choices"
                )
            question = replace(question, choices=source.choices)
        out.append(question)
    return out


def describe(dotted: str) -> dict[str, Any]:
    """JSON Schema annotations for a dotted schema path such as ``components.use_case``."""
    book = question_book().by_path()
    question = book.get(dotted)
    if question is None and dotted.startswith("components."):
        question = book.get(dotted.removeprefix("components."))
    if question is None:
        return {}
    text = question.prompt if not question.help else f"{question.prompt} {question.help}"
    out: dict[str, Any] = {"title": question.prompt, "description": text}
    if question.details:
        out["description"] = f"{text}\n\n{question.details.strip()}"
    return out
