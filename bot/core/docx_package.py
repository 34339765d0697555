"""The parts of the Word package around the body: fonts, theme, properties, draft header.

python-docx starts from a template made on a Macintosh in 2013: its defaults, theme and font
table name Calibri, Cambria and MS 明朝 with language en-US/ja-JP, and its properties say
"python-docx", created 2013. WPS then warns of missing fonts and falls back to Japanese faces.
`chinese_defaults` rewrites those parts once, when the template is built; `report_parts`
gives each rendered report its own properties (title, agency, now) and, for a draft, a mark
in the header of every page.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from xml.sax.saxutils import escape

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
KAITI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"
LANGUAGE = "zh-CN"
# The language of Latin script (figures included) stays en-US, as Word's Chinese edition
# writes it: with zh-CN there LibreOffice breaks a figure in running text across lines
# ("新闻发布会 1" / "2 场").
LATIN_LANGUAGE = "en-US"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_DOC_DEFAULTS = (
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    f'<w:rFonts w:ascii="{LATIN_FONT}" w:eastAsia="{BODY_FONT}" w:hAnsi="{LATIN_FONT}"'
    f' w:cs="{LATIN_FONT}"/>'
    '<w:kern w:val="2"/><w:sz w:val="32"/><w:szCs w:val="32"/>'
    f'<w:lang w:val="{LATIN_LANGUAGE}" w:eastAsia="{LANGUAGE}" w:bidi="ar-SA"/>'
    "</w:rPr></w:rPrDefault>"
    '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "</w:pPrDefault></w:docDefaults>"
)

# name, alternative name (what WPS and Word look for), GB2312 charset 86, family
_FONTS = (
    (BODY_FONT, "仿宋", "86", "modern"),
    (TITLE_FONT, "方正小标宋_GBK", "86", "script"),
    (HEADING_FONT, "SimHei", "86", "modern"),
    (KAITI_FONT, "楷体", "86", "modern"),
    (SONG_FONT, "SimSun", "86", "auto"),
    (LATIN_FONT, None, "00", "roman"),
)


def _font_table() -> str:
    entries = []
    for name, alt, charset, family in _FONTS:
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        entries.append(
            f'<w:font w:name="{name}">{alt_xml}<w:charset w:val="{charset}"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<w:fonts xmlns:w="{_W}">{"".join(entries)}</w:fonts>'
    )


def _theme_fonts(major_east_asia: str, minor_east_asia: str) -> Callable[[str], str]:
    """Theme fonts: Latin Times New Roman, East Asian 黑体 (headings) / 仿宋 (body)."""

    def font_block(tag: str, east_asia: str) -> str:
        return (
            f'<a:{tag}><a:latin typeface="{LATIN_FONT}"/><a:ea typeface="{east_asia}"/>'
            f'<a:cs typeface="{LATIN_FONT}"/><a:font script="Hans" typeface="{east_asia}"/>'
            f"</a:{tag}>"
        )

    def rewrite(xml: str) -> str:
        xml = re.sub(
            r"<a:majorFont>.*?</a:majorFont>",
            font_block("majorFont", major_east_asia),
            xml,
            flags=re.S,
        )
        return re.sub(
            r"<a:minorFont>.*?</a:minorFont>",
            font_block("minorFont", minor_east_asia),
            xml,
            flags=re.S,
        )

    return rewrite


def _doc_defaults(xml: str) -> str:
    return re.sub(r"<w:docDefaults>.*?</w:docDefaults>", _DOC_DEFAULTS, xml, flags=re.S)


def _settings(xml: str) -> str:
    return re.sub(
        r"<w:themeFontLang [^>]*/>",
        f'<w:themeFontLang w:val="{LATIN_LANGUAGE}" w:eastAsia="{LANGUAGE}"/>',
        xml,
    )


def chinese_defaults(docx: bytes) -> bytes:
    """A freshly built template with Chinese fonts and zh-CN in every default part."""
    theme = _theme_fonts(HEADING_FONT, BODY_FONT)
    edits: dict[str, Callable[[str], str]] = {
        "word/styles.xml": _doc_defaults,
        "word/stylesWithEffects.xml": _doc_defaults,
        "word/settings.xml": _settings,
        "word/theme/theme1.xml": theme,
        "word/fontTable.xml": lambda _xml: _font_table(),
        "docProps/app.xml": lambda xml: re.sub(
            r"<Application>[^<]*</Application>", "<Application>nianbao</Application>", xml
        ),
    }
    return rewrite_parts(docx, edits)


# --- per report ----------------------------------------------------------------------------


def core_properties(*, title: str, author: str, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title, author = escape(title), escape(author)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:subject>政府信息公开工作年度报告</dc:subject>"
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        f"<cp:revision>1</cp:revision><dc:language>{LANGUAGE}</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def draft_header(note: str) -> str:
    """A header that marks every page as a draft, in red 黑体 四号 (no grid snapping)."""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<w:hdr xmlns:w="{_W}"><w:p><w:pPr><w:snapToGrid w:val="0"/><w:jc w:val="center"/>'
        "</w:pPr><w:r><w:rPr>"
        f'<w:rFonts w:ascii="{HEADING_FONT}" w:eastAsia="{HEADING_FONT}"'
        f' w:hAnsi="{HEADING_FONT}"/>'
        '<w:b/><w:color w:val="C00000"/><w:sz w:val="24"/><w:szCs w:val="24"/>'
        f"</w:rPr><w:t>{escape(note)}</w:t></w:r></w:p></w:hdr>"
    )


_HEADER_PART = re.compile(r"^word/header\d+\.xml$")


def report_parts(
    template_parts: list[str],
    *,
    title: str,
    author: str,
    draft_note: str | None,
    now: datetime | None = None,
) -> dict[str, bytes]:
    """The parts that differ per report besides the body: its properties and, for a draft,
    the headers (every page's) carrying the mark. A renderer that writes the package itself
    puts these in with the body, in its one write of the package."""
    stamp = now or datetime.now(UTC)
    parts = {"docProps/core.xml": core_properties(title=title, author=author, now=stamp).encode()}
    if draft_note is not None:
        header = draft_header(draft_note).encode()
        parts |= {name: header for name in template_parts if _HEADER_PART.match(name)}
    return parts


def rewrite_parts(docx: bytes, edits: Mapping[str, Callable[[str], str]]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            edit = edits.get(info.filename)
            if edit is not None:
                data = edit(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
