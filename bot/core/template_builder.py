"""Generates `templates/<kind>/report.docx`, the docxtpl template, from the form definition.

The layout follows the official template (国办公开办函〔2021〕30号 / 〔2019〕60号) and GB/T 9704:
A4, margins 37/35/28/26 mm, a grid of 22 lines × 28 characters, 方正小标宋 title, 黑体
headings, 仿宋_GB2312 body, tables in 五号, page numbers "— 1 —" in 四号 宋体 on the outer side
one character in (odd pages right, even pages left). Tables are laid out cell for cell like
the official ones, with merged header cells. Each value cell holds a tag `{{ v['<field id>'] }}`
and, in its properties, the tags that shrink a figure too wide for the cell (`fit`) and shade a
draft's blank or wrong cells (`shade`); so the template and the form cannot drift apart: run
`nianbao template build` after changing a form.yaml.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.core.cell_fit import TABLE_PT
from bot.core.docx_package import (
    BODY_FONT,
    HEADING_FONT,
    LANGUAGE,
    LATIN_FONT,
    LATIN_LANGUAGE,
    SONG_FONT,
    TITLE_FONT,
    chinese_defaults,
)
from bot.core.form import ReportForm, Section

TEXT_WIDTH_MM = 156  # A4 210 mm less the 28 mm and 26 mm side margins
BODY_PT = 16  # 三号
# GB/T 9704: 22 lines of 28 characters in the 156 × 225 mm type area. The lines are the
# document grid (and the body's exact 28.95 pt line spacing); the 28 characters are 三号 set
# 0.25 pt closer (28 × 15.75 pt fits the 442 pt line; at 16 pt only 27 would). A character
# grid (linesAndChars) would do the same in Word, but LibreOffice spreads the text over it.
LINE_PITCH_TWIPS = 579  # 225 mm / 22 lines
BODY_CHAR_SPACING_TWIPS = -5
CELL_MARGIN_MM = 1.0  # left and right, narrower than Word's 1.9 mm: the grids are narrow
PAGE_NUMBER_PT = 14  # 四号
TABLE_LEADING_PT = 13.0


def build_template(form: ReportForm, path: Path | None = None) -> Path:
    path = path or form.template_path
    document = Document()
    _page_setup(document)
    _styles(document)
    _headers_and_page_numbers(document)
    _title(document, form)

    for section in form.sections:
        _paragraph(document, section.heading, "Section Heading")
        if section.layout == "text":
            _paragraph(document, f"{{%p for para in text['{section.id}'] %}}", "Report Body")
            _paragraph(document, "{{ para }}", "Report Body")
            _paragraph(document, "{%p endfor %}", "Report Body")
        else:
            _TABLE_LAYOUTS[section.layout](document, section)

    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(chinese_defaults(buffer.getvalue()))
    return path


def _tag(field_id: str) -> str:
    return f"{{{{ v['{field_id}'] }}}}"


# --- page and styles -------------------------------------------------------------------------


def _page_setup(document) -> None:  # type: ignore[no-untyped-def]
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


def _set_fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:  # type: ignore[no-untyped-def]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _off_grid(style) -> None:  # type: ignore[no-untyped-def]
    """Set a paragraph free of the document grid: tables and page numbers keep their size."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr = style.element.get_or_add_pPr()
    ppr.insert(0, snap)


def _styles(document) -> None:  # type: ignore[no-untyped-def]
    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element, BODY_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LATIN_LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    normal.element.get_or_add_rPr().append(lang)

    def paragraph_style(
        name: str,
        font: str,
        size: float,
        *,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,  # type: ignore[no-untyped-def]
        indent_chars: int = 0,
        exact: float | None = 28.95,
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        _set_fonts(style.element, font)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.space_before = fmt.space_after = Pt(0)
        if exact is not None:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(exact)
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if indent_chars:
            ind = OxmlElement("w:ind")
            ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
            ind.set(qn("w:firstLine"), str(int(size * 20 * indent_chars)))
            style.element.get_or_add_pPr().append(ind)
        return style

    title = paragraph_style(
        "Report Title", TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, exact=None
    )
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(28)
    heading = paragraph_style("Section Heading", HEADING_FONT, BODY_PT, indent_chars=2)
    heading.paragraph_format.keep_with_next = True
    body = paragraph_style("Report Body", BODY_FONT, BODY_PT, indent_chars=2)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(BODY_CHAR_SPACING_TWIPS))
    # w:spacing precedes w:sz in a run's properties (CT_RPr's sequence).
    body.element.get_or_add_rPr().find(qn("w:sz")).addprevious(spacing)
    # Exact leading: CJK fonts' own line height (about 1.45 em in Noto CJK) would make table 三
    # taller than a page; Word and LibreOffice then agree on every row's height too.
    table = paragraph_style(
        "Report Table", BODY_FONT, TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, exact=TABLE_LEADING_PT
    )
    _off_grid(table)
    number = paragraph_style(
        "Page Number", SONG_FONT, PAGE_NUMBER_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=None
    )
    _set_fonts(number.element, SONG_FONT, latin=SONG_FONT)
    _off_grid(number)


