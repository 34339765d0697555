"""Reports as government portals publish them, written as HTML by hand (not by our renderer).

The shapes seen on portals: the article inside a layout table of the site, navigation above
and a footer below, GBK or UTF-8, headings in <strong> or styled <p>, table cells merged
with rowspan/colspan, labels broken with <br>, inline styles everywhere, &nbsp; padding.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from bot.core.form import ReportForm, Section


@dataclass
class Shape:
    encoding: str = "utf-8"
    declare_charset: bool = True
    layout_table: bool = False  # the site's page is a table; the article sits in a cell
    chrome: bool = True  # navigation above, footer below the article
    bold_headings: bool = False  # <p><strong>一、总体情况</strong></p> rather than <h3>
    br_in_labels: bool = False  # long labels broken with <br>
    zero_mark: str | None = None  # zeros printed as this mark ("—", "/", "")


_P = '<p style="text-indent:2em;font-family:仿宋_GB2312;font-size:16pt;line-height:28pt">{}</p>'
_TD = '<td style="border:1px solid #000;padding:2px;text-align:center"{attrs}>{text}</td>'


def _label(text: str, shape: Shape) -> str:
    text = escape(text)
    if shape.br_in_labels and len(text) > 10:
        middle = len(text) // 2
        return f"{text[:middle]}<br/>{text[middle:]}"
    return text


def _td(text: str, shape: Shape, *, rowspan: int = 1, colspan: int = 1, label: bool = True) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
        f' colspan="{colspan}"' if colspan > 1 else ""
    )
    shown = _label(text, shape) if label else escape(text)
    if not label and shape.zero_mark is not None and text == "0":
        shown = escape(shape.zero_mark)
    return _TD.format(attrs=attrs, text=shown or "&nbsp;")


def handmade_page(
    form: ReportForm,
    *,
    agency: str,
    year: int,
    cells: Mapping[str, str],
    texts: Mapping[str, list[str]],
    shape: Shape | None = None,
) -> bytes:
    shape = shape or Shape()
    body: list[str] = [
        f'<h1 style="text-align:center">{escape(agency)}<br>{year}年政府信息公开工作年度报告</h1>',
        '<p class="info">发布时间：2025-01-20&nbsp;&nbsp;来源：办公室&nbsp;&nbsp;浏览次数：1024</p>',
        _P.format(f"本报告由{escape(agency)}办公室根据《中华人民共和国政府信息公开条例》编制。"),
    ]
    for section in form.sections:
        if shape.bold_headings:
            body.append(
                f'<p style="text-indent:2em"><strong>{escape(section.heading)}</strong></p>'
            )
        else:
            body.append(f'<h3 style="font-family:黑体">{escape(section.heading)}</h3>')
        if section.layout == "text":
            body += [_P.format(escape(p)) for p in texts.get(section.id, [])]
        elif section.layout == "list":
            body.append(_list_table(section, cells, shape))
        elif section.layout == "grid":
            body.append(_grid_table(section, cells, shape))
        else:
            body.append(_wide_table(section, cells, shape))
    article = '<div class="TRS_Editor" style="padding:10px">' + "\n".join(body) + "</div>"
    if shape.layout_table:
        article = (
            '<table width="100%" border="0"><tr><td width="20%"><a href="/">首页</a></td>'
            f'<td style="vertical-align:top">{article}</td></tr></table>'
        )
    parts = ["<!DOCTYPE html>", "<html><head>"]
    if shape.declare_charset:
        parts.append(
            f'<meta http-equiv="Content-Type" content="text/html; charset={shape.encoding}">'
        )
    parts += [
        f"<title>{escape(agency)}{year}年政府信息公开工作年度报告</title>",
        "<style>td{font-size:12px}</style><script>var x = '<table>';</script>",
        "</head><body>",
    ]
    # A spacer first, as portals have (LibreOffice, printing these pages in the PDF tests,
    # loses the first line of a page that starts with a <div>).
    parts.append("<p>&nbsp;</p>")
    if shape.chrome:
        parts.append(
            '<div class="nav"><a href="/">网站首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; '
            "<span>政府信息公开年报</span></div>"
        )
    parts.append(article)
    if shape.chrome:
        parts.append(
            '<div class="footer"><p>【打印本页】【关闭窗口】</p>'
            f"<p>主办：{escape(agency)}办公室 地址：某某路1号 电话：0000-1234567</p>"
            "<p>网站标识码：3208000001 备案号：苏ICP备00000000号</p></div>"
        )
    parts.append("</body></html>")
    return "\n".join(parts).encode(shape.encoding)


def _list_table(section: Section, cells: Mapping[str, str], shape: Shape) -> str:
    rows = []
    for group in section.groups:
        spans = [1] * len(group.columns)
        spans[-1] = 4 - len(group.columns)
        rows.append(_td(group.heading, shape, colspan=4))
        rows.append(
            _td(section.row_header or "", shape)
            + "".join(_td(c, shape, colspan=n) for c, n in zip(group.columns, spans, strict=True))
        )
        for list_row in group.rows:
            rows.append(
                _td(list_row.label, shape)
                + "".join(
                    _td(cells.get(f, ""), shape, colspan=n, label=False)
                    for f, n in zip(list_row.fields, spans, strict=True)
                )
            )
    return _table(rows)


def _table(rows: list[str]) -> str:
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return f'<table border="1" cellspacing="0" style="border-collapse:collapse"><tbody>{body}</tbody></table>'


def _grid_table(section: Section, cells: Mapping[str, str], shape: Shape) -> str:
    columns = section.columns
    grouped = [c for c in columns if c.group]
    first = [
        _td("", shape, rowspan=3, colspan=3),
        _td(section.header.get("top", ""), shape, colspan=len(columns)),
    ]
    second = []
    for column in columns:
        if column.group is None:
            second.append(_td(column.label, shape, rowspan=2))
        elif column is grouped[0]:
            second.append(_td(column.group, shape, colspan=len(grouped)))
    third = [_td(c.label, shape) for c in grouped]
    rows = ["".join(first), "".join(second), "".join(third)]
    within_runs = {
        key: len(list(run)) for key, run in itertools.groupby(r.within for r in section.rows)
    }
    group_runs = {
        key: len(list(run)) for key, run in itertools.groupby(r.group for r in section.rows)
    }
    seen_within: set[str] = set()
    seen_group: set[str] = set()
    for row in section.rows:
        labels = []
        if row.within is None:
            labels.append(_td(row.label, shape, colspan=3))
        else:
            if row.within not in seen_within:
                seen_within.add(row.within)
                labels.append(_td(row.within, shape, rowspan=within_runs[row.within]))
            if row.group is None:
                labels.append(_td(row.label, shape, colspan=2))
            else:
                if row.group not in seen_group:
                    seen_group.add(row.group)
                    labels.append(_td(row.group, shape, rowspan=group_runs[row.group]))
                labels.append(_td(row.label, shape))
        figures = [
            _td(cells.get(section.cell_field(row.id, c.id), ""), shape, label=False)
            for c in columns
        ]
        rows.append("".join(labels + figures))
    return _table(rows)


def _wide_table(section: Section, cells: Mapping[str, str], shape: Shape) -> str:
    n = len(section.columns)
    review, *suits = section.rows
    first = _td(review.label, shape, colspan=n) + _td(suits[0].label, shape, colspan=n * len(suits))
    second = "".join(_td(c.label, shape, rowspan=2) for c in section.columns) + "".join(
        _td(row.subgroup or "", shape, colspan=n) for row in suits
    )
    third = "".join(_td(c.label, shape) for _ in suits for c in section.columns)
    figures = "".join(
        _td(cells.get(section.cell_field(row.id, c.id), ""), shape, label=False)
        for row in section.rows
        for c in section.columns
    )
    return _table([first, second, third, figures])
