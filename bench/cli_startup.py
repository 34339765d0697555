"""Command-line speed: `nianbao check`, `render` and `report read` as whole processes, each
against a bare docxtpl script doing the same job, in the same run.

    python bench/cli_startup.py [--rounds 15]

A person waits for the whole process: the interpreter, every import, the work. The bare
scripts (issue 24's baseline): `check` imports docxtpl, loads the answers and the form
definition with PyYAML and sums the numbers (no checks: a floor); `render` is docxtpl's
documented load-render-save of the same template with the answers as its context;
`report read` and `check` of a .docx open the report with python-docx (docxtpl's base) and
collect every paragraph's and cell's text, dumped as YAML. The two sides of a case
alternate, so whatever the machine does moves both alike; medians. Verdict on CPU time (user
+ system), which a busy machine disturbs far less than wall time; wall time is printed too.
Target: nianbao <= 1.5 x the bare script.

Both sides run with their modules' bytecode cached, as an installed package's is (pip
compiles it; a checkout writes `__pycache__` on its first run): the processes get a cache
directory of their own (PYTHONPYCACHEPREFIX) filled by a warm-up run, even where the
environment says PYTHONDONTWRITEBYTECODE (which would make nianbao compile its sixty modules
from source on every call, about 30 ms, and the bare scripts nothing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
KIND = "gov-disclosure-2021"
FORM = ROOT / "templates" / KIND / "form.yaml"
TEMPLATE = ROOT / "templates" / KIND / "report.docx"
NIANBAO = Path(sys.executable).parent / "nianbao"
TARGET = 1.5

BARE_CHECK = """
import sys, yaml
import docxtpl
with open(sys.argv[1], encoding="utf-8") as f:
    answers = yaml.safe_load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    form = yaml.safe_load(f)
numbers = [v for v in answers["values"].values() if isinstance(v, (int, float))]
print(len(form), len(numbers), sum(numbers))
"""

BARE_RENDER = """
import sys, yaml
from docxtpl import DocxTemplate
with open(sys.argv[1], encoding="utf-8") as f:
    answers = yaml.safe_load(f)
document = DocxTemplate(sys.argv[2])
context = {
    "title": answers["agency"], "agency": answers["agency"], "year": answers["year"],
    "v": {k: str(v) for k, v in answers["values"].items()}, "text": {}, "draft": False,
}
document.render(context, autoescape=True)
document.save(sys.argv[3])
print(sys.argv[3])
"""

BARE_READ = """
import sys, yaml
from docx import Document
document = Document(sys.argv[1])
texts = {
    "paragraphs": [p.text for p in document.paragraphs],
    "cells": [[c.text for c in row.cells] for t in document.tables for row in t.rows],
}
print(yaml.safe_dump(texts, allow_unicode=True))
"""


def run(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(part) for part in command],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: findings or unread cells, still a full run
        raise SystemExit(f"{command} failed:\n{errors}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    python = sys.executable
    with tempfile.TemporaryDirectory() as work:
        environment = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": str(Path(work) / "bytecode"),
        }
        report = Path(work) / "report.docx"
        subprocess.run(
            [NIANBAO, "render", SAMPLE, "-o", report],
            check=True,
            capture_output=True,
            env=environment,
        )
        cases = [
            (
                "check (answers file)",
                [python, "-c", BARE_CHECK, SAMPLE, FORM],
                [NIANBAO, "check", SAMPLE],
            ),
            (
                "render",
                [python, "-c", BARE_RENDER, SAMPLE, TEMPLATE, Path(work) / "bare.docx"],
                [NIANBAO, "render", SAMPLE, "-o", Path(work) / "nianbao.docx"],
            ),
            (
                "report read",
                [python, "-c", BARE_READ, report],
                [NIANBAO, "report", "read", report],
            ),
            ("check (.docx)", [python, "-c", BARE_READ, report], [NIANBAO, "check", report]),
        ]
        print(
            f"{rounds} rounds each, alternating; ms per process, median (min). CPU = the "
            "process's user + system time, what it costs whatever else the machine runs.\n"
        )
        print("| command | bare CPU | nianbao CPU | ratio | bare wall | nianbao wall | ratio |")
        print("|---|---|---|---|---|---|---|")
        verdicts = []
        for label, bare_command, nianbao_command in cases:
            bare: list[tuple[float, float]] = []
            ours: list[tuple[float, float]] = []
            # Warm the page cache and write the bytecode.
            run(bare_command, environment), run(nianbao_command, environment)
            for _ in range(rounds):
                bare.append(run(bare_command, environment))
                ours.append(run(nianbao_command, environment))
            cells = []
            for index in (1, 0):  # CPU, then wall
                b = [sample[index] for sample in bare]
                o = [sample[index] for sample in ours]
                ratio = statistics.median(o) / statistics.median(b)
                cells += [
                    f"{statistics.median(b):.0f} ({min(b):.0f})",
                    f"{statistics.median(o):.0f} ({min(o):.0f})",
                    f"{ratio:.2f}",
                ]
                if index == 1:
                    verdicts.append((label, ratio))
            print(f"| {label} | {' | '.join(cells)} |")
        print()
        for label, ratio in verdicts:
            verdict = "met" if ratio <= TARGET else "NOT met"
            print(f"{label}: {ratio:.2f} x the bare script's CPU (target <= {TARGET:g}): {verdict}")


if __name__ == "__main__":
    main()
