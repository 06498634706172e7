"""Access to the data shipped inside the wheel (``advisor.rules``, ``advisor.templates``).

Always through :mod:`importlib.resources`, never through paths built from ``__file__``,
so the data is found the same way in a checkout, an editable install and a wheel.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from advisor.yamlload import Document, parse

RULES_PACKAGE = "advisor.rules"
TEMPLATES_PACKAGE = "advisor.templates"


def rules_root() -> Traversable:
    """The root folder of the built-in knowledge base."""
    return files(RULES_PACKAGE)


def load_resource(name: str) -> Document:
    """Parse one YAML file of the built-in knowledge base, e.g. ``questions.yaml``."""
    return builtin_document(name, resource_text(name))


def resource_texts(folder: str) -> list[tuple[str, str]]:
    """``(name, text)`` of every ``*.yaml`` file in a built-in rules sub-folder, by name."""
    entries = sorted(rules_root().joinpath(folder).iterdir(), key=lambda e: e.name)
    return [
        (f"{folder}/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in entries
        if entry.name.endswith(".yaml")
    ]


def resource_text(name: str) -> str:
    """The text of one built-in rules file, e.g. ``meta.yaml``."""
    return rules_root().joinpath(*name.split("/")).read_text(encoding="utf-8")


def builtin_document(name: str, text: str) -> Document:
    """Parse a built-in rules file, naming it as ``<built-in>/rules/<name>`` in errors."""
    return parse(text, f"<built-in>/rules/{name}")
