"""Render every page of the three sample reports to PNG, for a person to look at.

    .venv/bin/python docs/tools/render_pages.py            # into docs/pages/

Each sample (tests/fixtures/samples/*.yaml) is rendered as `nianbao render` would (a draft
where its checks fail, so the draft marks show too), converted to PDF by LibreOffice with
nianbao's font mapping, and every page written as docs/pages/<sample>-<page>.png by poppler's
pdftoppm. Needs LibreOffice and poppler-utils.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.checks import check_answers  # noqa: E402
from bot.core.draft_marks import draft_options  # noqa: E402
from bot.core.pdf import make_converter  # noqa: E402
from bot.core.render import render_report  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "samples"


def render_sample(path: Path) -> bytes:
    answers = load_answers(path)
    parsed = parse_answers(answers)
    errors = [f for f in check_answers(answers) if f.severity == "error"]
    return render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=parsed.values,
        **draft_options(errors),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "pages")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    converter = make_converter(mode="auto")
    try:
        for sample in sorted(SAMPLES.glob("*.yaml")):
            pdf = converter.convert(render_sample(sample))
            with tempfile.TemporaryDirectory() as work:
                source = Path(work) / "report.pdf"
                source.write_bytes(pdf)
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        str(args.dpi),
                        "-png",
                        str(source),
                        str(args.out / sample.stem),
                    ],
                    check=True,
                )
            pages = sorted(args.out.glob(f"{sample.stem}-*.png"))
            print(f"{sample.stem}: {len(pages)} pages")
    finally:
        converter.close()


if __name__ == "__main__":
    main()
