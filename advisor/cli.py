"""The command line: thin commands that parse options, call one core function and print.

Only this module prints and picks exit codes. Each command catches the project's own
error type (:class:`~advisor.errors.AdvisorError`) and nothing broader, so a bug still
shows as a bug. Heavy modules are imported inside the commands that need them, which
keeps start-up close to a bare typer app's. For the same reason this module does not use
``from __future__ import annotations``: typer reads every command's annotations at each
run, and evaluating them as strings cost 6 ms (names imported only for type checking
are quoted instead).
"""

import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from advisor import __version__
from advisor.errors import AdvisorError, ExitCode, InputError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from advisor.engine import Result
    from advisor.interview import Prompter
    from advisor.kb import KnowledgeBase
    from advisor.workload import Workload

app = typer.Typer(
    name="dbadvisor",
    help="Choose a database for a described workload, with the reasons and sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn the project's errors into one line per problem on stderr and an exit code."""
    try:
        yield
    except AdvisorError as error:
        if _state["debug"]:
            raise
        if isinstance(error, InputError) and error.problems:
            lines = error.lines()
        else:
            lines = [f"dbadvisor: {error}"]
        for line in lines:
            typer.echo(line, err=True)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        if _state["debug"]:
            raise
        typer.echo("dbadvisor: interrupted", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dbadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Choose a database for a described workload, with the reasons and sources."""
    _state["debug"] = debug


class ProblemFormat(StrEnum):
    """Output formats of ``validate``."""

    TEXT = "text"
    JSON = "json"


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Workload YAML files to check.", show_default=False)
    ],
    output_format: Annotated[
        ProblemFormat, typer.Option("--format", help="text: one line per problem; json: a list.")
    ] = ProblemFormat.TEXT,
) -> None:
    """Check workload files and print every problem in every file (exit 2 if any)."""
    from advisor.workload import load_workload

    problems: list[Problem] = []
    ok: list[str] = []
    for path in files:
        try:
            workload = load_workload(path)
        except InputError as error:
            problems.extend(error.problems)
            continue
        count = len(workload.components)
        ok.append(f"{path}: ok ({count} component{'s' if count != 1 else ''})")
    if output_format is ProblemFormat.JSON:
        typer.echo(json.dumps([p.as_dict() for p in problems], indent=2))
    else:
        for line in ok:
            typer.echo(line)
        for problem in problems:
            typer.echo(str(problem), err=True)
    if problems:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the workload file."""
    from advisor.schema import workload_schema

    with reported():
        typer.echo(json.dumps(workload_schema(), indent=2, ensure_ascii=False))


class OutputFormat(StrEnum):
    """Output formats of ``recommend``."""

    MARKDOWN = "markdown"
    JSON = "json"
    TEXT = "text"
    ADR = "adr"


RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="Overlay a YAML file or folder on the built-in knowledge base (repeatable); "
        "also DBADVISOR_RULES.",
        show_default=False,
    ),
]


def _knowledge_base(overlays: list[Path] | None) -> "KnowledgeBase":
    from advisor.kb import load_knowledge_base
    from advisor.yamlload import environment_paths

    return load_knowledge_base([*environment_paths("DBADVISOR_RULES"), *(overlays or [])])


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _pick_format(chosen: OutputFormat | None, output: Path | None) -> OutputFormat:
    if chosen is not None:
        return chosen
    if output is not None:
        return OutputFormat.MARKDOWN if output.suffix == ".md" else OutputFormat.JSON
    return OutputFormat.TEXT if sys.stdout.isatty() else OutputFormat.MARKDOWN


def _emit(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from advisor.writer import write_text

    write_text(output, text, force=force)


@app.command()
def recommend(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Workload YAML files.", show_default=False)
    ] = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            help="Default: text on a terminal, markdown otherwise or when -o ends in .md.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file (atomically).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing -o file.")] = False,
    rules: RulesOption = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="ADR date, YYYY-MM-DD (default: today).", show_default=False),
    ] = None,
    status: Annotated[str, typer.Option("--status", help="ADR status.")] = "proposed",
    decision_makers: Annotated[
        list[str] | None,
        typer.Option(
            "--decision-maker", help="ADR decision-maker (repeatable).", show_default=False
        ),
    ] = None,
) -> None:
    """Score workloads and print the ranked, explained recommendation.

    Without FILE on a terminal, the interview runs first and asks where to save its file.

    With --format adr and -o DIR, each component's decision record is written to
    DIR/NNNN-choose-<slug>.md with the next free number.
    """
    with reported():
        interviewed = None if files else _interviewed()
        files = files or []
        from advisor.engine import Engine
        from advisor.workload import load_workload

        fmt = _pick_format(output_format, output)
        kb = _knowledge_base(rules)
        engine = Engine(kb)
        adr = _adr_options(date, status, decision_makers or [])
        results: list[Result] = []
        failed: list[InputError] = []
        for path in _progress(files):
            try:
                workload = load_workload(path)
            except InputError as error:
                failed.append(error)
                continue
            results.append(engine.score(workload))
        if interviewed is not None:
            results.append(engine.score(interviewed))
        for failure in failed:
            for line in failure.lines():
                typer.echo(line, err=True)
        if results and fmt is OutputFormat.ADR and output is not None and output.suffix != ".md":
            _write_records(results, kb, output, force, adr)
        elif results:
            several = len(files) > 1
            _emit(
                "".join(_render(r, kb, fmt, several=several, adr=adr) for r in results),
                output,
                force,
            )
        if failed:
            raise typer.Exit(int(ExitCode.BAD_INPUT))


