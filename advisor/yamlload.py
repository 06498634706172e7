"""The hardened YAML loader: the only place that reads workload and rules files.

It builds plain Python values straight from the parser's event stream, so it decides
everything a generic loader would leave to chance: only the core scalar types are
constructed (no ``!!python/...`` tag can run code), anchors and aliases are refused (no
"billion laughs"), nesting depth and input size are capped, duplicate keys are errors,
input must be UTF-8 text, and every value and key remembers its line and column so a
validation error can point at the exact place. Composition is iterative, so deep nesting
cannot exhaust the interpreter's stack.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from advisor.errors import InputError, Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64

PathKey = tuple[str | int, ...]
Position = tuple[int, int]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_SEQ_TAG = f"{_TAG}seq"
_MAP_TAG = f"{_TAG}map"


def _c_parser() -> Any:
    """Return the libyaml parser when PyYAML has it: the same events, parsed in C."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return None
    return CParser


_Parser: Any = _c_parser()


def _at(mark: Any) -> Position:
    """1-based line and column of a parser mark (which may be missing)."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


@dataclass(frozen=True)
class Document:
    """A parsed file: its plain data plus the position of every value and key."""

    file: str
    data: Any
    values: Mapping[PathKey, Position] = field(default_factory=dict)
    keys: Mapping[PathKey, Position] = field(default_factory=dict)

    def position(self, path: PathKey, *, key: bool = False) -> Position:
        """Line and column (1-based) of ``path``, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        if key and path not in table:
            table = self.values
        probe = path
        while probe and probe not in table:
            probe = probe[:-1]
        return table.get(probe, self.values.get((), (1, 1)))

    def part(self, path: PathKey) -> Document:
        """The value at ``path`` as a document of its own, keeping its positions."""
        data = self.data
        for step in path:
            data = data[step]
        n = len(path)
        return Document(
            self.file,
            data,
            {k[n:]: v for k, v in self.values.items() if k[:n] == path},
            {k[n:]: v for k, v in self.keys.items() if k[:n] == path and len(k) > n},
        )

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` located at ``path``."""
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, format_path(path), message)


def format_path(path: PathKey) -> str:
    """Render ``("components", 0, "consistency")`` as ``components[0].consistency``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def read_text(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> str:
    """Read ``path`` as UTF-8 text, refusing non-regular files, huge files and binary data."""
    name = display or str(path)

    def fail(message: str, line: int = 1, column: int = 1) -> InputError:
        return InputError([Problem(name, line, column, "", message)])

    try:
        raw = _read_regular(path, max_bytes)
    except FileNotFoundError:
        raise fail("no such file") from None
    except PermissionError:
        raise fail("permission denied") from None
    except IsADirectoryError:
        raise fail("is a directory, not a file") from None
    except _NotRegular as exc:
        raise fail(f"is {exc.args[0]}, not a regular file") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise fail(f"file is larger than {max_bytes // 1024} KiB; refusing to parse it")
    if b"\x00" in raw:
        line, column = _locate(raw, raw.index(b"\x00"))
        raise fail("binary data (NUL byte); expected UTF-8 YAML text", line, column)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _locate(raw, exc.start)
        raise fail("not valid UTF-8 text (binary file?)", line, column) from None
    return text.removeprefix("\ufeff")


class _NotRegular(OSError):
    """The path names something other than a regular file (the argument says what)."""


# What a non-regular file is, for the message; anything else is "a special file".
# (A directory never gets here: ``open`` raises IsADirectoryError for it.)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of ``path``, which must be a regular file.

    Opening a FIFO for reading blocks until a writer appears, and a character device
    such as /dev/zero never ends: O_NONBLOCK makes the open return at once, and the
    type is checked on the open descriptor (not the name, which could be swapped in
    between) before anything is read. The flag changes nothing for a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _KINDS if test(mode)), "a special file")
            raise _NotRegular(kind)
        return handle.read(max_bytes + 1)


def _locate(raw: bytes, offset: int) -> Position:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def load_file(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read and parse one YAML file into a located :class:`Document`."""
    name = display or str(path)
    return parse(read_text(path, display=name, max_bytes=max_bytes), name)


def parse(text: str, file: str = "<string>", *, max_depth: int = MAX_DEPTH) -> Document:
    """Parse one YAML document from ``text``; raise :class:`InputError` on anything unsafe."""
    builder = _Builder(file, max_depth)
    try:
        for event in _events(text):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        line, column = _at(exc.problem_mark or exc.context_mark)
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        if "\t" in text and "cannot start any token" in message:
            message = "tab character: YAML indentation must use spaces"
        elif "maximum nesting depth" in message:
            # PyYAML 6.0.4's libyaml stops deep flow nesting in its scanner, before the
            # builder sees the events: report it as our own limit.
            message = f"nesting deeper than {max_depth} levels"
        raise InputError(
            [Problem(file, line, column, "", f"YAML syntax error: {message}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character, say): point at it.
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - before.rfind("\n")
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        name = f"character #x{code:04x}"
        raise InputError(
            [Problem(file, line, column, "", f"unacceptable {name}: {exc.reason}")]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, 1, 1, "", f"YAML error: {exc}")]) from None
    if not builder.done:
        raise InputError([Problem(file, 1, 1, "", "file is empty; expected a YAML mapping")])
    return Document(file, builder.root, builder.values, builder.keys)


def _events(text: str) -> Iterator[yaml.Event]:
    if _Parser is not None:
        parser = _Parser(text)
        while True:
            event = parser.get_event()
            yield event
            if isinstance(event, yaml.StreamEndEvent):
                return
    else:  # pragma: no cover - pure-Python fallback
        yield from (e for e in yaml.parse(text, Loader=yaml.SafeLoader) if e is not None)


class _Frame:
    __slots__ = ("container", "path", "pending")

    def __init__(self, container: dict[str, Any] | list[Any], path: PathKey) -> None:
        self.container = container
        self.path = path
        self.pending: str | None = None


class _Builder:
    """Turns parser events into plain values, refusing what a workload never needs."""

    _resolver = Resolver()
    _constructor = SafeConstructor()

    def __init__(self, file: str, max_depth: int) -> None:
        self.file = file
        self.max_depth = max_depth
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.done = False
        self.documents = 0
        self.values: dict[PathKey, Position] = {}
        self.keys: dict[PathKey, Position] = {}

    def fail(self, event: yaml.Event, path: PathKey, message: str) -> InputError:
        line, column = _at(event.start_mark)
        return InputError([Problem(self.file, line, column, format_path(path), message)])

    def current_path(self) -> PathKey:
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        return (*frame.path, frame.pending) if frame.pending is not None else frame.path

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail(event, (), "several YAML documents in one file; expected one")
        elif isinstance(event, yaml.AliasEvent):
            raise self.fail(event, self.current_path(), "aliases (*name) are not allowed")
        elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            if event.anchor is not None:
                raise self.fail(event, self.current_path(), "anchors (&name) are not allowed")
            if isinstance(event, yaml.ScalarEvent):
                self.add(event, self.scalar(event), None)
            else:
                self.start(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()

    def start(self, event: yaml.CollectionStartEvent) -> None:
        is_map = isinstance(event, yaml.MappingStartEvent)
        expected = _MAP_TAG if is_map else _SEQ_TAG
        if event.tag not in (None, "!", expected):
            raise self.fail(event, self.current_path(), f"tag '{_short(event.tag)}' is not allowed")
        if len(self.stack) >= self.max_depth:
            # The path of a runaway nesting is itself unreadable: report the place only.
            raise self.fail(event, (), f"nesting deeper than {self.max_depth} levels")
        container: dict[str, Any] | list[Any] = {} if is_map else []
        path = self.add(event, container, container)
        self.stack.append(_Frame(container, path))

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag in (None, "!"):
            tag = self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag not in _SCALAR_TAGS:
            if tag == f"{_TAG}merge":
                raise self.fail(event, self.current_path(), "merge keys ('<<') are not allowed")
            if tag == f"{_TAG}value":
                return event.value
            raise self.fail(event, self.current_path(), f"tag '{_short(tag)}' is not allowed")
        if tag in (f"{_TAG}str", f"{_TAG}timestamp"):
            return event.value  # dates stay text: the models decide what a date means
        node = yaml.ScalarNode(tag, event.value, None, None)
        try:
            return self._constructor.construct_object(node)
        except (ValueError, OverflowError, yaml.YAMLError):
            raise self.fail(
                event,
                self.current_path(),
                f"cannot read {event.value[:40]!r} as {tag[len(_TAG) :]}",
            ) from None

    def add(
        self, event: yaml.Event, value: Any, container: dict[str, Any] | list[Any] | None
    ) -> PathKey:
        """Attach ``value`` to the open container (or make it the root); return its path."""
        position = _at(event.start_mark)
        if not self.stack:
            # A lone scalar is still a document: the models reject its type with a clear message.
            self.root = value
            self.values[()] = position
            self.done = True
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            path: PathKey = (*frame.path, len(frame.container))
            frame.container.append(value)
        elif frame.pending is None:
            if container is not None or not isinstance(event, yaml.ScalarEvent):
                raise self.fail(event, frame.path, "mapping keys must be plain strings")
            # Keep the key's source text: `1:` or `yes:` is the key "1" or "yes", not a number.
            key = event.value
            if key in frame.container:
                first = self.keys[(*frame.path, key)]
                raise self.fail(
                    event,
                    (*frame.path, key),
                    f"duplicate key '{key}' (first defined at line {first[0]})",
                )
            frame.pending = key
            self.keys[(*frame.path, key)] = position
            return frame.path
        else:
            path = (*frame.path, frame.pending)
            frame.container[frame.pending] = value
            frame.pending = None
        self.values[path] = position
        return path


def _short(tag: str | None) -> str:
    return f"!!{tag[len(_TAG) :]}" if tag and tag.startswith(_TAG) else str(tag)


def environment_paths(variable: str) -> list[Path]:
    """Split an ``os.pathsep``-separated environment variable into paths."""
    value = os.environ.get(variable, "")
    return [Path(part) for part in value.split(os.pathsep) if part]
