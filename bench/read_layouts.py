"""The table of docs/reading.md: every sample in every hand-made layout, read back and compared
cell by cell with the published figures: read right, listed, or wrong (must stay 0).

    python bench/read_layouts.py      # PDFs too when soffice is installed (about a minute)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the hand-made layouts live with the tests

from bot.core.answers import AnswersFile, load_answers, parse_answers  # noqa: E402
from bot.core.checks import complete_values  # noqa: E402
from bot.core.reader import DocxReadError, ReadResult, read_report  # noqa: E402
from tests.core.handmade_docx import (  # noqa: E402
    Layout,
    handmade_report,
    printed_cells,
    single_other_row,
)
from tests.core.handmade_html import Shape, handmade_page  # noqa: E402
from tests.core.reading_support import paragraphs_of, print_pdfs  # noqa: E402

SAMPLES = sorted((ROOT / "tests" / "fixtures" / "samples").glob("*.yaml"))
Maker = Callable[[AnswersFile], bytes]


def word(layout: Layout | Callable[[AnswersFile], Layout], zero: str | None = None) -> Maker:
    def make(answers: AnswersFile) -> bytes:
        cells = printed_cells(answers)
        if zero is not None:
            cells = {f: zero if v == "0" else v for f, v in cells.items()}
        return handmade_report(
            answers.form,
            agency=answers.agency,
            year=answers.year,
            cells=cells,
            texts=paragraphs_of(answers),
            layout=layout if isinstance(layout, Layout) else layout(answers),
        )

    return make


def page(shape: Shape) -> Maker:
    def make(answers: AnswersFile) -> bytes:
        return handmade_page(
            answers.form,
            agency=answers.agency,
            year=answers.year,
            cells=printed_cells(answers),
            texts=paragraphs_of(answers),
            shape=shape,
        )

    return make


LAYOUTS: dict[str, tuple[str, Maker]] = {
    "Word: plain": ("docx", word(Layout())),
    "Word: sections in one-cell tables": ("docx", word(Layout(boxed_texts=True))),
    "Word: bold run-in headings": ("docx", word(Layout(run_in_headings=True))),
    "Word: 合计 for 总计": ("docx", word(Layout(relabel=lambda t: t.replace("总计", "合计")))),
    "Word: group and first row in one cell": ("docx", word(Layout(group_in_first_row=True))),
    "Word: single （六）其他处理 row": ("docx-single", word(Layout(single_other_row=True))),
    "Word: signature and date after 六": (
        "docx",
        word(Layout(signature=("某某单位办公室", "2025年1月20日"))),
    ),
    "Word: title year first": (
        "docx",
        word(lambda a: Layout(title=(f"{a.year}年度{a.agency}政府信息公开工作年度报告",))),
    ),
    "Word: zeros as “—”": ("docx", word(Layout(), zero="—")),
    "Word: zeros as “—”, accepted": ("docx+zero", word(Layout(), zero="—")),
    "HTML: UTF-8 article": ("html", page(Shape())),
    "HTML: GBK in a layout table": ("html", page(Shape(encoding="gbk", layout_table=True))),
    "HTML: GB2312, bold headings, <br> in labels": (
        "html",
        page(Shape(encoding="gb2312", bold_headings=True, br_in_labels=True)),
    ),
    "HTML: zeros as “/”": ("html", page(Shape(zero_mark="/"))),
    "PDF: from Word (LibreOffice)": ("pdf", word(Layout())),
    "PDF: from Word, group in first row, 合计": (
        "pdf",
        word(Layout(group_in_first_row=True, relabel=lambda t: t.replace("总计", "合计"))),
    ),
    "PDF: from the web page (LibreOffice)": ("pdf-html", page(Shape(chrome=False))),
}


def compare(result: ReadResult, answers: AnswersFile, single: bool) -> tuple[int, int, int]:
    """Cells read right, listed (not read), and read wrong. With the single （六）其他处理 row
    printed, "3.其他" is right holding the group's figure (as the samples keep it)."""
    expected = complete_values(answers.form, parse_answers(answers).values)
    if single and "s3.other_other.total" in expected:
        _, figures = single_other_row(answers.form.section("s3"), printed_cells(answers))
        expected |= {f: int(v) for f, v in figures.items()}
    got = parse_answers(result.answers).values
    right = listed = wrong = 0
    for field_id in answers.form.numeric_fields:
        if field_id not in got:
            listed += 1
        elif got[field_id] == expected[field_id]:
            right += 1
        else:
            wrong += 1
    return right, listed, wrong


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        to_print: dict[tuple[str, str], Path] = {}
        rows = []
        for number, (name, (kind, make)) in enumerate(LAYOUTS.items()):
            for sample in SAMPLES:
                answers = load_answers(sample)
                data = make(answers)
                if kind.startswith("pdf"):
                    suffix = ".html" if kind == "pdf-html" else ".docx"
                    path = folder / f"{number}-{sample.stem}{suffix}"
                    path.write_bytes(data)
                    to_print[(name, sample.stem)] = path
                    continue
                rows.append((name, sample.stem, answers, data, kind))
        if to_print and print_pdfs(list(to_print.values()), folder / "pdf"):
            for (name, stem), path in to_print.items():
                answers = load_answers(next(s for s in SAMPLES if s.stem == stem))
                rows.append(
                    (name, stem, answers, (folder / "pdf" / f"{path.stem}.pdf").read_bytes(), False)
                )
        print("| layout | sample | cells | read right | listed | wrong | texts read | problems |")
        print("|---|---|---|---|---|---|---|---|")
        for name, stem, answers, data, kind in rows:
            try:
                result = read_report(data, blank_as_zero=kind == "docx+zero")
            except DocxReadError as exc:
                print(f"| {name} | {stem} | refused: {exc} |")
                continue
            right, listed, wrong = compare(result, answers, kind == "docx-single")
            print(
                f"| {name} | {stem} | {result.cells_total} | {right} | {listed} | {wrong} "
                f"| {result.texts_read}/{result.texts_total} | {len(result.problems)} |"
            )


if __name__ == "__main__":
    main()
