"""Reading speed: one published report read in-process, as Word, as a saved web page, and as
the PDFs LibreOffice prints from them (skipped without soffice).

    python bench/read.py [--rounds 20] [--sample tongjiang-gxkjj-2020]

The report is laid out by hand (tests/core/handmade_docx.py, handmade_html.py), not by our
renderer. Targets: <= 300 ms for .docx and HTML, <= 1 s for PDF (median CPU time of the
read, warm process; the wall time is shown too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the hand-made layouts live with the tests

from bot.core.answers import load_answers  # noqa: E402
from bot.core.reader import read_report  # noqa: E402
from tests.core.handmade_docx import handmade_report, printed_cells  # noqa: E402
from tests.core.handmade_html import Shape, handmade_page  # noqa: E402
from tests.core.reading_support import paragraphs_of, print_pdfs  # noqa: E402

TARGET_MS = {"docx": 300.0, "html": 300.0, "pdf": 1000.0}


def sources(sample: str, folder: Path) -> dict[str, Path]:
    answers = load_answers(ROOT / "tests" / "fixtures" / "samples" / f"{sample}.yaml")
    spec = dict(
        agency=answers.agency,
        year=answers.year,
        cells=printed_cells(answers),
        texts=paragraphs_of(answers),
    )
    files = {
        "docx": folder / "report.docx",
        "html": folder / "report.html",
    }
    files["docx"].write_bytes(handmade_report(answers.form, **spec))  # type: ignore[arg-type]
    page = handmade_page(answers.form, shape=Shape(encoding="gbk", layout_table=True), **spec)  # type: ignore[arg-type]
    files["html"].write_bytes(page)
    if print_pdfs([files["docx"]], folder / "pdf"):
        files["pdf"] = folder / "pdf" / "report.pdf"
    return files


def pages(path: Path) -> str:
    if path.suffix != ".pdf" or shutil.which("pdfinfo") is None:
        return ""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "")


def timed(path: Path, rounds: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU milliseconds of each read. The read is single-threaded and does no I/O,
    so on an idle machine the wait is its CPU time; on a shared one the wall time also
    counts waiting for a core."""
    data = path.read_bytes()
    result = read_report(data)  # warm: forms loaded, modules imported
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        read_report(data)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu, result.cells_read, result.cells_total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sample", default="tongjiang-gxkjj-2020")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = sources(args.sample, Path(tmp))
        printed = pages(files["pdf"]) if "pdf" in files else "?"
        print(f"sample: {args.sample} ({printed} A4 pages as printed), {args.rounds} rounds each")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| format | cells read | CPU median ms | CPU p90 ms | wall median ms | target ms | |")
        print("|---|---|---|---|---|---|---|")
        for name, path in files.items():
            wall, cpu, read, total = timed(path, args.rounds)
            median = statistics.median(cpu)
            p90 = statistics.quantiles(cpu, n=10)[-1]
            met = "met" if median <= TARGET_MS[name] else "NOT met"
            print(
                f"| {name} | {read}/{total} | {median:.0f} | {p90:.0f} "
                f"| {statistics.median(wall):.0f} | {TARGET_MS[name]:.0f} | {met} |"
            )
        if "pdf" not in files:
            print("\nsoffice not found: no PDF measured")


if __name__ == "__main__":
    main()
