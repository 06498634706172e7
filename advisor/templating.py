"""The one Jinja2 environment, configured on purpose.

``StrictUndefined`` makes a missing variable an error instead of a blank; templates are
named ``<output>.<ext>.jinja``; nothing is HTML-escaped because the outputs are Markdown
and Python, where user-supplied strings pass through explicit filters instead.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def md_escape(value: Any) -> str:
    """Make a user-supplied string inert in Markdown text and table cells."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def mermaid_label(value: Any) -> str:
    """A string safe inside a quoted Mermaid label."""
    text = " ".join(str(value).split())
    return re.sub(r"[^A-Za-z0-9 _.,:/()+-]", "_", text)[:60]


def mermaid_id(value: Any) -> str:
    """A node id Mermaid accepts."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", str(value))


@functools.cache
def environment() -> jinja2.Environment:
    """The configured environment, loading templates from ``advisor.templates``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("advisor.templates", "."),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["md"] = md_escape
    env.filters["mermaid_label"] = mermaid_label
    env.filters["mermaid_id"] = mermaid_id
    return env


def render(template: str, **context: Any) -> str:
    """Render a template by name, e.g. ``report.md.jinja``."""
    return environment().get_template(template).render(**context)
