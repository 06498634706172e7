"""Render a planned project's files with the one Jinja environment.

Each template renders its code first and then asks :func:`import_block` for exactly the
imports that code uses, so generated modules never carry an unused import; a support
module also loses the private helpers no module of the project reaches
(:func:`without_unused_helpers`). ruff then orders the imports by its isort rules and
lays the Python files out with its formatter (:func:`formatted`), so they read as a
person running ``ruff`` would leave them.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import os
import re
import subprocess
import tempfile
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruff import find_ruff_bin

from advisor.scaffold.mongodb import BSON_TYPES
from advisor.scaffold.names import IMPORTS
from advisor.scaffold.redis import BULK_CHUNK
from advisor.templating import render, safe_identifier

if TYPE_CHECKING:
    from advisor.scaffold import Plan

# The generated projects' ruff line length, which the import block must respect.
LINE_LENGTH = 100


def used_names(code: str) -> set[str]:
    """Names the code refers to, which are the names it may need to import.

    NAME tokens count unless they are attributes (after a dot) or keyword arguments
    (between ``(`` or ``,`` and a single ``=``). The tokens are streamed, with only the
    one before and the one after a name at hand: a list of them all took some 800 MB
    for a generated module of a few MB.
    """
    names: set[str] = set()
    before = ""  # the previous significant token
    name, name_before = "", ""  # a NAME waiting for the token after it
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            continue
        if name:
            keyword_argument = token.string == "=" and name_before in ("(", ",")
            if name_before != "." and not keyword_argument:
                names.add(name)
            name = ""
        if token.type == tokenize.NAME:
            name, name_before = token.string, before
        before = token.string
    if name and name_before != ".":
        names.add(name)
    return names


Names = Sequence[tuple[str, Sequence[str]]]


def import_block(code: str, package: str, first_party: Names = (), *, offered: Names = ()) -> str:
    """The import statements ``code`` needs, one a line: nothing it does not use.

    ``first_party`` adds ``(module, [member, ...])`` imports of the generated package
    (a member may be ``name as alias``). ``offered`` lists ``(module, [name, ...])`` of
    the package's own modules: the names of them that ``code`` uses are imported. The
    statements come out sorted but not grouped: :func:`formatted` has ruff's isort rules
    group, order and wrap them, with ``package`` as the first party.
    """
    used = used_names(code)
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    for name in used & set(IMPORTS):
        target = IMPORTS[name]
        if isinstance(target, str):
            plain.add(target)
        else:
            module, member = target
            froms.setdefault(module, set()).add(member)
    for module, names in offered:
        froms.setdefault(module, set()).update(used & set(names))
    for module, members in first_party:
        froms.setdefault(module, set()).update(members)
    lines = [f"import {module}" for module in sorted(plain)]
    lines += [
        f"from {module} import {', '.join(sorted(members))}"
        for module, members in sorted(froms.items())
        if members
    ]
    return "\n".join(lines) + "\n"


def support_module(store: str) -> str:
    """The name of the package module that holds the shared code of ``store``'s components."""
    return f"{store}_support"


def top_level_names(code: str) -> list[str]:
    """Names a module defines at top level (functions, classes, assigned names)."""
    names: list[str] = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return sorted(names)


def _private_name(node: ast.stmt) -> str | None:
    """The private name a top-level statement defines, if it defines exactly one."""
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        name = node.name
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        name = node.targets[0].id if isinstance(node.targets[0], ast.Name) else ""
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        name = node.target.id
    else:
        return None
    return name if name.startswith("_") else None


def without_unused_helpers(code: str, used: set[str]) -> str:
    """``code`` without the private top-level definitions nothing reaches.

    A support module holds every helper its store's components may call, and a project
    calls some of them: the rest would be dead code in the user's repository. The
    templates leave out the large optional parts themselves; this drops what a given
    workload leaves unused. A private definition stays when ``used`` (the names the
    project's other modules use) or a statement that stays refers to it, directly or
    through other helpers. The comment lines directly above a dropped definition go
    with it; the imports only it needed are left for ruff's F401 fix (:func:`formatted`).
    """
    lines = code.splitlines(keepends=True)
    spans: dict[str, tuple[int, int]] = {}
    refers: dict[str, set[str]] = {}
    wanted = set(used)
    for node in ast.parse(code).body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        names = used_names("".join(lines[first - 1 : node.end_lineno]))
        name = _private_name(node)
        if name is None:
            wanted |= names
            continue
        while first > 1 and lines[first - 2].startswith("#"):
            first -= 1
        spans[name] = (first, node.end_lineno or node.lineno)
        refers[name] = names - {name}
    reached: set[str] = set()
    todo = sorted(wanted & spans.keys())
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += sorted(refers[name] & spans.keys())
    dropped = {
        line
        for name, (first, last) in spans.items()
        if name not in reached
        for line in range(first, last + 1)
    }
    return "".join(text for number, text in enumerate(lines, 1) if number not in dropped)


def render_file(template: str, offered: Names = (), **context: Any) -> str:
    """Render one scaffold template with the helpers every template may call.

    ``imports`` in the template imports the names its code uses from the ``offered``
    modules of the package (see :func:`import_block`).

    Optional blocks leave runs of blank lines behind; they are squeezed to the two
    that separate top-level definitions (or one, in Markdown). Generated code never
    holds a multi-line string, so no literal is touched.
    """
    text = render(template, imports=functools.partial(import_block, offered=offered), **context)
    text = re.sub(r"[ \t]+\n", "\n", text)
    most = "\n\n" if template.endswith(".md.jinja") else "\n\n\n"
    text = re.sub("\n{" + str(len(most) + 1) + ",}", most, text)
    # A module whose only import is ``from __future__`` (its helpers all come from a
    # support module it does not need) has one blank line before a plain statement.
    text = re.sub(
        r"^(from __future__ import annotations\n)\n\n+(?!def |class |@)",
        r"\1\n",
        text,
        flags=re.MULTILINE,
    )
    return text.strip("\n") + "\n"


def render_project(plan: Plan) -> dict[str, str]:
    """Every file of the project, by relative path."""
    project = plan.project
    package = safe_identifier(project.package)
    common: dict[str, Any] = {
        "plan": plan,
        "project": project,
        "pkg": package,
        "stores": [str(s) for s in plan.stores],
        "bson_types": BSON_TYPES,
        "bulk_chunk": BULK_CHUNK,
    }
    errors = render_file("scaffold/common/errors.py.jinja", **common)
    # Every module imports the error classes it raises or expects from errors.py.
    offered: Names = [(f"{package}.errors", top_level_names(errors))]
    files: dict[str, str] = {
        "pyproject.toml": render_file("scaffold/common/pyproject.toml.jinja", offered, **common),
        "README.md": render_file("scaffold/common/README.md.jinja", offered, **common),
        f"{package}/__init__.py": render_file(
            "scaffold/common/package_init.py.jinja", offered, **common
        ),
        f"{package}/errors.py": errors,
        f"{package}/connection.py": render_file(
            "scaffold/common/connection.py.jinja", offered, **common
        ),
        f"{package}/setup_db.py": render_file(
            "scaffold/common/setup_db.py.jinja", offered, **common
        ),
        "tests/conftest.py": render_file("scaffold/common/conftest.py.jinja", offered, **common),
    }
    # Each database the project uses gets one support module with the helpers and generic
    # algorithms its component modules share; a component imports the names it uses.
    support: dict[str, Names] = {}
    for store in plan.stores:
        text = render_file(f"scaffold/{store}/support.py.jinja", offered, **common)
        name = support_module(str(store))
        files[f"{package}/{name}.py"] = text
        support[str(store)] = [*offered, (f"{package}.{name}", top_level_names(text))]
    for choice, design in plan.parts:
        store = choice.store
        module = safe_identifier(design.spec.module)
        context = {**common, "d": design, "db": str(store), "module": module}
        files[f"{package}/{module}.py"] = render_file(
            f"scaffold/{store}/component.py.jinja", support[str(store)], **context
        )
        files[f"tests/test_{module}.py"] = render_file(
            "scaffold/common/test_component.py.jinja", support[str(store)], **context
        )
    for store in plan.stores:
        path = f"{package}/{support_module(str(store))}.py"
        others = [text for name, text in files.items() if name.endswith(".py") and name != path]
        files[path] = without_unused_helpers(files[path], set().union(*map(used_names, others)))
    return formatted(files, package)


def formatted(files: dict[str, str], package: str) -> dict[str, str]:
    """The files with every Python module's imports and layout made ruff's.

    ruff's isort rules group and order each module's imports (with ``package`` as the
    first party) and its formatter lays the code out: the templates lay code out for
    names of ordinary length, and a name of 30 characters or more makes lines that only
    a formatter wraps well. ruff is pinned to one minor version in pyproject.toml, so the
    same workload still gives the same bytes. It runs once per project on a private
    temporary folder, isolated from any configuration around it, with the generated
    project's own line length and target. A file ruff cannot parse is left as rendered:
    the project's tests and linters then report it.
    """
    python = sorted(path for path in files if path.endswith(".py"))
    if not python:
        return files
    settings = ["--isolated", "--no-cache", "--quiet", f"--line-length={LINE_LENGTH}"]
    settings.append("--target-version=py311")
    with tempfile.TemporaryDirectory(prefix="dbadvisor-format-") as folder:
        root = Path(folder)
        for index, path in enumerate(python):
            # Numbered names: the project's paths are not needed to format its modules.
            (root / f"m{index}.py").write_text(files[path], encoding="utf-8")
        first_party = f"lint.isort.known-first-party = [{json.dumps(package)}]"
        # The ruff installed with dbadvisor, found as ``python -m ruff`` finds it, but
        # run directly: a Python start-up less for each of the two passes.
        binary = os.fsdecode(find_ruff_bin())
        for command in (
            ["check", "--select=I,F401", "--fix", "--config", first_party],
            ["format"],
        ):
            subprocess.run([binary, *command, *settings, folder], check=False, capture_output=True)
        laid_out = {
            path: (root / f"m{index}.py").read_text(encoding="utf-8")
            for index, path in enumerate(python)
        }
    return {**files, **laid_out}
