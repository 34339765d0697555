"""Opening an uploaded .docx without trusting it.

Only the main document part is read: its uncompressed size is checked against the zip
directory and again while it is read (the directory can lie), and it is parsed with
python-docx's own lxml parser, which never resolves entities and stops at 256 levels of
nesting. A few kilobytes of zip can still hold millions of empty elements, each costing memory
to parse and time to read: the markup is counted before parsing, the paragraphs and tables after.
Nothing else in the package (images, fonts, embedded objects) is decompressed.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from lxml import etree

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_DOCUMENT_XML_BYTES = 20 * 1024 * 1024
MAX_RELS_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# A long report written in WPS, every run formatted, has about 100,000 tags and a few thousand
# paragraphs (table cells included); these are several times that.
MAX_XML_TAGS = 600_000
MAX_BLOCKS = 50_000  # paragraphs and tables
_STRUCTURE_TOO_LARGE = "文件内部结构异常（{what}过多，远超年度报告），为安全起见不予读取"

W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_OFFICE_DOCUMENT = "/officeDocument"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Source = Path | str | bytes | BinaryIO


class DocxReadError(Exception):
    """The upload is not a readable report (.docx, web page or PDF), or not an annual report;
    the message is Chinese."""


def read_source(source: Source) -> bytes:
    """The bytes of the upload, refusing anything larger than MAX_FILE_BYTES."""
    limit_mb = MAX_FILE_BYTES // (1024 * 1024)
    too_large = f"文件过大（超过 {limit_mb} MB），请删除其中的图片等内容后重新上传"
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise DocxReadError(too_large)
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise DocxReadError("文件不存在") from exc
        except IsADirectoryError as exc:
            raise DocxReadError("是文件夹，不是文件") from exc
        except OSError as exc:
            raise DocxReadError(f"无法打开（{exc.strerror}）") from exc
    else:
        data = source.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes):
            raise DocxReadError("上传的内容不是文件")
    if len(data) > MAX_FILE_BYTES:
        raise DocxReadError(too_large)
    return data


def load_body(data: bytes) -> etree._Element:
    """The <w:body> element of the main document part."""
    if not data:
        raise DocxReadError("文件是空的")
    if data.startswith(_OLE_MAGIC):
        raise DocxReadError(
            "这是旧版 Word（.doc）文件或加密的文件，无法读取；"
            "请在 Word 中取消密码后“另存为”.docx 格式"
        )
    if not data.startswith(b"PK"):
        raise DocxReadError(
            "不是 Word（.docx）文件，也不是网页（.html）或 PDF 文件；"
            "请上传用 Word 或 WPS 保存的 .docx、政府网站上保存的网页或 PDF 格式的年度报告"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise DocxReadError("文件内部结构异常（包含的部件过多），无法读取")
            xml = _read_part(archive, _main_part_name(archive), MAX_DOCUMENT_XML_BYTES)
    except DocxReadError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        raise DocxReadError("文件已损坏或不是 Word（.docx）文件，无法读取") from exc
    head = xml[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise DocxReadError("文件内部结构异常（含有 Word 不会写入的声明），为安全起见不予读取")
    if xml.count(b"<") > MAX_XML_TAGS:
        raise DocxReadError(_STRUCTURE_TOO_LARGE.format(what="元素"))
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        raise DocxReadError("文件已损坏（正文部分无法解析），请在 Word 中打开后重新保存") from exc
    if root.tag != qn("w:document"):
        raise DocxReadError(
            "文件采用“严格 Open XML”等不常用的格式，无法读取；请在 Word 中“另存为”普通 .docx 格式"
        )
    body = root.find(qn("w:body"))
    if body is None:
        raise DocxReadError("文件中没有正文内容")
    if sum(1 for _ in body.iter(qn("w:p"), qn("w:tbl"))) > MAX_BLOCKS:
        raise DocxReadError(_STRUCTURE_TOO_LARGE.format(what="段落和表格"))
    return body


def _main_part_name(archive: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (word/document.xml as a rule)."""
    names = set(archive.namelist())
    if "_rels/.rels" in names:
        try:
            rels = etree.fromstring(
                _read_part(archive, "_rels/.rels", MAX_RELS_BYTES),
                etree.XMLParser(resolve_entities=False, no_network=True),
            )
        except etree.XMLSyntaxError:
            rels = None
        if rels is not None:
            for rel in rels.iter(f"{_RELS_NS}Relationship"):
                if rel.get("Type", "").endswith(_OFFICE_DOCUMENT) and rel.get("Target"):
                    target = rel.get("Target", "").lstrip("/")
                    name = str(PurePosixPath(target))
                    if name in names:
                        return name
    if "word/document.xml" in names:
        return "word/document.xml"
    raise DocxReadError(
        "不是 Word（.docx）文件（文件中没有 Word 正文部分），请上传 .docx 格式年度报告"
    )


def _read_part(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = archive.getinfo(name)
    too_large = f"文件正文部分过大（解压后超过 {limit // (1024 * 1024)} MB），为安全起见不予读取"
    if info.file_size > limit:
        raise DocxReadError(too_large)
    with archive.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise DocxReadError(too_large)
    return data
