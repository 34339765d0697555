"""The files a member receives for a report: the Word report and, beside it, its PDF.

Every front end (Telegram, the terminal chat, the web) sends what a Turn carries; the PDF is
made here once, so each gets it the same way. Without LibreOffice the Word report still goes
out, with a message saying why there is no PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from bot.chat.state import Button
from bot.config import get_settings
from bot.core.form import ReportForm
from bot.core.pdf import PDF_FAILED, PdfError, docx_to_pdf

log = logging.getLogger(__name__)

PdfConvert = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Document:
    """A file sent after the turn's replies; its buttons go under it (act once it is read)."""

    filename: str
    content: bytes
    caption: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def default_pdf_converter() -> PdfConvert | None:
    """The shared LibreOffice converter, or None when PDFs are switched off (NIANBAO_PDF)."""
    return None if get_settings().pdf_mode == "off" else docx_to_pdf


def pdf_beside(docx: Document, convert: PdfConvert) -> tuple[Document | None, str | None]:
    """The PDF of a Word report, or the reason in Chinese why there is none."""
    try:
        content = convert(docx.content)
    except PdfError as exc:
        return None, str(exc)
    except Exception:  # whatever else goes wrong, the Word report still goes out
        log.exception("PDF conversion failed")
        return None, PDF_FAILED.format(reason="转换程序出错")
    name = str(PurePath(docx.filename).with_suffix(".pdf"))
    return Document(name, content, f"{docx.caption}（PDF）"), None


def document_filename(form: ReportForm, *, agency: str, year: int) -> str:
    return f"{form.document_title_for(agency=agency, year=year)}.docx"
