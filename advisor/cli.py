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
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

INTERRUPTED = "dbadvisor: interrupted"
_previous_excepthook = sys.excepthook


def _interrupted_while_loading(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    """Ctrl-C while this module loads (typer takes most of start-up): one line, no traceback.

    Python then ends the process by SIGINT, which a shell reports as 130. Installed only
    until the module has loaded; from then on main() handles Ctrl-C itself. The imports
    above it are all loaded before Python runs this module (``json`` is imported where
    it is used), so the hook covers the whole load.
    """
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write(f"{INTERRUPTED}\n")
    else:
        _previous_excepthook(kind, value, traceback)


sys.excepthook = _interrupted_while_loading

import typer  # noqa: E402  (after the hook: importing typer is most of start-up)

from advisor import __version__  # noqa: E402
from advisor.errors import AdvisorError, ExitCode, InputError, Problem, visible  # noqa: E402

if TYPE_CHECKING:
    from rich.console import Console

    from advisor.engine import Result
    from advisor.interview import Prompter, Winner
    from advisor.kb import KnowledgeBase
    from advisor.workload import Workload

app = typer.Typer(
    name="dbadvisor",
    help="Choose a database for a described workload, with the reasons and sources.",
    no_args_is_help=True,
    # --install-completion / --show-completion: measured at +0.25 % of a validate run's
    # instructions (947.9 against 945.6 million under cachegrind).
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False, "interrupted": False}


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
            # Messages quote user input (a file name, an option value): one line, escaped.
            lines = [f"dbadvisor: {visible(error)}"]
        for line in lines:
            typer.echo(line, err=True)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        if _state["debug"]:
            raise
        _say_interrupted()
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _say_interrupted() -> None:
    typer.echo(INTERRUPTED, err=True)
    _state["interrupted"] = True


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
    with reported():
        for path in files:
            try:
                workload = load_workload(path)
            except InputError as error:
                problems.extend(error.problems)
                continue
            count = len(workload.components)
            # The file name is the user's: escaped, so it cannot forge another line.
            ok.append(f"{visible(path)}: ok ({count} component{'s' if count != 1 else ''})")
    if output_format is ProblemFormat.JSON:
        import json

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
    import json

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


def _to_stdout(output: str | None) -> bool:
    """No ``-o``, or ``-o -``."""
    return output is None or output == "-"


def _pick_format(chosen: OutputFormat | None, output: str | None) -> OutputFormat:
    if chosen is not None:
        return chosen
    if output is not None and not _to_stdout(output):
        return OutputFormat.MARKDOWN if Path(output).suffix == ".md" else OutputFormat.JSON
    return OutputFormat.TEXT if sys.stdout.isatty() else OutputFormat.MARKDOWN


def _emit(text: str, output: str | None, force: bool) -> None:
    if output is None or _to_stdout(output):
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
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="OUT",
            help="Write to this file (atomically), or folder (--format adr); - is stdout.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing -o file.")] = False,
    rules: RulesOption = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="ADR date, YYYY-MM-DD (default: today).", show_default=False),
    ] = None,
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="ADR status: proposed, accepted, rejected, deprecated, 'superseded by ADR-N'.",
        ),
    ] = "proposed",
    decision_makers: Annotated[
        list[str] | None,
        typer.Option(
            "--decision-maker", help="ADR decision-maker (repeatable).", show_default=False
        ),
    ] = None,
    consulted: Annotated[
        list[str] | None,
        typer.Option(
            "--consulted", help="ADR: someone consulted (repeatable).", show_default=False
        ),
    ] = None,
    informed: Annotated[
        list[str] | None,
        typer.Option("--informed", help="ADR: someone informed (repeatable).", show_default=False),
    ] = None,
) -> None:
    """Score workloads and print the ranked, explained recommendation.

    Without FILE on a terminal, the interview runs first and asks where to save its file.

    With --format adr and -o DIR, each component's decision record is written to
    DIR/NNNN-choose-<slug>.md with the next free number. When DIR already holds a record
    for the same component the run refuses; with --force it writes the new record and
    marks the earlier one "superseded by" it (MADR's way: records are never rewritten).
    """
    with reported():
        interviewed = None if files else _interviewed(rules)
        files = files or []
        from advisor.engine import Engine
        from advisor.workload import load_workload

        fmt = _pick_format(output_format, output)
        kb = _knowledge_base(rules)
        engine = Engine(kb)
        adr = _adr_options(date, status, decision_makers or [], consulted or [], informed or [])
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
        folder = _records_folder(output) if fmt is OutputFormat.ADR else None
        if results and folder is not None:
            _write_records(results, kb, folder, adr, force=force)
        elif results:
            several = len(files) > 1
            _emit(
                "".join(_render(r, kb, fmt, several=several, adr=adr) for r in results),
                output,
                force,
            )
        if failed:
            raise typer.Exit(int(ExitCode.BAD_INPUT))


