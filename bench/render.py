"""Render speed: one warm render (template prepared once) against docxtpl's naive
load-render-save of the same template and data, in the same run.

    python bench/render.py [--rounds 30]

Target: warm <= 0.25 x naive.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from docxtpl import DocxTemplate

from bot.core.answers import load_answers, parse_answers
from bot.core.render import ReportRenderer, report_context

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
    rounds = parser.parse_args().rounds
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


if __name__ == "__main__":
    main()
