"""Generates `templates/<kind>/report.docx`, the docxtpl template, from the form definition.

The layout follows the official template (国办公开办函〔2021〕30号 / 〔2019〕60号) and GB/T 9704:
A4, margins 37/35/28/26 mm, 方正小标宋 title, 黑体 headings, 仿宋_GB2312 body. Tables are laid
out cell for cell like the official ones, with merged header cells. Each cell holds a tag
`{{ v['<field id>'] }}`, so the template and the form cannot drift apart: run
`nianbao template build` after changing a form.yaml.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.core.form import ReportForm, Section

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
TEXT_WIDTH_MM = 156  # A4 210 mm less the 28 mm and 26 mm side margins


def build_template(form: ReportForm, path: Path | None = None) -> Path:
    path = path or form.template_path
    document = Document()
    _page_setup(document)
    _styles(document)
    _footer_page_number(document)

    _paragraph(document, "{%p if draft %}", "Report Table")
    draft = _paragraph(document, "", "Draft Mark")
    draft.add_run("{{ draft_note }}")
    _paragraph(document, "{%p endif %}", "Report Table")
    _title(document, form)

    for section in form.sections:
        _paragraph(document, section.heading, "Section Heading")
        if section.layout == "text":
            _paragraph(document, f"{{%p for para in text['{section.id}'] %}}", "Report Body")
            _paragraph(document, "{{ para }}", "Report Body")
            _paragraph(document, "{%p endfor %}", "Report Body")
        else:
            _TABLE_LAYOUTS[section.layout](document, section)

    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
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


def _set_fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:  # type: ignore[no-untyped-def]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _styles(document) -> None:  # type: ignore[no-untyped-def]
    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(16)
    _set_fonts(normal.element, BODY_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)

    def paragraph_style(
        name: str,
        font: str,
        size: float,
        *,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,  # type: ignore[no-untyped-def]
        indent_chars: int = 0,
        exact: float | None = 28.95,
        bold: bool = False,
        color: RGBColor | None = None,
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.font.bold = bold
        if color is not None:
            style.font.color.rgb = color
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
    heading = paragraph_style("Section Heading", HEADING_FONT, 16, indent_chars=2)
    heading.paragraph_format.keep_with_next = True
    paragraph_style("Report Body", BODY_FONT, 16, indent_chars=2)
    paragraph_style("Report Table", BODY_FONT, 10, align=WD_ALIGN_PARAGRAPH.CENTER, exact=None)
    paragraph_style(
        "Draft Mark",
        HEADING_FONT,
        14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        exact=None,
        bold=True,
        color=RGBColor(0xC0, 0x00, 0x00),
    )


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


def _footer_page_number(document) -> None:  # type: ignore[no-untyped-def]
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
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
    for run in paragraph.runs:
        run.font.size = Pt(14)
        _set_fonts(run._r, "宋体")


# --- tables ----------------------------------------------------------------------------------


def _table(document, rows: int, widths_mm: list[float], header_rows: int) -> Table:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Word and LibreOffice lay a fixed table out from its grid, not from the cell widths.
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
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
            cell.paragraphs[0].style = document.styles["Report Table"]
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
    paragraph.add_run(text)
    return cell


def _list_table(document, section: Section) -> None:  # type: ignore[no-untyped-def]
    """Table 二: per 第二十条 item a full-width heading, a column header and its rows."""
    data_cols = max(len(g.columns) for g in section.groups)
    label_mm = 52.0
    widths = [label_mm] + [(TEXT_WIDTH_MM - label_mm) / data_cols] * data_cols
    rows = sum(2 + len(g.rows) for g in section.groups)
    table = _table(document, rows, widths, header_rows=0)
    r = 0
    for group in section.groups:
        _put(table, r, 0, group.heading, to_col=data_cols)
        spans = _spans(len(group.columns), data_cols)
        _put(table, r + 1, 0, section.row_header or "")
        for text, (start, end) in zip(group.columns, spans, strict=True):
            _put(table, r + 1, 1 + start, text, to_col=1 + end)
        for offset, row in enumerate(group.rows, start=2):
            _put(table, r + offset, 0, row.label)
            for field_id, (start, end) in zip(row.fields, spans, strict=True):
                _put(table, r + offset, 1 + start, _tag(field_id), to_col=1 + end)
        r += 2 + len(group.rows)


def _spans(count: int, width: int) -> list[tuple[int, int]]:
    """Spread `count` cells over `width` columns, the last one taking what is left."""
    return [(i, i if i < count - 1 else width - 1) for i in range(count)]


def _application_table(document, section: Section) -> None:  # type: ignore[no-untyped-def]
    """Table 三: three label columns (part, group, item) and the applicant columns."""
    label_widths = [12.0, 16.0, 44.0]
    data_width = (TEXT_WIDTH_MM - sum(label_widths)) / len(section.columns)
    widths = label_widths + [data_width] * len(section.columns)
    header_rows = 3
    table = _table(document, header_rows + len(section.rows), widths, header_rows=header_rows)
    last = len(widths) - 1
    _put(table, 0, 0, section.note or "", to_row=2, to_col=2)
    _put(table, 0, 3, section.header.get("top", ""), to_col=last)
    col = 3
    for column in section.columns:
        if column.group is None:
            _put(table, 1, col, column.label, to_row=2)
        col += 1
    grouped = [i for i, c in enumerate(section.columns) if c.group]
    if grouped:
        _put(
            table,
            1,
            3 + grouped[0],
            section.columns[grouped[0]].group or "",
            to_col=3 + grouped[-1],
        )
        for i in grouped:
            _put(table, 2, 3 + i, section.columns[i].label)

    body = header_rows
    for index, row in enumerate(section.rows):
        r = body + index
        if row.within is None:
            _put(table, r, 0, row.label, to_col=2)
        elif row.group is None:
            _put(table, r, 1, row.label, to_col=2)
        else:
            _put(table, r, 2, row.label)
        for i, column in enumerate(section.columns):
            _put(table, r, 3 + i, _tag(section.cell_field(row.id, column.id)))
    _merge_runs(table, section, body, key=lambda row: row.within, col=0)
    _merge_runs(table, section, body, key=lambda row: row.group, col=1)


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
    """Table 四: one row of figures, 行政复议 beside 行政诉讼's two kinds."""
    width = TEXT_WIDTH_MM / (len(section.rows) * len(section.columns))
    n = len(section.columns)
    table = _table(document, 4, [width] * (len(section.rows) * n), header_rows=3)
    index = 0
    while index < len(section.rows):
        row = section.rows[index]
        end = index
        while end + 1 < len(section.rows) and section.rows[end + 1].label == row.label:
            end += 1
        if row.subgroup is None:
            _put(table, 0, index * n, row.label, to_row=1, to_col=(end + 1) * n - 1)
        else:
            _put(table, 0, index * n, row.label, to_col=(end + 1) * n - 1)
            for sub in range(index, end + 1):
                _put(table, 1, sub * n, section.rows[sub].subgroup or "", to_col=(sub + 1) * n - 1)
        index = end + 1
    for g, row in enumerate(section.rows):
        for c, column in enumerate(section.columns):
            _put(table, 2, g * n + c, column.label)
            _put(table, 3, g * n + c, _tag(section.cell_field(row.id, column.id)))


_TABLE_LAYOUTS = {"list": _list_table, "grid": _application_table, "wide": _appeals_table}
