"""The `nianbao` command line."""

from __future__ import annotations

import json
import select
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.lazy_commands import lazy_group
from bot.reader_cli import BLANK_AS_ZERO_HELP

if TYPE_CHECKING:
    from bot.core.answers import AnswersFile
    from bot.core.checks import Finding, PeerText
    from bot.core.reader import ReadResult

# A command imports what it uses, when it runs (bot/lazy_commands.py): `check`, `render` and
# `report read` never import the database, the bot or its HTTP stack.
app = typer.Typer(
    cls=lazy_group(
        {
            "db": "storage.cli:db_app",
            "org": "storage.cli:org_app",
            "invite": "storage.cli:invite_app",
            # storage.cli's member group, with `password-reset` (bot/web/cli.py) added to it.
            "member": "bot.web.cli:member_app",
            "deadline": "storage.cli:deadline_app",
            "remind": "bot.reminders.cli:remind_command",
            "web": "bot.web.cli:web_command",
        }
    ),
    help="nianbao：政府信息公开工作年度报告助手",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
template_app = typer.Typer(help="Word 模板（由表单定义生成）", no_args_is_help=True)
app.add_typer(template_app, name="template")
# storage.cli's `report` group, with `read` (no database) importable on its own.
report_app = typer.Typer(
    cls=lazy_group({"read": "bot.reader_cli:read_command"}, merged="storage.cli:report_app"),
    help="年度报告的导入、导出、汇总与读取",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")


def _load_or_exit(path: Path) -> AnswersFile:
    from bot.core.answers import AnswersFileError, load_answers

    try:
        return load_answers(path)
    except AnswersFileError as exc:
        typer.echo(f"无法读取：{exc}", err=True)
        raise typer.Exit(2) from exc


def _load_report_or_exit(
    path: Path, *, blank_as_zero: bool = False
) -> tuple[AnswersFile, ReadResult | None]:
    """An answers file, or a published report read with what could not be read."""
    from bot.reader_cli import is_report_file, read_or_exit

    if is_report_file(path):
        result = read_or_exit(path, blank_as_zero=blank_as_zero)
        return result.answers, result
    return _load_or_exit(path), None


def _last_years_or_exit(
    answers: AnswersFile, last_year: AnswersFile, path: Path, *, renamed: bool
) -> None:
    """Refuse (exit 2) a previous report that is not the same agency's of the year before."""
    from bot.core.previous import previous_mismatch

    mismatch = previous_mismatch(
        agency=answers.agency,
        year=answers.year,
        previous_agency=last_year.agency,
        previous_year=last_year.year,
        renamed=renamed,
    )
    if mismatch is not None:
        hint = "；如确为更名前的报告，请加 --renamed" if mismatch.kind == "agency" else ""
        typer.echo(f"{path.name}：{mismatch.message}{hint}", err=True)
        raise typer.Exit(2)


_RENAMED_HELP = "确认上年报告是本单位更名前的报告（机关名称不同）"


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
    file: Annotated[
        Path, typer.Argument(help="答案文件（YAML 或 JSON），或 .docx、.html/.htm、.pdf 报告")
    ],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上一年度的答案文件或报告")
    ] = None,
    renamed: Annotated[bool, typer.Option("--renamed", help=_RENAMED_HELP)] = False,
    peer: Annotated[
        list[Path] | None,
        typer.Option("--peer", help="同年度其他单位的报告，用于比对文字重复（可多次使用）"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    blank_as_zero: Annotated[
        bool, typer.Option("--blank-as-zero", help=BLANK_AS_ZERO_HELP)
    ] = False,
) -> None:
    """校验一份年度报告：勾稽关系、空白单元格、文字部分。

    报告文件（Word、网页、PDF）中未能读取的单元格也作为错误列出。退出码：0 无错误，1 有错误，
    2 文件无法读取或上年报告不是本单位上一年度的报告。
    """
    from bot.core.checks import check_answers, has_errors
    from bot.reader_cli import zeros_hint

    answers, read = _load_report_or_exit(file, blank_as_zero=blank_as_zero)
    if read is not None and (hint := zeros_hint(read)) is not None:
        typer.echo(hint, err=True)
    last_year = None
    if previous is not None:
        last_year, last_read = _load_report_or_exit(previous, blank_as_zero=blank_as_zero)
        _last_years_or_exit(answers, last_year, previous, renamed=renamed)
        if last_read is not None and last_read.problems:
            typer.echo(
                f"注意：上一年度报告 {previous.name} 有 {len(last_read.problems)} 处未能读取，"
                "涉及这些内容的跨年度核对（如上年结转）未进行；"
                f"可用 nianbao report read {previous} 查看并补正。",
                err=True,
            )
    peers = [_peer_text(path) for path in peer or []]
    if read is not None:
        from bot.core.reader.findings import read_findings

        findings = read_findings(read, last_year, peers=peers)
    else:
        findings = check_answers(answers, last_year, peers=peers)
    if as_json:
        payload = {"ok": not has_errors(findings), "findings": [f.as_dict() for f in findings]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
    raise typer.Exit(1 if has_errors(findings) else 0)


def _peer_text(path: Path) -> PeerText:
    from bot.core.checks import PeerText

    answers, _ = _load_report_or_exit(path)
    texts = {k: v for k, v in answers.values.items() if isinstance(v, str)}
    return PeerText(answers.agency, texts)


@app.command()
def draft(
    file: Annotated[Path, typer.Argument(help="答案文件（YAML 或 JSON）或 .docx 报告")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """按表格数据起草“一、总体情况”中主动公开、依申请公开段落和“六”中的信息处理费说明。

    起草的数字全部取自表格，可直接采用、修改后采用或不用。表格有未填写的单元格时，相应段落不起草。
    """
    from bot.core.answers import parse_answers
    from bot.core.checks import complete_values
    from bot.core.narrative.drafting import draft_paragraphs, draft_text

    answers, _ = _load_report_or_exit(file)
    values = complete_values(answers.form, parse_answers(answers).values)
    drafts = draft_paragraphs(answers.form, values, year=answers.year)
    if as_json:
        payload = [
            {"field": d.field, "title": d.title, "text": d.text, "note": d.note} for d in drafts
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    headings = {s.text_field: s.heading for s in answers.form.sections if s.text_field}
    for field_id in dict.fromkeys(d.field for d in drafts):
        typer.echo(f"【{headings[field_id]}】")
        typer.echo(draft_text(drafts, field_id))
        for note in (d.note for d in drafts if d.field == field_id and d.note):
            typer.echo(f"注意：{note}")
        typer.echo("")
    if not any(d.field == "s1.text" for d in drafts):
        typer.echo("表二至表四尚有未填写的单元格，“一、总体情况”的段落未起草。", err=True)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="答案文件（YAML 或 JSON）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出的 .docx 文件")],
    draft: Annotated[bool, typer.Option("--draft", help="存在错误时仍生成，并标注“草稿”")] = False,
    previous: Annotated[Path | None, typer.Option("--previous", help="上一年度的答案文件")] = None,
    renamed: Annotated[bool, typer.Option("--renamed", help=_RENAMED_HELP)] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF（与 Word 报告同名）")
    ] = False,
) -> None:
    """生成 Word 报告。存在错误时拒绝生成（除非使用 --draft）。"""
    from bot.core.answers import parse_answers
    from bot.core.checks import check_answers
    from bot.core.render import render_report

    answers = _load_or_exit(file)
    last_year = _load_or_exit(previous) if previous else None
    if previous is not None and last_year is not None:
        _last_years_or_exit(answers, last_year, previous, renamed=renamed)
    findings = check_answers(answers, last_year)
    errors = [f for f in findings if f.severity == "error"]
    if errors and not draft:
        _print_findings(errors)
        typer.echo("存在错误，未生成报告。请改正后重试，或使用 --draft 生成草稿。", err=True)
        raise typer.Exit(1)
    parsed = parse_answers(answers)
    data = render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=parsed.values,
        draft=draft,
        draft_errors=len(errors),
        error_fields={field for f in errors for field in f.fields},
        refused={
            i.field: str(answers.values[i.field])
            for i in parsed.issues
            if i.field in answers.form.fields
        },
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    typer.echo(str(output))
    if pdf:
        from bot.core.pdf import PdfError, docx_to_pdf

        try:
            pdf_data = docx_to_pdf(data)
        except PdfError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        pdf_path = output.with_suffix(".pdf")
        pdf_path.write_bytes(pdf_data)
        typer.echo(str(pdf_path))


@app.command()
def demo() -> None:
    """演示：以终端对话逐项填写同江市工业信息化科技局2020年报告，生成 Word 报告写入 out/。"""
    from bot.config import get_settings
    from bot.demo import run_demo

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
    from bot.chat.service import ReportChat
    from bot.config import get_settings
    from bot.terminal import TerminalChat, terminal_member, typed_messages
    from storage.db import get_engine, upgrade_database

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
    from bot.config import get_settings
    from bot.logging_setup import configure_logging
    from bot.telegram.runner import BotStartError, run_bot

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
    from bot.core.form import available_kinds, load_form
    from bot.core.template_builder import build_template

    for name in kind or available_kinds():
        typer.echo(str(build_template(load_form(name))))
