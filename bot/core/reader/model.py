"""What reading a report yields: the answers file, the format, and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.answers import AnswersFile
from bot.core.form import ReportForm


@dataclass(frozen=True)
class ReadProblem:
    """Something in the document that was not taken as a value, named in official words.

    `field_id` is the cell or narrative section concerned (None for a whole row, the title or
    the format); `found` is what the document holds there, as it stands.
    """

    field_id: str | None
    message: str
    check: str = "unreadable_cell"
    found: str | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass
class ReadResult:
    answers: AnswersFile
    problems: list[ReadProblem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.answers.kind

    @property
    def form(self) -> ReportForm:
        return self.answers.form

    @property
    def cells_total(self) -> int:
        return len(self.form.numeric_fields)

    @property
    def cells_read(self) -> int:
        return len(self.answers.values.keys() & set(self.form.numeric_fields))

    @property
    def texts_total(self) -> int:
        return len(self.form.text_fields)

    @property
    def texts_read(self) -> int:
        return len(self.answers.values.keys() & set(self.form.text_fields))

    def summary(self, limit: int = 20) -> str:
        """A short account in Chinese: format, agency, year, what was read and what was not."""
        form = self.form
        agency = self.answers.agency or "（未识别）"
        year = f"{self.answers.year}年度" if self.answers.year else "年度未识别"
        lines = [
            f"已读取：{agency}，{year}，按{form.source}格式填报。",
            f"表格数字单元格共 {self.cells_total} 个，已读取 {self.cells_read} 个；"
            f"文字部分共 {self.texts_total} 部分，已读取 {self.texts_read} 部分。",
        ]
        if not self.problems:
            lines.append("全部内容均已读取。")
            return "\n".join(lines)
        lines.append(f"以下 {len(self.problems)} 处未能读取，请核对后补正：")
        for number, problem in enumerate(self.problems[:limit], start=1):
            lines.append(f"{number}. {problem.message}")
        if len(self.problems) > limit:
            lines.append(f"……另有 {len(self.problems) - limit} 处，从略。")
        return "\n".join(lines)
