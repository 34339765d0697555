"""The walkthrough over the database: what survives restarts, conflicts, stale buttons."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.chat.service import ReportChat
from bot.chat.turn import Turn
from bot.core.answers import load_answers
from bot.core.form import load_form
from bot.core.pdf import MISSING_LIBREOFFICE, make_converter
from storage import inbox, members, orgs, reports
from storage.db import session_scope
from storage.models import AnswerHistory, Member

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
JANUARY_2026 = date(2026, 1, 10)  # the 2025 report is being prepared


@pytest.fixture
def service(engine: Engine) -> ReportChat:
    return ReportChat(engine, today=lambda: JANUARY_2026)


@pytest.fixture
def org_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        return orgs.create_org(session, name="某某市某某局", org_type="department").id


def join(engine: Engine, service: ReportChat, org_id: int, user_id: int) -> Member:
    with session_scope(engine) as session:
        _, code = members.create_invite(session, org_id=org_id, role="staff", created_by="test")
    turn = service.join(telegram_user_id=user_id, name=f"用户{user_id}", chat_id=user_id, code=code)
    assert "登记成功" in turn.replies[0].text
    member = service.member(user_id)
    assert member is not None
    return member


@pytest.fixture
def member(engine: Engine, service: ReportChat, org_id: int) -> Member:
    return join(engine, service, org_id, 1001)


def texts(turn: Turn) -> str:
    return "\n".join(r.text for r in turn.replies)


def skip_to_table_three(service: ReportChat, member: Member) -> Turn:
    turn = service.open(member)
    turn = service.press(member, turn.callback_data("d"))  # 总体情况 left for later
    turn = service.press(member, turn.callback_data("z"))  # 表二 all zero: asks first
    turn = service.press(member, turn.callback_data("Z"))
    assert "表三「一、本年新收政府信息公开申请数量」" in texts(turn)
    return turn


def test_open_creates_this_years_report_in_the_current_format(service, member) -> None:
    turn = service.open(member)
    assert "某某市某某局2025年政府信息公开工作年度报告" in texts(turn)
    assert "第一部分 总体情况" in texts(turn)


def test_answers_and_position_survive_a_restart(engine, service, member) -> None:
    skip_to_table_three(service, member)
    service.text(member, "3 0 1 0 0 0")
    restarted = ReportChat(engine, today=lambda: JANUARY_2026)
    turn = restarted.open(member)
    assert "接着上次的位置继续" in texts(turn)
    assert "表三「二、上年结转政府信息公开申请数量」" in texts(turn)
    with session_scope(engine) as session:
        values = reports.report_values(session, actor=member, report_id=turn.report_id)
    assert values["s3.new.natural"] == 3 and values["s3.new.research"] == 1


def test_switching_years_and_back_goes_on_from_the_first_empty_question(service, member) -> None:
    turn = service.open(member)
    turn = service.text(member, "本年度总体情况。")
    turn = service.press(member, turn.callback_data("d"))
    turn = service.press(member, turn.callback_data("z"))
    turn = service.press(member, turn.callback_data("Z"))
    service.text(member, "3 0 1 0 0 0")
    earlier = service.open_command(member, ["2024"])
    assert "【2024年度 第一部分 总体情况】" in texts(earlier)
    back = service.open_command(member, ["2025"])
    # Not from the top of the report: on from the first row still empty.
    assert "表三「二、上年结转政府信息公开申请数量」" in texts(back)
    assert "第一部分" not in texts(back)


def test_a_report_older_than_last_year_is_opened_but_never_created_by_a_typo(
    engine, service, member
) -> None:
    refused = service.open_command(member, ["2021"])
    assert "本单位没有2021年度的报告。可填写2025年度或2024年度的报告" in texts(refused)
    with session_scope(engine) as session:
        assert reports.list_reports(session, actor=member, year=2021) == []
        reports.get_or_create_report(session, actor=member, year=2021)  # imported by an admin
    assert "【2021年度 第一部分 总体情况】" in texts(service.open_command(member, ["2021"]))


def test_a_year_that_is_not_four_digits_is_refused(service, member) -> None:
    assert "年度请用四位数字" in texts(service.open_command(member, ["25"]))
    assert "年度请用四位数字" in texts(service.open_command(member, ["2024", "2025"]))
    assert "2024年度" in texts(service.open_command(member, ["2024年"]))


def test_a_stale_button_does_not_act_on_another_question(service, member) -> None:
    turn = skip_to_table_three(service, member)
    old_skip = turn.callback_data("s")
    service.text(member, "3 0 1 0 0 0")
    after = service.press(member, old_skip)
    assert after.notice and "过期" in after.notice
    assert "表三「二、上年结转政府信息公开申请数量」" in texts(after)


def test_a_button_for_another_report_is_refused(engine, service, member, org_id) -> None:
    turn = service.open(member)
    forged = f"{turn.report_id + 999}:0:z"
    after = service.press(member, forged)
    assert after.notice and "失效" in after.notice


def test_two_members_changing_the_same_row_are_told_what_changed(
    engine, service, member, org_id
) -> None:
    colleague = join(engine, service, org_id, 1002)
    skip_to_table_three(service, member)
    skip_to_table_three(service, colleague)
    service.text(colleague, "5 0 0 0 0 0")
    turn = service.text(member, "3 0 1 0 0 0")
    assert "用户1002" in texts(turn)
    assert "「自然人」" in texts(turn) and "5" in texts(turn)
    with session_scope(engine) as session:
        values = reports.report_values(session, actor=member, report_id=turn.report_id)
    assert values["s3.new.natural"] == 5  # nothing silently overwritten
    retry = service.text(member, "3 0 1 0 0 0")  # having seen it, the member may overwrite
    assert "已保存" in texts(retry)


def test_generate_lists_errors_with_jump_buttons(service, member) -> None:
    service.open(member)
    turn = service.generate(member)
    assert "暂不能生成" in texts(turn)
    assert turn.document is None
    assert any(b.action.startswith("f") for r in turn.replies for row in r.buttons for b in row)


def test_generate_sends_the_docx_once_per_version(engine, service, member, org_id) -> None:
    answers = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    with session_scope(engine) as session:
        report = reports.import_answers(session, org_id=org_id, answers=answers)
    service.open(member, year=report.year)
    turn = service.generate(member)
    assert turn.document is not None
    assert turn.document.filename == "淮安市人民政府2024年政府信息公开工作年度报告.docx"
    assert Document(BytesIO(turn.document.content)).paragraphs[0].text.startswith("淮安市人民政府")
    again = service.press(member, turn.callback_data("G"))
    assert again.document is None
    assert "已经生成" in texts(again)


def test_last_years_report_feeds_the_carry_over(engine, service, member, org_id) -> None:
    last_year = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    with session_scope(engine) as session:
        reports.import_answers(
            session,
            org_id=org_id,
            answers=last_year.__class__(
                kind=last_year.kind, agency="某某市某某局", year=2024, values=last_year.values
            ),
        )
    skip_to_table_three(service, member)
    turn = service.text(member, "3 0 1 0 0 0")
    assert "上年报告“结转下年度继续办理”为" in texts(turn)


def test_cancel_pauses_and_report_resumes(service, member) -> None:
    skip_to_table_three(service, member)
    service.cancel(member)
    assert "/report" in texts(service.text(member, "3 0 1 0 0 0"))
    assert "表三「一、本年新收" in texts(service.open(member))


def test_a_submitted_report_opens_read_only_with_a_clear_note(engine, service, member) -> None:
    turn = service.open(member)
    with session_scope(engine) as session:
        reports.set_status(session, actor=member, report_id=turn.report_id, to_status="submitted")
    assert "只能查看，不能修改" in texts(service.open(member))


def test_a_fee_to_the_fen_in_wanyuan_is_saved_and_shown_as_typed(engine, service, member) -> None:
    """平潭 publishes its 行政事业性收费 in 万元 to six places."""
    turn = service.open(member)
    index = [q.id for q in load_form("gov-disclosure-2021").questions].index("s2.fees")
    turn = service.press(member, turn.callback_data(f"g{index}"))
    assert "表二「行政事业性收费」" in texts(turn)

    refused = service.text(member, "5949.0886671")
    assert "未能保存" in texts(refused)
    assert "“5949.0886671”小数位过多：本格以万元为单位，最多保留 6 位小数（精确到分）" in texts(
        refused
    )
    saved = service.text(member, "5949.088600")
    assert "已保存「行政事业性收费」：本年收费金额 5949.088600 万元" in texts(saved)
    with session_scope(engine) as session:
        values = reports.report_values(session, actor=member, report_id=saved.report_id)
    assert str(values["s2.fees.amount"]) == "5949.088600"


def test_a_supervisor_opening_a_report_is_pointed_to_the_review_desk(
    engine, service, org_id
) -> None:
    with session_scope(engine) as session:
        _, code = members.create_invite(
            session, org_id=org_id, role="supervisor", created_by="test"
        )
    joined = service.join(telegram_user_id=4001, name="陈督导", chat_id=4001, code=code)
    assert "督导人员" in texts(joined) and "/report" not in texts(joined)
    supervisor = service.member(4001)
    assert supervisor is not None
    turn = service.open(supervisor)
    assert "负责审核、汇总所辖单位的报告" in texts(turn)
    assert [b.text for row in turn.replies[0].buttons for b in row] == ["待审报告", "填报总览"]


def generate_huaian(engine, org_id, user_id: int, pdf) -> Turn:  # type: ignore[no-untyped-def]
    """/generate on the Huaian sample by a member of a chat whose PDFs go through `pdf`."""
    service = ReportChat(engine, today=lambda: JANUARY_2026, pdf=pdf)
    member = join(engine, service, org_id, user_id)
    answers = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    with session_scope(engine) as session:
        report = reports.import_answers(session, org_id=org_id, answers=answers)
    service.open(member, year=report.year)
    return service.generate(member)


def test_generate_sends_the_pdf_beside_the_docx(engine, org_id, pdf_converter) -> None:
    turn = generate_huaian(engine, org_id, 1002, pdf_converter.convert)
    assert turn.document is not None
    (pdf,) = turn.attachments
    assert pdf.filename == "淮安市人民政府2024年政府信息公开工作年度报告.pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "报告已生成" in texts(turn)


def test_generate_without_libreoffice_still_sends_the_docx_and_says_why(
    engine, org_id, tmp_path
) -> None:
    def no_libreoffice(docx: bytes) -> bytes:
        return make_converter(soffice=str(tmp_path / "no-soffice")).convert(docx)

    turn = generate_huaian(engine, org_id, 1003, no_libreoffice)
    assert turn.document is not None and turn.attachments == ()
    assert MISSING_LIBREOFFICE in texts(turn)


def inbox_row(engine: Engine, update_id: int) -> None:
    """The update as the Telegram front end stores it before handling it."""
    with session_scope(engine) as session:
        received = [inbox.Received(update_id, 1001, {})]
        assert inbox.record_updates(session, received=received) == [update_id]


def history_count(engine: Engine, field_id: str) -> int:
    with session_scope(engine) as session:
        return len(
            session.exec(select(AnswerHistory).where(AnswerHistory.field_id == field_id)).all()
        )


def test_an_answer_replayed_after_a_crash_is_answered_again_not_applied_twice(
    engine, service, member
) -> None:
    service.open(member)
    inbox_row(engine, 500)
    first = service.text(member, "本局依法做好政府信息公开工作。", update_id=500)
    assert "已保存（本部分共 15 字）" in texts(first)
    # The process died before the reply went out: the update is handled again at start.
    replayed = service.text(member, "本局依法做好政府信息公开工作。", update_id=500, replayed=True)
    assert replayed == first
    assert history_count(engine, "s1.text") == 1
    # The same goes for a button whose answer was committed.
    inbox_row(engine, 501)
    pressed = service.press(member, first.callback_data("d"), update_id=501)
    assert "表二" in texts(pressed)
    assert service.press(member, first.callback_data("d"), update_id=501, replayed=True) == pressed


def test_updates_with_lower_ids_are_answered(engine, service, member) -> None:
    """Telegram restarts update ids after a quiet week, possibly far lower."""
    skip_to_table_three(service, member)
    for update_id, row in ((900_000_000, "3 0 1 0 0 0"), (5_000, "1 0 0 0 0 0"), (17, "0")):
        inbox_row(engine, update_id)
        turn = service.text(member, row, update_id=update_id)
        assert "已保存" in texts(turn), texts(turn)
    with session_scope(engine) as session:
        values = reports.report_values(session, actor=member, report_id=turn.report_id)
    assert values["s3.new.natural"] == 3
    assert values["s3.carried_in.natural"] == 1
    assert values["s3.disclosed.natural"] == 0


def test_generate_sends_the_docx_when_the_converter_breaks(engine, org_id) -> None:
    def broken(docx: bytes) -> bytes:
        raise OSError("soffice vanished")

    turn = generate_huaian(engine, org_id, 1004, broken)
    assert turn.document is not None and turn.attachments == ()
    assert "PDF 版本生成失败（转换程序出错）" in texts(turn)