def _records_folder(output: str | None) -> str | None:
    """``-o`` of ``--format adr`` if it names a folder for one file per record, else None."""
    if output is None or _to_stdout(output) or Path(output).suffix == ".md":
        return None
    return output


def _interviewed(rules: list[Path] | None) -> "Workload":
    """Interview for ``recommend`` without FILE: on a terminal only, so it never hangs."""
    if not sys.stdin.isatty():
        raise InputError(
            "no workload FILE given and stdin is not a terminal; give a FILE, "
            "or pipe answers to 'dbadvisor interview'"
        )
    from advisor import interview as asking

    prompter = asking.Prompter(sys.stdin, sys.stderr)
    text, workload = asking.run(prompter, quick=True, moves=_moves(rules))
    _save_interview(prompter, text, workload, force=False)
    return workload


def _moves(rules: list[Path] | None) -> "Winner":
    """The quick path's test of which answers would change the recommendation.

    The knowledge base is loaded on first use, when the first component's answers are in.
    """
    from advisor.engine import Engine
    from advisor.interview import engine_moves

    engines: list[Engine] = []

    def build(component: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        if not engines:
            engines.append(Engine(_knowledge_base(rules)))
        return engine_moves(engines[0])(component, context)

    return build


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


def _write_workload(path: str | Path, text: str, *, force: bool) -> None:
    from advisor.writer import write_text

    write_text(path, text, force=force)
    typer.echo(f"wrote {visible(path)}", err=True)


@app.command()
def interview(
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write the workload YAML to this file; - is stdout.",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Pre-fill every answer from this workload file.", show_default=False
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="PATH",
            help="With --from: ask only this answer (a YAML path such as consistency or "
            "components[1].scale.reads_per_sec) and keep the rest (repeatable).",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Ask every question, not only those the use case leaves open or that "
            "change the result.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing -o file.")] = False,
    rules: RulesOption = None,
) -> None:
    """Answer the workload questions one by one; write a valid workload YAML file.

    The quick path asks each component's use case, then what it does not settle;
    the answers taken from the use case are listed at the end. Prompts go to stderr
    and answers are read from stdin, one per line, so they can be piped. Without -o
    the YAML goes to stdout when stdout is not a terminal.
    """
    with reported():
        from advisor import interview as asking
        from advisor.workload import load_workload
        from advisor.writer import check_writable

        if only and from_file is None:
            raise InputError("--only changes answers of a file: give it with --from FILE")
        previous = load_workload(from_file) if from_file is not None else None
        if output is not None and not _to_stdout(output):
            check_writable(output, force=force)  # refuse before the questions, not after
        prompter = asking.Prompter(sys.stdin, sys.stderr, echo=not sys.stdin.isatty())
        stem = Path(output).stem if output is not None and not _to_stdout(output) else None
        text, workload = asking.run(
            prompter,
            previous=previous,
            default_name=stem,
            quick=not full,
            only=only or (),
            moves=_moves(rules),
        )
        if output == "-" or (output is None and not sys.stdout.isatty()):
            sys.stdout.write(text)  # stdout holds the YAML: no report after it
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


