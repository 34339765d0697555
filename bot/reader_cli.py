"""`nianbao report read` and the .docx side of `nianbao check`.

Kept apart from bot/cli.py so that the `report` command group can live wherever it is
defined; bot/cli.py registers `read_command` on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.core.reader import ReadResult


def is_docx(path: Path) -> bool:
    return path.suffix.lower() == ".docx"


def read_or_exit(path: Path) -> ReadResult:
    """The report read from a .docx; exit code 2 with the reason when it cannot be read."""
    # Imported here: `nianbao check` of an answers file asks `is_docx` and reads no Word.
    from bot.core.reader import DocxReadError, read_report

    try:
        return read_report(path)
    except DocxReadError as exc:
        typer.echo(f"无法读取：{path}：{exc}", err=True)
        raise typer.Exit(2) from exc


def answers_text(result: ReadResult, source: str) -> str:
    """The answers file as YAML, headed by comments listing what could not be read."""
    from bot.core.answers import dump_answers

    lines = [f"# 由 {source} 读取，按{result.form.source}格式。"]
    if result.problems:
        lines.append(f"# 以下 {len(result.problems)} 处未能读取，未写入 values，请核对后补填：")
        lines += [f"# - {' '.join(p.message.split())}" for p in result.problems]
    return "\n".join(lines) + "\n" + dump_answers(result.answers)


def read_command(
    file: Annotated[Path, typer.Argument(help="Word 格式（.docx）的年度报告")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="写入的答案文件（YAML）；缺省时输出到屏幕"),
    ] = None,
) -> None:
    """从 Word 格式的年度报告读取答案文件（YAML）。

    按官方表述识别六个部分和三张表格，识别报告格式（2021 版或 2019 版）、机关名称和年度；
    未能读取的内容逐项列出，不作推测。退出码：0 全部读取，1 有内容未能读取（仍输出答案文件），
    2 文件无法读取。
    """
    result = read_or_exit(file)
    text = answers_text(result, file.name)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(str(output))
    else:
        typer.echo(text, nl=False)
    typer.echo(result.summary(limit=len(result.problems)), err=True)
    raise typer.Exit(1 if result.problems else 0)
