"""The one Jinja2 environment, configured on purpose.

``StrictUndefined`` makes a missing variable an error instead of a blank; templates are
named ``<output>.<ext>.jinja``; nothing is HTML-escaped because the outputs are Markdown
and Python, where user-supplied strings pass through explicit filters instead.
"""

from __future__ import annotations

import functools
import hashlib
import keyword
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from advisor.errors import visible

if TYPE_CHECKING:
    import jinja2

_PLAIN_WORD = re.compile(r"[A-Z][a-z]*(?:-[a-z]+)*")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def md_escape(value: Any) -> str:
    """Make a user-supplied string inert in Markdown text and table cells.

    The text is first made :func:`printable` (one line, controls escaped), then every
    character Markdown gives a meaning to is backslash-escaped.
    """
    return _MD_SPECIAL.sub(r"\\\1", printable(value))


def md_code(value: Any) -> str:
    """A user-supplied string as one inline code span, whatever backticks it holds.

    The fence is one backtick longer than the longest run inside, and a space pads a
    text that starts or ends with a backtick (CommonMark 6.1). A ``|`` is escaped so the
    span cannot split a table cell (GitHub strips that backslash inside tables only;
    elsewhere it stays visible, which is harmless).
    """
    text = printable(value).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_URL = re.compile(r"[a-z][a-z0-9+.-]{1,31}:[^\s<>`\\]+", re.IGNORECASE)


def md_url(value: Any) -> str:
    """A source as a Markdown autolink ``<url>`` when it is a plain URL, else escaped text."""
    text = str(value)
    if text.isprintable() and _URL.fullmatch(text):
        return f"<{text}>"
    return md_escape(text)


def clause(value: Any, proper: frozenset[str] = frozenset()) -> str:
    """A sentence made to follow "because": ``Sessions are`` -> ``sessions are``.

    The first word is lowered only when it is a plain capitalised word: names such as
    ``DynamoDB`` or ``AWS`` and the words in ``proper`` (``Redis``, ``Amazon``) keep
    their case.
    """
    text = str(value)
    first = text.split(" ", 1)[0]
    if _PLAIN_WORD.fullmatch(first) and first not in proper:
        return text[0].lower() + text[1:]
    return text


_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")


def ascii_folded(value: str) -> str:
    """``value`` with accents folded away and other non-ASCII characters dropped."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def safe_identifier(value: Any) -> str:
    """Turn any user-supplied name into a harmless Python identifier.

    The result uses only ASCII letters, digits and underscores, never starts with a digit
    or an underscore (so no dunder names), and is never a keyword or soft keyword. Accents
    are folded (``Café`` becomes ``Cafe``); a name with nothing left becomes ``x_`` plus a
    hash of the original, so distinct names stay distinct. The function is idempotent.
    """
    text = str(value)
    ident = _NOT_IDENTIFIER.sub("_", ascii_folded(text)).lstrip("_")
    if not ident:
        ident = "x_" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if ident[0].isdigit():
        ident = "n" + ident
    if keyword.iskeyword(ident) or keyword.issoftkeyword(ident):
        ident += "_"
    return ident


_LAYOUT = re.compile(r"[ \t\r\n]+")


def printable(value: Any) -> str:
    r"""User text as one line of prose for a document, nothing hidden in it.

    Runs of spaces, tabs and line breaks become one space (in a YAML block they are
    layout); every other control, format or separator character (ESC, BEL, a bidi
    override, U+2028) is escaped visibly, as ``\x1b`` or ``\u202e``, by
    :func:`advisor.errors.visible`. The result is idempotent.
    """
    return visible(_LAYOUT.sub(" ", str(value)).strip())


def safe_literal(value: Any) -> str:
    """A Python literal for a user-supplied value: a one-line, ASCII-only string literal.

    Strings are written by :func:`ascii`, which escapes every character outside printable
    ASCII, so no quote, newline or Unicode trick can end the literal or hide code.
    Booleans, None, integers and finite floats are written with ``repr``; anything else
    is a bug.
    """
    if isinstance(value, str):
        return ascii(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    raise TypeError(f"no safe literal for {type(value).__name__}")


def article(value: Any, capital: bool = False) -> str:
    """The word after its indefinite article: ``Account`` -> ``an Account``."""
    text = str(value)
    word = "an" if text[:1].lower() in "aeiou" else "a"
    return f"{word.capitalize() if capital else word} {text}"


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
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["md"] = md_escape
    env.filters["md_code"] = md_code
    env.filters["md_url"] = md_url
    env.filters["clause"] = clause
    env.filters["mermaid_label"] = mermaid_label
    env.filters["mermaid_id"] = mermaid_id
    env.filters["ident"] = safe_identifier
    env.filters["lit"] = safe_literal
    env.filters["printable"] = printable
    env.filters["article"] = article
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, signed (see :mod:`advisor.cache`).

    Compiling ``report.md.jinja`` takes about 13 ms and loading it from here 0.2 ms; the
    scaffold's templates take 250 ms together. A compiled template is code, so the entry
    is read only when its signature verifies under this user's key, and it holds the
    Jinja and Python versions and the template source's checksum next to the code: any
    difference is a miss. Nothing in it is unpickled.
    """
    import marshal
    import types

    import jinja2

    from advisor import cache

    if cache.cache_dir() is None:
        return None

    class SignedBytecodeCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = cache.read_signed(_bytecode_entry(bucket.key))
            expected = _bytecode_header(bucket.checksum)
            if data is None or not data.startswith(expected):
                return  # a miss: Jinja compiles the template and calls dump_bytecode
            try:
                code = marshal.loads(data[len(expected) :])
            except (EOFError, ValueError, TypeError):
                return
            if isinstance(code, types.CodeType):
                bucket.code = code

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.code is not None:
                data = _bytecode_header(bucket.checksum) + marshal.dumps(bucket.code)
                cache.write_signed(_bytecode_entry(bucket.key), data)

    return SignedBytecodeCache()


def _bytecode_entry(key: str) -> str:
    """The cache entry of the template Jinja names ``key`` (a hash of its name and path)."""
    return f"jinja-{key}.bin"


def _bytecode_header(checksum: str) -> bytes:
    """What precedes a compiled template: its source's checksum and the versions it needs."""
    import sys

    import jinja2

    return f"dbadvisor-jinja\0{jinja2.__version__}\0{sys.version}\0{checksum}\n".encode()


def render(template: str, **context: Any) -> str:
    """Render a template by name, e.g. ``report.md.jinja``."""
    return environment().get_template(template).render(**context)
