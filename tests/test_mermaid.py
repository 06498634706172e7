"""Every Mermaid block of the golden reports renders with mermaid-cli in a real Chromium.

mermaid-cli is installed by ``.ci/run`` (``npm install`` with ``PUPPETEER_SKIP_DOWNLOAD=1``)
and driven into Debian's ``chromium`` through a puppeteer config. Off CI the test skips
when either is missing; with ``DBADVISOR_REQUIRE_MERMAID=1`` (set by CI) it fails instead,
so a broken diagram can never pass unnoticed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import ROOT

GOLDEN = ROOT / "tests" / "golden" / "reports"
Render = Callable[[str, str], "subprocess.CompletedProcess[str]"]
BLOCK = re.compile(r"^```mermaid\n(.*?)^```$", re.S | re.M)


def _tool(name: str, *candidates: Path) -> str | None:
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return shutil.which(name)


MMDC = os.environ.get("MMDC") or _tool(
    "mmdc", ROOT / ".ci" / "node" / "node_modules" / ".bin" / "mmdc"
)
CHROMIUM = os.environ.get("CHROMIUM") or _tool("chromium", Path("/usr/bin/chromium"))


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """A function that renders one Mermaid diagram to SVG and returns mmdc's result."""
    if not (MMDC and CHROMIUM):
        if os.environ.get("DBADVISOR_REQUIRE_MERMAID"):
            pytest.fail(f"mermaid-cli ({MMDC}) or chromium ({CHROMIUM}) is missing")
        pytest.skip("mermaid-cli or chromium not installed (CI installs both)")
    folder = tmp_path_factory.mktemp("mermaid")
    config = folder / "puppeteer.json"
    config.write_text(
        json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox", "--headless=new"]}),
        encoding="utf-8",
    )

    def run(name: str, markdown: str) -> subprocess.CompletedProcess[str]:
        # A Markdown input renders all its blocks in one browser session (out-N.svg).
        source = folder / f"{name}.md"
        source.write_text(markdown, encoding="utf-8")
        (folder / name).mkdir()
        command = [
            MMDC or "",
            "-q",
            "-p",
            str(config),
            "-i",
            str(source),
            "-o",
            str(folder / name / "out.md"),
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    return run


def _reports() -> list[Path]:
    return sorted(GOLDEN.glob("*.md"))


def test_the_reports_have_diagrams() -> None:
    diagrams = [m.group(1) for r in _reports() for m in BLOCK.finditer(r.read_text("utf-8"))]
    assert any(d.lstrip().startswith("flowchart") for d in diagrams)
    assert any(d.lstrip().startswith("xychart-beta") for d in diagrams)


def test_every_diagram_renders(render: Render, tmp_path: Path) -> None:
    with_diagrams = [r for r in _reports() if BLOCK.search(r.read_text("utf-8"))]
    assert with_diagrams
    for report in with_diagrams:
        text = report.read_text("utf-8")
        name = report.name.replace(".", "_")
        result = render(name, text)
        assert result.returncode == 0, f"{report.name}: {result.stderr[-800:]}"
        svgs = list((Path(str(result.args[-1])).parent).glob("out-*.svg"))
        assert len(svgs) == len(BLOCK.findall(text)), report.name


def test_a_broken_diagram_fails(render: Render) -> None:
    broken = '# Report\n\n```mermaid\nxychart-beta\n    x-axis ["a", "b"\n    bar [1, 2]\n```\n'
    assert render("broken", broken).returncode != 0