def _title(document, form: ReportForm) -> None:  # type: ignore[no-untyped-def]
    """The title on two lines, agency first, as published reports set it."""
    agency_part, rest = form.document_title.split("{agency}", 1)
    paragraph = _paragraph(document, agency_part + "{{ agency }}", "Report Title")
    paragraph.add_run().add_break()
    paragraph.add_run(rest.replace("{year}", "{{ year }}"))


def _paragraph(container, text: str, style: str) -> Paragraph:  # type: ignore[no-untyped-def]
    paragraph = container.add_paragraph(style=style)
    if text:
        paragraph.add_run(text)
    return paragraph


def _headers_and_page_numbers(document) -> None:  # type: ignore[no-untyped-def]
    """Empty headers (a draft's mark goes there) and GB/T 9704 page numbers: "— 1 —" on the
    outer side, one character in from the edge of the type area."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        header.paragraphs[0].style = document.styles["Page Number"]
        header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    one_char = Pt(PAGE_NUMBER_PT)
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles["Page Number"]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = one_char
        else:
            paragraph.paragraph_format.left_indent = one_char
        _page_number_runs(paragraph)


def _page_number_runs(paragraph: Paragraph) -> None:
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run(" —")


# --- tables ----------------------------------------------------------------------------------


class _Grid:
    """A table under construction with the width of each of its grid columns."""

    def __init__(self, document, widths_mm: Sequence[float], rows: int, header_rows: int):  # type: ignore[no-untyped-def]
        self.widths_mm = list(widths_mm)
        self.table = _table(document, rows, self.widths_mm, header_rows)

    def put(
        self, row: int, col: int, text: str, *, to_row: int | None = None, to_col: int | None = None
    ) -> _Cell:
        return _put(self.table, row, col, text, to_row=to_row, to_col=to_col)

    def put_value(self, row: int, col: int, field_id: str, *, to_col: int | None = None) -> None:
        """A figure's cell: its tag, and the tags that fit and shade it (see the module doc)."""
        cell = self.put(row, col, "", to_col=to_col)
        width_mm = sum(self.widths_mm[col : (to_col if to_col is not None else col) + 1])
        width_pt = round(Mm(width_mm - 2 * CELL_MARGIN_MM).pt, 1)
        run = cell.paragraphs[0].add_run(_tag(field_id))
        run._r.get_or_add_rPr().text = f"{{{{ fit(v['{field_id}'], {width_pt}) }}}}"
        # w:shd goes before w:vAlign in the cell properties (CT_TcPr's sequence).
        valign = cell._tc.tcPr.find(qn("w:vAlign"))
        before = valign.getprevious()
        before.tail = f"{{{{ shade['{field_id}'] }}}}"