def _adr_options(
    date: str | None,
    status: str,
    makers: list[str],
    consulted: Sequence[str] = (),
    informed: Sequence[str] = (),
) -> dict[str, Any]:
    import datetime

    from advisor.render.status import check_status

    check_status(status)

    if date is None:
        date = datetime.date.today().isoformat()
    else:
        try:
            date = datetime.date.fromisoformat(date).isoformat()
        except ValueError:
            raise InputError(f"--date: '{date}' is not a date (YYYY-MM-DD)") from None
    return {
        "date": date,
        "status": status,
        "decision_makers": tuple(makers),
        "consulted": tuple(consulted),
        "informed": tuple(informed),
    }


def _write_records(
    results: list["Result"],
    kb: "KnowledgeBase",
    output: str,
    adr: dict[str, Any],
    *,
    force: bool = False,
) -> None:
    """Write each record to the folder ``output`` with the next free number, never replacing.

    A record for a component that already has one in the folder is refused unless
    ``force``; then the earlier record's status becomes "superseded by" the new one.
    """
    from advisor.render import adr as adr_render
    from advisor.writer import write_numbered, write_text

    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: -o for --format adr is a folder, or a file ending in .md")
    records = [r for result in results for r in adr_render.render_records(result, kb, **adr)]
    earlier: list[list[Path]] = []

    def check(folder: Path) -> None:
        # Under the folder's lock, so that two runs cannot both miss each other's record.
        earlier.extend(adr_render.existing(folder, record) for record in records)
        found = [path for paths in earlier for path in paths]
        if found and not force:
            raise InputError(
                f"{visible(found[0])}: a decision record for this component exists; "
                "--force writes a new one and marks it superseded"
            )

    texts = [record.text for record in records]
    written = write_numbered(
        folder,
        texts,
        lambda index, number: adr_render.file_name(number, records[index]),
        adr_render.next_number,
        check,
    )
    for index, path in enumerate(written):
        typer.echo(visible(path), err=True)
        for old in earlier[index]:
            text = old.read_text(encoding="utf-8")
            by = f"ADR-{path.name[:4]}"
            write_text(old, adr_render.superseded(text, by), force=True)


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

        return json_report.render(result, indent=None if several else 2, kb=kb)
    if fmt is OutputFormat.TEXT:
        from advisor.render import text

        return text.render(result, color=_color(), kb=kb)
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
        # Overlays can put any text here: escaped, so the tab stays the only separator.
        for rule in kb.rules:
            typer.echo(f"{visible(rule.id)}\t{visible(rule.why)}")
        for database in kb.databases.values():
            typer.echo(
                f"database:{visible(database.id)}\t{visible(database.name)} ({database.category})"
            )


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id or database:<id>.")],
    rules: RulesOption = None,
) -> None:
    """Show one rule (condition, effects, sources) or one database's facts."""
    with reported():
        from advisor.render.kb_text import describe_companion, describe_database, describe_rule

        kb = _knowledge_base(rules)
        companions = {c.id: c for c in kb.companions}
        if rule_id.startswith("database:") or rule_id in kb.databases:
            typer.echo(describe_database(kb.database(rule_id.removeprefix("database:"))), nl=False)
        elif rule_id in companions:
            # Companion rules ("pair X with Y") are printed in reports too.
            typer.echo(describe_companion(companions[rule_id]), nl=False)
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
    VALKEY = "valkey"
    AUTO = "auto"


