"""The terminal view: a summary table and one panel per component, within 80 columns.

Every string that comes from a workload or a knowledge-base overlay reaches rich as a
``Text`` built by :func:`plain`: never parsed as markup (``[bold]`` prints as written)
and with control characters escaped, so it cannot drive the terminal.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from advisor.engine import CaveatNote, Change, ComponentResult, Result
from advisor.errors import visible

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console, RenderableType
    from rich.text import Text

    from advisor.kb import KnowledgeBase
    from advisor.render.managed import Service

CONFIDENCE = {
    "high": "high",
    "medium": "medium",
    "too_close_to_call": "too close to call",
    "none": "none (nothing eligible)",
}


def confidence_label(value: str) -> str:
    """Human wording of a confidence value."""
    return CONFIDENCE.get(value, value)


def plain(value: object, style: str = "") -> Text:
    """Text shown exactly as written: no markup, controls escaped (see ``visible``)."""
    from rich.text import Text

    return Text(visible(value), style=style)


def string_console(*, color: bool, width: int) -> tuple[Console, io.StringIO]:
    """A rich console that renders into a string, created per run (never shared)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    return console, buffer


def render(
    result: Result, *, color: bool = False, width: int = 80, kb: KnowledgeBase | None = None
) -> str:
    """Render with rich into a string; ``color`` only when the terminal supports it.

    With the knowledge base, a component that wants a managed service is told which one
    and the settings that service exposes, in place of the self-hosted settings.
    """
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console, buffer = string_console(color=color, width=width)
    console.print(
        Text.assemble(
            ("dbadvisor", "bold"),
            plain(
                f" - {result.workload.name}  (rules {result.rules_version}, "
                f"reviewed {result.last_reviewed})"
            ),
        )
    )
    summary = Table(
        caption="CAP, PACELC and ACID: what each component needs, not database labels",
        expand=False,
        show_edge=True,
        pad_edge=False,
    )
    summary.add_column("component", overflow="fold", ratio=3)
    summary.add_column("database", overflow="fold", ratio=2)
    for column in ("CAP", "PACELC", "ACID"):
        summary.add_column(column, no_wrap=True)
    summary.add_column("confidence", overflow="fold", ratio=2)
    for component in result.components:
        pick = component.recommendation
        summary.add_row(
            plain(component.name),
            plain(pick.database if pick else "-", style="bold green" if pick else "red"),
            plain(component.cap),
            plain(component.pacelc),
            plain(component.acid_base),
            plain(confidence_label(component.confidence)),
        )
    console.print(summary)
    for component in result.components:
        found = None
        caveats = component.caveats
        if kb is not None:
            from advisor.render.managed import service, shown_caveats

            found = service(component, kb)
            caveats = shown_caveats(component, kb)
        console.print(
            Panel(
                Group(*_panel_lines(component, found, caveats)),
                title=plain(component.name),
                title_align="left",
            )
        )
    for warning in result.system.warnings:
        console.print(plain(f"! {warning}", style="yellow"))
    return buffer.getvalue()


def _panel_lines(
    component: ComponentResult, found: Service | None, caveats: Sequence[CaveatNote]
) -> list[RenderableType]:
    from rich.text import Text

    lines: list[RenderableType] = []
    pick, runner = component.recommendation, component.runner_up
    if pick is None:
        lines.append(Text("No database is eligible; see the disqualifications below.", style="red"))
        for entry in component.ranking[:5]:
            for disqualification in entry.disqualified_by[:1]:
                lines.append(plain(f"  x {entry.database}: {disqualification.text}"))
        return lines
    api = f" ({pick.api})" if pick.api else ""
    lines.append(
        Text.assemble("Use ", plain(pick.name, "bold green"), plain(f"{api}  score {pick.score}"))
    )
    if runner is not None:
        # The lead is on the scale of the scores, so it can be checked against them.
        lines.append(
            plain(f"Runner-up {runner.name}  score {runner.score}  (lead {component.margin:g})")
        )
    lines.append(plain(f"Confidence: {confidence_label(component.confidence)}"))
    if component.tie_break:
        lines.append(plain(f"Tie: {component.tie_break}"))
    if component.configuration is not None:
        config = component.configuration
        if found is not None:
            lines.append(plain(f"Run on: {found.where} (managed, as asked)"))
        if found is not None and found.setup is not None:
            # The service's own settings: it may not expose the self-hosted ones.
            lines.append(plain(f"Configure on {found.setup.service}: {found.setup.settings}"))
            if found.configuration_settings_apply:
                lines.append(plain(f"  and in the application: {config.settings}"))
        elif found is not None and found.self_hosted:
            lines.append(
                plain(
                    f"Configure (self-hosted; check which of these {found.name} exposes): "
                    f"{config.settings}"
                )
            )
        else:
            lines.append(plain(f"Configure: {config.settings}"))
        lines.append(plain(f"  gives {config.gives}"))
        for advice in config.advice:
            lines.append(plain(f"  {advice}"))
    lines.append(Text("Why:", style="bold"))
    lines.append(_hanging([(f"{r.points:+g}", r.text) for r in pick.reasons[:4]]))
    excluded = [e for e in component.ranking if not e.eligible]
    if excluded:
        # Each excluded database with its reasons, as the Markdown and JSON reports give.
        lines.append(Text("Excluded:", style="bold"))
        lines.append(
            _hanging(
                [
                    (e.database, "; ".join(f"{d.text} ({d.rule})" for d in e.disqualified_by))
                    for e in excluded
                ]
            )
        )
    if component.what_would_change:
        lines.append(Text("What would change the answer (smallest change first):", style="bold"))
        # The engine lists at most five plausible changes, one per database that could win.
        for change in component.what_would_change:
            lines.append(plain(f"  {_change_line(change)}"))
    for pair in component.companions:
        lines.append(plain(pair.text[:1].upper() + pair.text[1:]))
    if caveats:
        lines.append(_hanging([("!", c.text) for c in caveats[:3]], style="yellow"))
    return lines


def _change_line(change: Change) -> str:
    return (
        f"{change.answer}: {change.current or 'unanswered'} -> {change.change}"
        f" picks {change.database}"
    )


def _hanging(rows: list[tuple[str, str]], style: str = "") -> RenderableType:
    """Rows of a short mark and a text that wraps under itself, not under the mark."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for mark, text in rows:
        grid.add_row(plain(mark), plain(text), style=style)
    return grid
