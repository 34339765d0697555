"""Reading existing annual reports from Word (.docx) into answers files.

    result = read_report(path_or_bytes)
    result.answers      # AnswersFile: kind, agency, year, values
    result.kind         # "gov-disclosure-2021" or "gov-disclosure-2019"
    result.problems     # list[ReadProblem]: what could not be read, in official words
    result.summary()    # the same in a few lines of Chinese

Sections and tables are found by their official labels (from the form definition), never
by position; nothing is guessed: a cell that does not hold a clear number is listed.

`bot.core.reader.findings.read_findings` (what `nianbao check` reports for a read file) is
imported from its module: it brings the checks, which reading alone does not need.
"""

from bot.core.reader.model import ReadProblem, ReadResult
from bot.core.reader.package import (
    MAX_DOCUMENT_XML_BYTES,
    MAX_FILE_BYTES,
    DocxReadError,
)
from bot.core.reader.report import read_report

__all__ = [
    "MAX_DOCUMENT_XML_BYTES",
    "MAX_FILE_BYTES",
    "DocxReadError",
    "ReadProblem",
    "ReadResult",
    "read_report",
]
