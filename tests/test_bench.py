"""The benchmarks run with the command their docs give (`python bench/<script>.py`), and
`make bench` runs every one of them."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "bench").glob("*.py"))


def test_no_script_shadows_a_project_package() -> None:
    """Python puts bench/ first on the import path: bench/bot.py once hid the bot package."""
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert packages >= {"bot", "storage", "tests"}
    assert {script.stem for script in SCRIPTS} & packages == set()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_starts_with_its_documented_command(script: Path) -> None:
    """`--help` gets past every import of the script, run as its docstring says."""
    documented = f"python bench/{script.name}"
    assert documented in script.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, f"bench/{script.name}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_make_bench_runs_every_script() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"bench/(\w+\.py)", target)) == {s.name for s in SCRIPTS}