def _interviewed() -> "Workload":
    """Interview for ``recommend`` without FILE: on a terminal only, so it never hangs."""
    if not sys.stdin.isatty():
        raise InputError(
            "no workload FILE given and stdin is not a terminal; give a FILE, "
            "or pipe answers to 'dbadvisor interview'"
        )
    from advisor import interview as asking

    prompter = asking.Prompter(sys.stdin, sys.stderr)
    text, workload = asking.run(prompter)
    _save_interview(prompter, text, workload, force=False)
    return workload


def _save_interview(
    prompter: "Prompter", text: str, workload: "Workload", *, force: bool
) -> Path | None:
    """Ask where to save the interview's YAML and write it there; None if not saved."""
    from advisor import interview as asking
    from advisor.writer import check_writable

    target = asking.ask_save_as(
        prompter, workload.name, lambda path: check_writable(path, force=force)
    )
    if target is not None:
        _write_workload(target, text, force=force)
    return target


def _write_workload(path: Path, text: str, *, force: bool) -> None:
    from advisor.writer import write_text

    write_text(path, text, force=force)
    typer.echo(f"wrote {path}", err=True)


@app.command()
def interview(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the workload YAML to this file.", show_default=False
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Pre-fill every answer from this workload file.", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing -o file.")] = False,
    rules: RulesOption = None,
) -> None:
    """Answer the workload questions one by one; write a valid workload YAML file.

    Prompts go to stderr and answers are read from stdin, one per line, so they can be
    piped. Without -o the YAML goes to stdout when stdout is not a terminal.
    """
    with reported():
        from advisor import interview as asking
        from advisor.workload import load_workload
        from advisor.writer import check_writable

        previous = load_workload(from_file) if from_file is not None else None
        if output is not None:
            check_writable(output, force=force)  # refuse before the questions, not after
        prompter = asking.Prompter(sys.stdin, sys.stderr, echo=not sys.stdin.isatty())
        stem = output.stem if output is not None else None
        text, workload = asking.run(prompter, previous=previous, default_name=stem)
        if output is None and not sys.stdout.isatty():
            sys.stdout.write(text)
            return
        if output is not None:
            _write_workload(output, text, force=force)
        elif _save_interview(prompter, text, workload, force=force) is None:
            sys.stdout.write(text)
        chosen = asking.ask_report_format(prompter, _pick_format(None, None).value)
        if chosen is not None:
            from advisor.engine import Engine

            kb = _knowledge_base(rules)
            adr = _adr_options(None, "proposed", [])
            result = Engine(kb).score(workload)
            sys.stdout.write(_render(result, kb, OutputFormat(chosen), several=False, adr=adr))


def _adr_options(date: str | None, status: str, makers: list[str]) -> dict[str, Any]:
    import datetime

    if date is None:
        date = datetime.date.today().isoformat()
    else:
        try:
            date = datetime.date.fromisoformat(date).isoformat()
        except ValueError:
            raise InputError(f"--date: '{date}' is not a date (YYYY-MM-DD)") from None
    return {"date": date, "status": status, "decision_makers": tuple(makers)}


def _write_records(
    results: list["Result"], kb: "KnowledgeBase", folder: Path, force: bool, adr: dict[str, Any]
) -> None:
    from advisor.render import adr as adr_render
    from advisor.writer import write_text

    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: -o for --format adr is a folder, or a file ending in .md")
    records = [r for result in results for r in adr_render.render_records(result, kb, **adr)]
    for path, record in zip(adr_render.file_names(records, folder), records, strict=True):
        write_text(path, record.text, force=force)
        typer.echo(str(path), err=True)


def _progress(files: list[Path]) -> Iterator[Path]:
    if len(files) < 2 or not sys.stderr.isatty():
        yield from files
        return
    from rich.progress import track

    yield from track(files, description="Scoring", transient=True, console=_stderr_console())


def _stderr_console() -> "Console":
    from rich.console import Console

    return Console(stderr=True)


def _render(
    result: "Result",
    kb: "KnowledgeBase",
    fmt: OutputFormat,
    *,
    several: bool,
    adr: dict[str, Any],
) -> str:
    if fmt is OutputFormat.JSON:
        from advisor.render import json_report

        return json_report.render(result, indent=None if several else 2)
    if fmt is OutputFormat.TEXT:
        from advisor.render import text

        return text.render(result, color=_color())
    if fmt is OutputFormat.MARKDOWN:
        from advisor.render import markdown

        return markdown.render(result, kb)
    from advisor.render import adr as adr_render

    return adr_render.render(result, kb, **adr)


