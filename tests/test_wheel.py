"""The built wheel ships rules/ and templates/: install it in a fresh venv and run it there."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

from tests.support import EXAMPLES, ROOT


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("dbadvisor-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    exe = env_dir / "bin" / "dbadvisor"
    work = tmp_path / "elsewhere"  # not the checkout: only the installed wheel can answer
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args], cwd=work, capture_output=True, text=True, check=False
        )

    assert run("--help").returncode == 0
    schema = run("schema")
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout)["title"] == "dbadvisor workload"
    example = EXAMPLES[0]
    checked = run("validate", str(example))
    assert checked.returncode == 0, checked.stderr
    rules = run("rules", "validate")
    assert rules.returncode == 0, rules.stderr
    # Every renderer and its template must be importable from the wheel, not the checkout.
    for fmt in ("markdown", "json", "text", "adr"):
        report = run("recommend", str(example), "--format", fmt)
        assert report.returncode == 0, (fmt, report.stderr)
    compared = run("compare", "redis", "dynamodb", "--format", "markdown")
    assert compared.returncode == 0, compared.stderr
    # The scaffold templates live in sub-folders of advisor.templates: they must ship too.
    for db in ("mongodb", "redis", "dynamodb"):
        scaffolded = run("scaffold", str(example), "--db", db, "-o", f"starter-{db}")
        assert scaffolded.returncode == 0, scaffolded.stderr
        assert (work / f"starter-{db}" / "README.md").is_file()
    located = subprocess.run(
        [
            str(python),
            "-c",
            "import advisor, advisor.rules, advisor.templates; print(advisor.__file__)",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in located.stdout
