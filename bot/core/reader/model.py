"""What reading a report yields: the answers file, the format, and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from bot.core.answers import AnswersFile
from bot.core.form import ReportForm


@dataclass(frozen=True)
class ReadProblem:
    """Something in the document that was not taken as a value, named in official words.

    `field_id` is the cell or narrative section concerned (None for a whole row, the title or
    the format, or several cells, then named in `fields`); `found` is what the document holds
    there, as it stands.
    """

    field_id: str | None
    message: str
    check: str = "unreadable_cell"
    found: str | None = None
    severity: Literal["error", "warning"] = "error"
    fields: tuple[str, ...] = ()

    @property
    def covers(self) -> tuple[str, ...]:
        """Every field the problem leaves unread."""
        return self.fields or ((self.field_id,) if self.field_id else ())


# The check of the one problem listing cells written "—", "/" or left blank.
PROBABLE_ZERO = "probable_zero"


@dataclass
class ReadResult:
    answers: AnswersFile
    problems: list[ReadProblem] = field(default_factory=list)
    # Cells written "—", "/" or left blank that the user let be read as 0.
    assumed_zero: tuple[str, ...] = ()

    @property
    def probable_zeros(self) -> tuple[str, ...]:
        """Cells written "—", "/" or left blank, not read: probably 0."""
        return tuple(f for p in self.problems if p.check == PROBABLE_ZERO for f in p.covers)

    def with_zeros_accepted(self) -> ReadResult:
        """The result with every probable zero read as 0, as the user accepts in one step."""
        zeros = self.probable_zeros
        if not zeros:
            return self
        values = dict(self.answers.values) | dict.fromkeys(zeros, 0)
        return ReadResult(
            replace(self.answers, values=values),
            [p for p in self.problems if p.check != PROBABLE_ZERO],
            self.assumed_zero + zeros,
        )

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
        if self.assumed_zero:
            lines.append(f"填写为“—”“/”或空白的 {len(self.assumed_zero)} 个单元格已按确认读作 0。")
        if not self.problems:
            lines.append("全部内容均已读取。")
            return "\n".join(lines)
        lines.append(f"以下 {len(self.problems)} 处未能读取，请核对后补正：")
        for number, problem in enumerate(self.problems[:limit], start=1):
            lines.append(f"{number}. {problem.message}")
        if len(self.problems) > limit:
            lines.append(f"……另有 {len(self.problems) - limit} 处，从略。")
        return "\n".join(lines)
