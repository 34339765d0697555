"""Render speed: one warm render (template prepared once) against docxtpl's naive
load-render-save of the same template and data, in the same run; then the PDF of a report:
the warm converter (LibreOffice kept running behind unoserver) against a cold `soffice
--headless --convert-to pdf` per report.

    python bench/render.py [--rounds 30] [--pdf-rounds 5]   # --pdf-rounds 0: no PDF part

Targets: warm <= 0.25 x naive; warm PDF <= 0.5 x cold soffice.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from docxtpl import DocxTemplate

from bot.core.answers import load_answers, parse_answers
from bot.core.pdf import LibreOfficeMissing, make_converter
from bot.core.render import ReportRenderer, render_report, report_context

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"


def naive(template: Path, context: dict) -> bytes:
    document = DocxTemplate(template)
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def timed(func, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pdf-rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = args.rounds
    answers = load_answers(SAMPLE)
    form = answers.form
    context = report_context(
        form, agency=answers.agency, year=answers.year, values=parse_answers(answers).values
    )
    renderer = ReportRenderer(form.template_path)
    renderer.render(context)
    naive(form.template_path, context)

    warm_ms = timed(lambda: renderer.render(context), rounds)
    naive_ms = timed(lambda: naive(form.template_path, context), rounds)
    warm, cold = statistics.median(warm_ms), statistics.median(naive_ms)
    print(f"sample: {SAMPLE.name}, {rounds} rounds each, median (p90)")
    print("| render | median ms | p90 ms |")
    print("|---|---|---|")
    for name, data in (("docxtpl naive load-render-save", naive_ms), ("nianbao warm", warm_ms)):
        p90 = statistics.quantiles(data, n=10)[-1]
        print(f"| {name} | {statistics.median(data):.1f} | {p90:.1f} |")
    ratio = warm / cold
    print(f"\nwarm / naive = {ratio:.3f} (target <= 0.25): {'met' if ratio <= 0.25 else 'NOT met'}")
    if args.pdf_rounds:
        bench_pdf(args.pdf_rounds)


def bench_pdf(rounds: int) -> None:
    """Seconds from a rendered .docx to its PDF, per report, each way of running LibreOffice."""
    answers = load_answers(SAMPLE)
    docx = render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=parse_answers(answers).values,
    )
    rows = []
    for mode, label in (("unoserver", "warm (unoserver)"), ("soffice", "cold soffice")):
        try:
            converter = make_converter(mode=mode)  # type: ignore[arg-type]
        except LibreOfficeMissing:
            print("\nPDF: LibreOffice is not installed, skipped")
            return
        try:
            first = timed(lambda c=converter: c.convert(docx), 1)[0] / 1000
            seconds = [ms / 1000 for ms in timed(lambda c=converter: c.convert(docx), rounds)]
        finally:
            converter.close()
        rows.append((label, first, seconds))
    print(f"\nPDF of {SAMPLE.name}: first conversion (fresh profile, start-up), then {rounds} more")
    print("| converter | first s | median s | p90 s |")
    print("|---|---|---|---|")
    for label, first, seconds in rows:
        p90 = statistics.quantiles(seconds, n=10)[-1] if len(seconds) > 1 else seconds[0]
        print(f"| {label} | {first:.2f} | {statistics.median(seconds):.2f} | {p90:.2f} |")
    ratio = statistics.median(rows[0][2]) / statistics.median(rows[1][2])
    print(f"\nwarm / cold = {ratio:.2f} (target <= 0.5): {'met' if ratio <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