def _table(document, rows: int, widths_mm: list[float], header_rows: int) -> Table:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    # Word and LibreOffice lay a fixed table out from its grid, not from the cell widths.
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(Mm(CELL_MARGIN_MM).twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.append(margins)
    for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        grid_col.w = Mm(width)
    for row_index, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")
        tr_pr.append(cant_split)
        if row_index < header_rows:
            # Repeat the header when a long table runs onto the next page.
            tr_pr.append(OxmlElement("w:tblHeader"))
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles["Report Table"]
            # Every row keeps with the next: the official tables fit on one page, so a table
            # never starts with a few rows at a page foot, never leaves a header row alone and
            # never splits a row group from its label (Word and LibreOffice both honour it).
            paragraph.paragraph_format.keep_with_next = row_index < rows - 1
    return table


def _put(
    table: Table,
    row: int,
    col: int,
    text: str,
    *,
    to_row: int | None = None,
    to_col: int | None = None,
) -> _Cell:
    cell = table.cell(row, col)
    if (to_row is not None and to_row != row) or (to_col is not None and to_col != col):
        cell = cell.merge(
            table.cell(to_row if to_row is not None else row, to_col if to_col is not None else col)
        )
    for extra in cell.paragraphs[1:]:
        extra._element.getparent().remove(extra._element)
    paragraph = cell.paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    if text:
        paragraph.add_run(text)
    return cell


def _list_table(document, section: Section) -> None:  # type: ignore[no-untyped-def]
    """Table 二: per 第二十条 item a full-width heading, a column header and its rows."""
    data_cols = max(len(g.columns) for g in section.groups)
    label_mm = 52.0
    widths = [label_mm] + [(TEXT_WIDTH_MM - label_mm) / data_cols] * data_cols
    rows = sum(2 + len(g.rows) for g in section.groups)
    grid = _Grid(document, widths, rows, header_rows=0)
    r = 0
    for group in section.groups:
        grid.put(r, 0, group.heading, to_col=data_cols)
        spans = _spans(len(group.columns), data_cols, section.spare_columns)
        grid.put(r + 1, 0, section.row_header or "")
        for text, (start, end) in zip(group.columns, spans, strict=True):
            grid.put(r + 1, 1 + start, text, to_col=1 + end)
        for offset, row in enumerate(group.rows, start=2):
            grid.put(r + offset, 0, row.label)
            for field_id, (start, end) in zip(row.fields, spans, strict=True):
                grid.put_value(r + offset, 1 + start, field_id, to_col=1 + end)
        r += 2 + len(group.rows)


def _spans(count: int, width: int, spare: str) -> list[tuple[int, int]]:
    """Spread `count` cells over `width` columns: the last one takes what is left ("span"), or
    the columns left over stay empty cells of their own ("blank")."""
    if spare == "blank":
        return [(i, i) for i in range(count)]
    return [(i, i if i < count - 1 else width - 1) for i in range(count)]


def _application_table(document, section: Section) -> None:  # type: ignore[no-untyped-def]
    """Table 三: three label columns (part, group, item) and the applicant columns."""
    label_widths = [12.0, 16.0, 44.0]
    data_width = (TEXT_WIDTH_MM - sum(label_widths)) / len(section.columns)
    widths = label_widths + [data_width] * len(section.columns)
    header_rows = 3
    grid = _Grid(document, widths, header_rows + len(section.rows), header_rows=header_rows)
    last = len(widths) - 1
    grid.put(0, 0, section.note or "", to_row=2, to_col=2)
    grid.put(0, 3, section.header.get("top", ""), to_col=last)
    col = 3
    for column in section.columns:
        if column.group is None:
            grid.put(1, col, column.label, to_row=2)
        col += 1
    grouped = [i for i, c in enumerate(section.columns) if c.group]
    if grouped:
        grid.put(
            1,
            3 + grouped[0],
            section.columns[grouped[0]].group or "",
            to_col=3 + grouped[-1],
        )
        for i in grouped:
            grid.put(2, 3 + i, section.columns[i].label)

    body = header_rows
    for index, row in enumerate(section.rows):
        r = body + index
        if row.within is None:
            grid.put(r, 0, row.label, to_col=2)
        elif row.group is None:
            grid.put(r, 1, row.label, to_col=2)
        else:
            grid.put(r, 2, row.label)
        for i, column in enumerate(section.columns):
            grid.put_value(r, 3 + i, section.cell_field(row.id, column.id))
    _merge_runs(grid.table, section, body, key=lambda row: row.within, col=0)
    _merge_runs(grid.table, section, body, key=lambda row: row.group, col=1)


def _merge_runs(table: Table, section: Section, body: int, *, key, col: int) -> None:  # type: ignore[no-untyped-def]
    """Vertically merge the label cells of consecutive rows that share a part or group."""
    index = 0
    rows = section.rows
    while index < len(rows):
        value = key(rows[index])
        end = index
        while end + 1 < len(rows) and value is not None and key(rows[end + 1]) == value:
            end += 1
        if value is not None:
            _put(table, body + index, col, value, to_row=body + end)
        index = end + 1


def _appeals_table(document, section: Section) -> None:  # type: ignore[no-untyped-def]
    """Table 四 as in both official formats: 行政复议 and 行政诉讼 in the first header row;
    under 行政复议 its five result labels spanning rows 2–3; under 行政诉讼 its two kinds in
    row 2 with their five result labels in row 3; one row of figures."""
    n = len(section.columns)
    width = TEXT_WIDTH_MM / (len(section.rows) * n)
    grid = _Grid(document, [width] * (len(section.rows) * n), 4, header_rows=3)
    index = 0
    while index < len(section.rows):
        row = section.rows[index]
        end = index
        while end + 1 < len(section.rows) and section.rows[end + 1].label == row.label:
            end += 1
        grid.put(0, index * n, row.label, to_col=(end + 1) * n - 1)
        for sub in range(index, end + 1):
            subgroup = section.rows[sub].subgroup
            for c, column in enumerate(section.columns):
                if subgroup is None:
                    grid.put(1, sub * n + c, column.label, to_row=2)
                else:
                    grid.put(2, sub * n + c, column.label)
            if subgroup is not None:
                grid.put(1, sub * n, subgroup, to_col=(sub + 1) * n - 1)
        index = end + 1
    for g, row in enumerate(section.rows):
        for c, column in enumerate(section.columns):
            grid.put_value(3, g * n + c, section.cell_field(row.id, column.id))


_TABLE_LAYOUTS = {"list": _list_table, "grid": _application_table, "wide": _appeals_table}
