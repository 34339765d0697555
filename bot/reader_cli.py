"""`nianbao report read` and the report side of `nianbao check` (.docx, .html/.htm, .pdf).

Kept apart from bot/cli.py so that the `report` command group can live wherever it is
defined; bot/cli.py registers `read_command` on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.core.reader import ReadResult

REPORT_SUFFIXES = frozenset({".docx", ".html", ".htm", ".pdf"})
BLANK_AS_ZERO_HELP = "填写为“—”“－”“/”或空白的单元格按 0 读取（请先核对确为 0）"


def is_report_file(path: Path) -> bool:
    """A published report (Word, a saved web page, PDF) rather than an answers file."""
    return path.suffix.lower() in REPORT_SUFFIXES


def read_or_exit(path: Path, *, blank_as_zero: bool = False) -> ReadResult:
    """The report read from a file; exit code 2 with the reason when it cannot be read."""
    # Imported here: `nianbao check` of an answers file reads no report.
    from bot.core.reader import DocxReadError, read_report

    try:
        return read_report(path, blank_as_zero=blank_as_zero)
    except DocxReadError as exc:
        typer.echo(f"无法读取：{path}：{exc}", err=True)
        raise typer.Exit(2) from exc


def zeros_hint(result: ReadResult) -> str | None:
    """How to accept the probable zeros in one step, when there are any."""
    if not result.probable_zeros:
        return None
    return (
        f"其中 {len(result.probable_zeros)} 个单元格填写为“—”“/”或空白，可能为 0；"
        "核对确为 0 后，可加 --blank-as-zero 一次按 0 读取。"
    )


def answers_text(result: ReadResult, source: str) -> str:
    """The answers file as YAML, headed by comments listing what could not be read."""
    from bot.core.answers import dump_answers

    lines = [f"# 由 {source} 读取，按{result.form.source}格式。"]
    if result.assumed_zero:
        lines.append(
            f"# 以下 {len(result.assumed_zero)} 个单元格填写为“—”“/”或空白，已按确认读作 0："
        )
        lines.append("# " + "、".join(result.assumed_zero))
    if result.problems:
        lines.append(f"# 以下 {len(result.problems)} 处未能读取，未写入 values，请核对后补填：")
        lines += [f"# - {' '.join(p.message.split())}" for p in result.problems]
    return "\n".join(lines) + "\n" + dump_answers(result.answers)


def read_command(
    file: Annotated[Path, typer.Argument(help="年度报告：Word（.docx）、网页（.html/.htm）或 PDF")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="写入的答案文件（YAML）；缺省时输出到屏幕"),
    ] = None,
    blank_as_zero: Annotated[
        bool, typer.Option("--blank-as-zero", help=BLANK_AS_ZERO_HELP)
    ] = False,
) -> None:
    """从已发布的年度报告（Word、网页或 PDF）读取答案文件（YAML）。

    按官方表述识别六个部分和三张表格，识别报告格式（2021 版或 2019 版）、机关名称和年度；
    未能读取的内容逐项列出，不作推测。退出码：0 全部读取，1 有内容未能读取（仍输出答案文件），
    2 文件无法读取。
    """
    result = read_or_exit(file, blank_as_zero=blank_as_zero)
    text = answers_text(result, file.name)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(str(output))
    else:
        typer.echo(text, nl=False)
    typer.echo(result.summary(limit=len(result.problems)), err=True)
    if (hint := zeros_hint(result)) is not None:
        typer.echo(hint, err=True)
    raise typer.Exit(1 if result.problems else 0)
