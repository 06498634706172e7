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
    resource = rules_root().joinpath(*name.split("/"))
    return parse(resource.read_text(encoding="utf-8"), f"<built-in>/rules/{name}")


def yaml_resources(folder: str) -> list[tuple[str, Document]]:
    """Every ``*.yaml`` file in a built-in rules sub-folder, sorted by name, parsed."""
    out = []
    for entry in sorted(rules_root().joinpath(folder).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            name = f"{folder}/{entry.name}"
            out.append((name, parse(entry.read_text(encoding="utf-8"), f"<built-in>/rules/{name}")))
    return out