@app.command()
def scaffold(
    file: Annotated[Path, typer.Argument(help="Workload YAML file.", show_default=False)],
    database: Annotated[
        ScaffoldDatabase,
        typer.Option(
            "--db",
            help="Database of the project; auto takes, per component, the best-ranked of "
            "mongodb, redis and dynamodb; valkey writes the Redis project (same protocol).",
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

        if str(output) == "-":  # stdout for every other -o; a project is a folder
            raise InputError(
                "-o -: scaffold writes a folder, not to stdout; "
                "for a folder named '-', give its full path"
            )
        workload = load_workload(file)
        if database is ScaffoldDatabase.AUTO:
            from advisor.engine import Engine

            choices = scaffolding.choose(Engine(_knowledge_base(rules)).score(workload))
        else:
            store, note = scaffolding.store_for(database.value)
            reason = "chosen with --db" + (f" {database.value}; {note}" if note else "")
            choices = scaffolding.explicit(workload, store, reason)
        project = scaffolding.generate(workload, choices)
        write_tree(output, project.files, force=force)
        for choice in project.choices:
            typer.echo(visible(f"{choice.component}: {choice.store} ({choice.reason})"))
        for warning in project.warnings:
            typer.echo(f"warning: {visible(warning)}", err=True)
        typer.echo(f"wrote {len(project.files)} files to {visible(output)}")


class _LateInterrupt:
    """A Ctrl-C that landed where Python could not raise it, to be acted on once.

    A signal that arrives while C code calls back into Python (pydantic-core building a
    validator during a command's imports) cannot unwind that call: Python reports it as
    "Exception ignored" with a traceback and goes on. The hook below records it and sends
    it again from a thread, so that it is raised in the main thread's next line of
    Python (inside the hook it would land in the hook); a run that ends first acts on it
    at its end (:meth:`claim`). The lock lets only one of the two act.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = False

    def hook(self, unraisable: "sys.UnraisableHookArgs") -> None:
        """``sys.unraisablehook``: record a Ctrl-C and send it again; show anything else."""
        if unraisable.exc_type is None or not issubclass(unraisable.exc_type, KeyboardInterrupt):
            sys.__unraisablehook__(unraisable)
            return
        self._arm()

    def _arm(self) -> None:
        with self._lock:
            self._pending = True
        try:
            threading.Thread(target=self._send, daemon=True).start()
        except KeyboardInterrupt:
            # Sent again so soon that it landed here, still inside the hook: once more.
            self._arm()

    def _send(self) -> None:
        # A moment's wait, so that the hook has returned when the signal arrives.
        time.sleep(0.002)
        if self.claim():
            signal.raise_signal(signal.SIGINT)

    def claim(self) -> bool:
        """Whether a recorded Ctrl-C is still to act on; True once per Ctrl-C."""
        with self._lock:
            pending, self._pending = self._pending, False
        return pending


_late = _LateInterrupt()


def main() -> None:
    """Entry point of the ``dbadvisor`` console script.

    Ctrl-C at any point of a run (typer building the command line, parsing it, a
    command's imports or work) ends it with ``dbadvisor: interrupted`` on stderr and
    exit code 130, never a traceback.
    """
    _state["interrupted"] = False
    sys.unraisablehook = _late.hook
    try:
        # A run is short and allocates its objects in one burst (the commands' lazy
        # imports, the cached knowledge base), which at the default threshold of 700 set
        # off dozens of young-generation collections that find next to nothing to free.
        # mypy tunes its build the same way; cycles are still collected, only less often.
        gc.set_threshold(200_000, 30, 30)
        app(prog_name="dbadvisor")
    except KeyboardInterrupt:  # raised before typer's own handling, e.g. in get_command
        if _state["debug"]:
            raise
        _say_interrupted()
        sys.exit(int(ExitCode.INTERRUPTED))
    except SystemExit as done:
        # typer turns Ctrl-C during parsing into a silent exit 130; say why.
        if done.code == ExitCode.INTERRUPTED and not _state["interrupted"]:
            _say_interrupted()
        elif _late.claim():
            _say_interrupted()
            sys.exit(int(ExitCode.INTERRUPTED))
        raise


# Loaded: Ctrl-C from here on is main()'s to handle; leave the hook as it was.
sys.excepthook = _previous_excepthook


if __name__ == "__main__":  # pragma: no cover
    main()