class CompareFormat(StrEnum):
    """Output formats of ``compare``."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


@app.command()
def compare(
    databases: Annotated[
        list[str], typer.Argument(metavar="DB...", help="Database ids, e.g. mongodb dynamodb.")
    ],
    output_format: Annotated[
        CompareFormat | None,
        typer.Option(
            "--format", help="Default: text on a terminal, markdown otherwise.", show_default=False
        ),
    ] = None,
    rules: RulesOption = None,
) -> None:
    """Compare databases side by side from the knowledge base, with sources."""
    with reported():
        from advisor.render import compare as view

        kb = _knowledge_base(rules)
        problems = []
        chosen = []
        for name in databases:
            try:
                chosen.append(kb.database(name))
            except InputError as error:
                problems.append(error)
        if problems:
            raise InputError("; ".join(str(p) for p in problems))
        fmt = output_format or (
            CompareFormat.TEXT if sys.stdout.isatty() else CompareFormat.MARKDOWN
        )
        if fmt is CompareFormat.JSON:
            text = view.render_json(chosen, kb)
        elif fmt is CompareFormat.MARKDOWN:
            text = view.render_markdown(chosen, kb)
        else:
            text = view.render_text(chosen, kb, color=_color())
        sys.stdout.write(text)


rules_app = typer.Typer(help="Browse and check the knowledge base.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("list")
def rules_list(rules: RulesOption = None) -> None:
    """List every rule id with its sentence, and every database."""
    with reported():
        kb = _knowledge_base(rules)
        for rule in kb.rules:
            typer.echo(f"{rule.id}\t{rule.why}")
        for database in kb.databases.values():
            typer.echo(f"database:{database.id}\t{database.name} ({database.category})")


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id or database:<id>.")],
    rules: RulesOption = None,
) -> None:
    """Show one rule (condition, effects, sources) or one database's facts."""
    with reported():
        from advisor.render.kb_text import describe_database, describe_rule

        kb = _knowledge_base(rules)
        if rule_id.startswith("database:") or rule_id in kb.databases:
            typer.echo(describe_database(kb.database(rule_id.removeprefix("database:"))), nl=False)
        elif rule_id not in {r.id for r in kb.rules} and rule_id in _builtin_rules():
            # Built-in constraints, fit checks and group caps live in the engine, not in
            # YAML, but reports print their ids too: every printed id resolves.
            typer.echo(_builtin_rules()[rule_id], nl=False)
        else:
            typer.echo(describe_rule(kb.rule(rule_id)), nl=False)


def _builtin_rules() -> dict[str, str]:
    from advisor.engine import BUILTIN_WHY, describe_builtin

    return {rule_id: str(describe_builtin(rule_id)) for rule_id in BUILTIN_WHY}


@rules_app.command("validate")
def rules_validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Overlay files or folders to check with the built-in base.", show_default=False
        ),
    ] = None,
) -> None:
    """Check the built-in knowledge base and any overlays; print every problem."""
    with reported():
        kb = _knowledge_base(paths)
        typer.echo(
            f"ok: {len(kb.databases)} databases, {len(kb.rules)} rules, "
            f"rules_version {kb.meta.rules_version}"
        )


class ScaffoldDatabase(StrEnum):
    """Databases ``scaffold`` writes a project for; ``auto`` takes the best-ranked one."""

    MONGODB = "mongodb"
    REDIS = "redis"
    DYNAMODB = "dynamodb"
    AUTO = "auto"


@app.command()
def scaffold(
    file: Annotated[Path, typer.Argument(help="Workload YAML file.", show_default=False)],
    database: Annotated[
        ScaffoldDatabase,
        typer.Option(
            "--db",
            help="Database of the project; auto takes, per component, the best-ranked of "
            "mongodb, redis and dynamodb.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Folder to write the project into.", show_default=False
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")] = False,
    rules: RulesOption = None,
) -> None:
    """Write a runnable starter project: models, a function per access pattern, set-up, tests.

    Access patterns the design serves badly (a scan, strong reads from a GSI, a likely
    hot key...) are printed as warnings and written into the project's README.
    """
    with reported():
        from advisor import scaffold as scaffolding
        from advisor.workload import load_workload
        from advisor.writer import write_tree

        workload = load_workload(file)
        if database is ScaffoldDatabase.AUTO:
            from advisor.engine import Engine

            choices = scaffolding.choose(Engine(_knowledge_base(rules)).score(workload))
        else:
            choices = scaffolding.explicit(workload, scaffolding.Store(database.value))
        project = scaffolding.generate(workload, choices)
        write_tree(output, project.files, force=force)
        for choice in project.choices:
            typer.echo(f"{choice.component}: {choice.store} ({choice.reason})")
        for warning in project.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(f"wrote {len(project.files)} files to {output}")


def main() -> None:
    """Entry point of the ``dbadvisor`` console script."""
    # A run is short and allocates its objects in one burst (the commands' lazy imports,
    # the cached knowledge base), which at the default threshold of 700 set off dozens of
    # young-generation collections that find next to nothing to free. mypy tunes its
    # build the same way; cycles are still collected, only less often.
    gc.set_threshold(200_000, 30, 30)
    app(prog_name="dbadvisor")


if __name__ == "__main__":  # pragma: no cover
    main()
