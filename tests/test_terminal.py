"""`nianbao chat`: the walkthrough in a terminal, buttons typed as #n or #text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.chat.service import ReportChat
from bot.cli import app
from bot.config import get_settings
from bot.core.answers import AnswersFile, load_answers
from bot.terminal import TerminalChat, terminal_member, typed_messages
from storage import reports
from storage.db import session_scope


@pytest.fixture
def terminal(engine: Engine, tmp_path: Path) -> tuple[TerminalChat, list[str]]:
    output: list[str] = []
    member = terminal_member(engine, agency="某某县审计局")
    chat = ReportChat(engine, today=lambda: date(2026, 1, 10))
    terminal = TerminalChat(chat, member, output_dir=tmp_path, write=output.append)
    terminal.open()
    return terminal, output


def test_the_same_agency_gets_the_same_member_back(engine: Engine) -> None:
    first = terminal_member(engine, agency="某某县审计局")
    assert terminal_member(engine, agency="某某县审计局").id == first.id
    assert first.telegram_user_id < 0  # never a real Telegram user


def test_buttons_are_pressed_by_number_or_by_text(terminal) -> None:
    chat, output = terminal
    assert "[#1 完成] [#2 目录]" in output
    chat.handle("#完成")
    assert "表二「规章」" in output[-2]
    chat.handle("#2")  # 本表全部为0
    assert "确定吗" in output[-2] and output[-1] == "[#1 确定填为 0] [#2 取消]"
    chat.handle("#确定填为 0")
    assert any("已将表二中未填写的 10 格填为 0" in line for line in output)


def test_unknown_buttons_and_commands_are_explained(terminal) -> None:
    chat, output = terminal
    chat.handle("#99")
    assert "没有这个按钮" in output[-1]
    chat.handle("/foo")
    assert output[-1].startswith("无法识别该命令")
    assert chat.handle("/quit") is False


def test_answers_typed_in_the_terminal_are_saved(terminal, engine: Engine) -> None:
    chat, _ = terminal
    chat.handle("总体情况：依法做好政府信息公开工作。")
    with session_scope(engine) as session:
        (report,) = reports.list_reports(session, actor=chat.member)
        values = reports.report_values(session, actor=chat.member, report_id=report.id)
    assert values["s1.text"] == "总体情况：依法做好政府信息公开工作。"


def test_nianbao_chat_runs_until_end_of_input(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("NIANBAO_OUTPUT_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["chat", "--agency", "某某县审计局"], input="#完成\n")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "表二「规章」" in result.output
    assert "已退出，填写内容均已保存" in result.output


def test_the_overview_is_drafted_from_the_tables_in_the_terminal(
    engine: Engine, tmp_path: Path
) -> None:
    sample = load_answers(Path(__file__).parent / "fixtures" / "samples" / "huaian-szf-2024.yaml")
    member = terminal_member(engine, agency="某某县审计局")
    with session_scope(engine) as session:
        answers = AnswersFile(sample.kind, "某某县审计局", 2025, dict(sample.values))
        report = reports.import_answers(session, org_id=member.org_id, answers=answers)
    output: list[str] = []
    chat = ReportChat(engine, today=lambda: date(2026, 1, 10))
    terminal = TerminalChat(chat, member, output_dir=tmp_path, write=output.append)
    terminal.open()
    terminal.handle("#按表格起草")
    assert any("本机关新收政府信息公开申请3119件" in line for line in output)
    terminal.handle("#采用")
    assert any("已采用按表格起草的段落" in line for line in output)
    with session_scope(engine) as session:
        values = reports.report_values(session, actor=member, report_id=report.id)
    assert values["s1.text"].endswith("尚未审结7件。")
    assert values["s1.text"].startswith(sample.values["s1.text"])


def test_lines_pasted_together_are_one_message_as_in_telegram(terminal) -> None:
    chat, output = terminal
    chat.handle("#完成")  # 总体情况 left for later
    typed = iter(["规章\t1\t0\t3", "/quit"])
    pasted = iter(["行政规范性文件\t2\t0\t5\n", "自然人\t商业企业\n", None, None])
    messages = typed_messages(lambda: next(typed), lambda: next(pasted))
    chat.run(messages)
    assert "已从粘贴的内容填写表二 2 行（6 格）。" in "\n".join(output)
    assert "未找到数字" not in "\n".join(output)  # the header line is part of the paste
