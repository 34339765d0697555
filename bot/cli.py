"""The `nianbao` command line."""

from __future__ import annotations

import json
import select
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.chat.service import ReportChat
from bot.config import get_settings
from bot.core.answers import AnswersFile, AnswersFileError, load_answers, parse_answers
from bot.core.checks import Finding, check_answers, has_errors
from bot.core.form import available_kinds, load_form
from bot.core.reader import ReadResult, read_findings
from bot.core.render import render_report
from bot.core.template_builder import build_template
from bot.demo import run_demo
from bot.logging_setup import configure_logging
from bot.reader_cli import is_docx, read_command, read_or_exit
from bot.reminders.cli import remind_command
from bot.telegram.runner import BotStartError, run_bot
from bot.terminal import TerminalChat, terminal_member, typed_messages
from storage.cli import SUB_APPS, report_app
from storage.db import get_engine, upgrade_database

app = typer.Typer(
    help="nianbao：政府信息公开工作年度报告助手",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
template_app = typer.Typer(help="Word 模板（由表单定义生成）", no_args_is_help=True)
app.add_typer(template_app, name="template")
for name, sub_app in SUB_APPS.items():
    app.add_typer(sub_app, name=name)
report_app.command("read")(read_command)
app.command("remind")(remind_command)


def _load_or_exit(path: Path) -> AnswersFile:
    try:
        return load_answers(path)
    except AnswersFileError as exc:
        typer.echo(f"无法读取：{exc}", err=True)
        raise typer.Exit(2) from exc


def _load_report_or_exit(path: Path) -> tuple[AnswersFile, ReadResult | None]:
    """An answers file, or a report read from Word with what could not be read."""
    if is_docx(path):
        result = read_or_exit(path)
        return result.answers, result
    return _load_or_exit(path), None


def _print_findings(findings: list[Finding]) -> None:
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    for title, group in (("错误", errors), ("提示", warnings)):
        for number, finding in enumerate(group, start=1):
            typer.echo(f"[{title} {number}] ({finding.check}) {finding.message}")
    if not findings:
        typer.echo("校验通过：未发现问题。")
    else:
        typer.echo(f"共 {len(errors)} 项错误、{len(warnings)} 项提示。")


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="答案文件（YAML 或 JSON）或 .docx 报告")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上一年度的答案文件或 .docx 报告")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """校验一份年度报告：勾稽关系、空白单元格、文字部分。

    .docx 报告中未能读取的单元格也作为错误列出。退出码：0 无错误，1 有错误，2 文件无法读取。
    """
    answers, read = _load_report_or_exit(file)
    last_year = None
    if previous is not None:
        last_year, last_read = _load_report_or_exit(previous)
        if last_read is not None and last_read.problems:
            typer.echo(
                f"注意：上一年度报告 {previous.name} 有 {len(last_read.problems)} 处未能读取，"
                "涉及这些内容的跨年度核对（如上年结转）未进行；"
                f"可用 nianbao report read {previous} 查看并补正。",
                err=True,
            )
    if read is not None:
        findings = read_findings(read, last_year)
    else:
        findings = check_answers(answers, last_year)
    if as_json:
        payload = {"ok": not has_errors(findings), "findings": [f.as_dict() for f in findings]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
    raise typer.Exit(1 if has_errors(findings) else 0)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="答案文件（YAML 或 JSON）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出的 .docx 文件")],
    draft: Annotated[bool, typer.Option("--draft", help="存在错误时仍生成，并标注“草稿”")] = False,
    previous: Annotated[Path | None, typer.Option("--previous", help="上一年度的答案文件")] = None,
) -> None:
    """生成 Word 报告。存在错误时拒绝生成（除非使用 --draft）。"""
    answers = _load_or_exit(file)
    last_year = _load_or_exit(previous) if previous else None
    findings = check_answers(answers, last_year)
    errors = [f for f in findings if f.severity == "error"]
    if errors and not draft:
        _print_findings(errors)
        typer.echo("存在错误，未生成报告。请改正后重试，或使用 --draft 生成草稿。", err=True)
        raise typer.Exit(1)
    data = render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=parse_answers(answers).values,
        draft=draft,
        draft_errors=len(errors),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    typer.echo(str(output))


@app.command()
def demo() -> None:
    """演示：以终端对话逐项填写同江市工业信息化科技局2020年报告，生成 Word 报告写入 out/。"""
    documents = run_demo(get_settings().output_dir)
    if not documents:
        typer.echo("演示未能生成报告。", err=True)
        raise typer.Exit(1)


def _waiting_line() -> str | None:
    """A line of a paste still waiting in the terminal after the first was read; None when
    nothing waits (or the input is not a terminal: then every line is a message)."""
    if not sys.stdin.isatty():
        return None
    try:
        waiting = select.select([sys.stdin], [], [], 0)[0]
    except (OSError, ValueError):  # Windows selects sockets only: one line, one message
        return None
    return (sys.stdin.readline() or None) if waiting else None


@app.command()
def chat(
    agency: Annotated[str, typer.Option("--agency", help="本机关名称（报告标题中的机关名）")],
    year: Annotated[int | None, typer.Option("--year", help="报告年度；缺省为当前填报年度")] = None,
) -> None:
    """在终端中逐项填写年度报告（与 Telegram 机器人相同的流程和校验）。"""
    settings = get_settings()
    upgrade_database(settings.database_url)
    engine = get_engine()
    member = terminal_member(engine, agency=agency)
    terminal = TerminalChat(ReportChat(engine), member, output_dir=settings.output_dir)
    terminal.open(year=year)
    try:
        terminal.run(typed_messages(lambda: input("> "), _waiting_line))
    except (EOFError, KeyboardInterrupt):
        typer.echo("\n已退出，填写内容均已保存。")


@app.command()
def run(
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="Webhook 模式：Telegram 推送更新的公开地址（https://域名/路径）；"
            "缺省为 NIANBAO_WEBHOOK_URL，均未设置则使用长轮询",
        ),
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option("--listen", help="Webhook 服务监听地址（缺省 NIANBAO_WEBHOOK_LISTEN）"),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Webhook 服务监听端口（缺省 NIANBAO_WEBHOOK_PORT）"),
    ] = None,
    secret_token: Annotated[
        str | None,
        typer.Option(
            "--secret-token",
            help="Webhook 密钥（缺省 TELEGRAM_WEBHOOK_SECRET；均未设置则每次启动随机生成）",
        ),
    ] = None,
) -> None:
    """启动 Telegram 机器人：长轮询，或使用 --webhook 以 Webhook 方式接收更新。

    需要 TELEGRAM_BOT_TOKEN。退出码：0 正常停止（SIGTERM/Ctrl-C），2 配置缺失或有误，
    3 令牌被 Telegram 拒绝，1 其他启动失败。
    """
    overrides = {
        "webhook_url": webhook,
        "webhook_listen": listen,
        "webhook_port": port,
        "telegram_webhook_secret": secret_token,
    }
    settings = get_settings().model_copy(
        update={key: value for key, value in overrides.items() if value is not None}
    )
    configure_logging(settings.log_level, secrets=[settings.telegram_bot_token])
    try:
        run_bot(settings)
    except BotStartError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from exc


@template_app.command("build")
def template_build(
    kind: Annotated[list[str] | None, typer.Argument(help="报告格式；缺省为全部")] = None,
) -> None:
    """由 templates/<kind>/form.yaml 重新生成 report.docx。"""
    for name in kind or available_kinds():
        typer.echo(str(build_template(load_form(name))))
