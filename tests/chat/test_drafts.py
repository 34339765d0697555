"""The paragraphs drafted from the tables in the chat (accept, edit or ignore), the service
functions a front end calls, other offices' texts in the checks, and last year's report
refused when it is not last year's of the same agency."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.chat.service import ReportChat
from bot.chat.state import ReportState
from bot.chat.uploads import USE_RENAMED, ReportUploads
from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.render import render_report
from storage import members, orgs, reports
from storage.db import session_scope
from storage.models import Member
from storage.narratives import other_offices
from tests.chat.conftest import Conversation

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
JANUARY_2025 = date(2025, 1, 10)  # the 2024 report is being prepared


@pytest.fixture
def huaian() -> AnswersFile:
    return load_answers(SAMPLES / "huaian-szf-2024.yaml")


@pytest.fixture
def filled(huaian: AnswersFile) -> Conversation:
    """淮安市人民政府's 2024 report with its tables and an overview of its own."""
    values = parse_answers(huaian).values
    values["s1.text"] = "2024年，我市认真贯彻落实《条例》。"
    return Conversation(ReportState(huaian.form, huaian.agency, 2024, values))


def test_the_overview_offers_a_draft_once_the_tables_are_filled(filled: Conversation) -> None:
    filled.go_to("s1")
    filled.press("M")
    outcome = filled.press("ms1")
    assert filled.actions(outcome)["按表格起草"] == "r"
    shown = filled.press("r")
    assert "按表格数据起草如下" in filled.text(shown)
    assert "本机关新收政府信息公开申请3119件" in shown.replies[0].pre
    assert filled.actions(shown)["采用"] == "a"
    accepted = filled.press("a")
    text = filled.state.values["s1.text"]
    assert text.startswith("2024年，我市认真贯彻落实《条例》。\n（一）主动公开情况。")
    assert "（二）依申请公开情况。2024年，本机关新收政府信息公开申请3119件" in text
    assert "已采用按表格起草的段落" in filled.text(accepted)
    assert filled.question_id == "s1"  # the member can go on writing or editing
    again = filled.press("a")
    assert "无需更新" in filled.text(again) and filled.state.values["s1.text"] == text


def test_accepting_after_a_table_changed_updates_the_drafted_paragraph_in_place(
    filled: Conversation,
) -> None:
    filled.go_to("s1")
    filled.press("a")
    values = dict(filled.state.values)
    values["s3.new.natural"] += 1
    values["s3.new.total"] += 1
    values["s3.carried_out.natural"] += 1
    values["s3.carried_out.total"] += 1
    filled.state = replace(filled.state, values=values)
    stale = filled.state.findings({"draft_outdated"})
    assert len(stale) == 2  # 新收 in one sentence, 结转下年度 in another
    assert all("按表格起草的文字与表格已不一致" in f.message for f in stale)
    filled.press("a")
    text = filled.state.values["s1.text"]
    assert text.count("依申请公开情况") == 1 and "新收政府信息公开申请3120件" in text
    assert filled.state.findings({"draft_outdated", "narrative_figures"}) == []


def test_the_draft_stays_on_offer_after_text_is_sent(filled: Conversation) -> None:
    filled.go_to("s1")
    sent = filled.say("全年政务公开工作有序推进。")
    assert filled.actions(sent)["按表格起草"] == "r"
    assert "本机关新收政府信息公开申请3119件" in filled.text(filled.press("r"))


def test_no_draft_while_the_tables_are_empty(chat: Conversation) -> None:
    chat.press("M")
    outcome = chat.press("ms1")
    assert "按表格起草" not in chat.actions(outcome)
    shown = chat.press("r")
    assert "尚有未填写的单元格，暂不能按表格起草" in chat.text(shown)


@pytest.fixture
def service(engine: Engine) -> ReportChat:
    return ReportChat(engine, today=lambda: JANUARY_2025)


def staff(engine: Engine, service: ReportChat, name: str, user_id: int) -> tuple[int, Member]:
    with session_scope(engine) as session:
        org_id = orgs.create_org(session, name=name, org_type="city_gov").id
        _, code = members.create_invite(session, org_id=org_id, role="staff", created_by="test")
    service.join(telegram_user_id=user_id, name="张三", chat_id=user_id, code=code)
    member = service.member(user_id)
    assert member is not None
    return org_id, member


def import_report(engine: Engine, org_id: int, answers: AnswersFile, agency: str) -> None:
    with session_scope(engine) as session:
        copy = AnswersFile(answers.kind, agency, answers.year, dict(answers.values))
        reports.import_answers(session, org_id=org_id, answers=copy)


def test_the_service_drafts_and_inserts_for_any_front_end(
    engine: Engine, service: ReportChat, huaian: AnswersFile
) -> None:
    org_id, member = staff(engine, service, "淮安市人民政府", 2001)
    import_report(engine, org_id, huaian, "淮安市人民政府")
    drafts = service.drafts(member)
    # Its 六 already states the 3940 元 collected: no contrary fee sentence is offered.
    assert [(d.field, d.title) for d in drafts] == [
        ("s1.text", "主动公开"),
        ("s1.text", "依申请公开"),
    ]
    turn = service.insert_draft(member, "s6.text")
    assert "本部分已说明信息处理费的收取情况，无需按表格起草" in turn.replies[0].text
    turn = service.insert_draft(member, "s1.text")
    assert "已采用按表格起草的段落" in turn.replies[0].text
    with session_scope(engine) as session:
        (report,) = reports.list_reports(session, actor=member, year=2024)
        saved = reports.report_values(session, actor=member, report_id=report.id)
    assert saved["s6.text"] == huaian.values["s6.text"]
    assert saved["s1.text"].endswith("尚未审结7件。")
    assert saved["s1.text"].startswith(huaian.values["s1.text"])
    refused = service.insert_draft(member, "s3.new.total")
    assert refused.notice == "该部分不是文字部分，无法起草。"


def test_text_copied_from_another_office_of_the_year_is_reported_when_generating(
    engine: Engine, service: ReportChat, huaian: AnswersFile
) -> None:
    org_id, member = staff(engine, service, "淮安市人民政府", 2101)
    other_id, _ = staff(engine, service, "淮安市某某区人民政府", 2102)
    import_report(engine, org_id, huaian, "淮安市人民政府")
    import_report(engine, other_id, huaian, "淮安市某某区人民政府")
    with session_scope(engine) as session:
        (peer,) = other_offices(session, year=2024, exclude_org_id=org_id).peers()
        assert peer.agency == "淮安市某某区人民政府" and {"s1.text", "s5.text"} <= set(peer.texts)
        assert other_offices(session, year=2023, exclude_org_id=org_id).peers() == []
    turn = service.generate(member)
    text = "\n".join(r.text for r in turn.replies)
    assert "「五、存在的主要问题及改进情况」与同年度「淮安市某某区人民政府」报告的相同文字" in text


def docx_of(answers: AnswersFile, *, agency: str, year: int) -> bytes:
    return render_report(
        answers.form, agency=agency, year=year, values=parse_answers(answers).values
    )


@pytest.fixture
def uploads(engine: Engine) -> ReportUploads:
    return ReportUploads(engine, today=lambda: date(2026, 1, 10))  # 2025 being prepared


def test_a_report_of_another_agency_needs_the_office_to_confirm_a_rename(
    engine: Engine, service: ReportChat, uploads: ReportUploads, huaian: AnswersFile
) -> None:
    _, member = staff(engine, service, "淮安市数据局", 2201)
    turn = uploads.receive(member, docx_of(huaian, agency="淮安市大数据中心", year=2024), "a.docx")
    offer = turn.replies[-1]
    assert "「淮安市大数据中心」的报告，与本单位「淮安市数据局」不是同一机关" in offer.text
    assert [b.action for row in offer.buttons for b in row] == [USE_RENAMED]
    refused = uploads.use_as_previous(member)
    assert "未能用作上年报告" in refused.replies[0].text
    adopted = uploads.use_as_previous(member, renamed=True)
    assert "已将其保存为本单位2024年度报告" in adopted.replies[0].text


@pytest.mark.parametrize("year", [2022, 2023])
def test_a_report_of_another_year_is_not_offered_as_last_years(
    engine: Engine, service: ReportChat, uploads: ReportUploads, huaian: AnswersFile, year: int
) -> None:
    _, member = staff(engine, service, "淮安市人民政府", 2301)
    turn = uploads.receive(member, docx_of(huaian, agency="淮安市人民政府", year=year), "b.docx")
    assert f"该报告不能用作上年报告：所给的上年报告是{year}年度报告" in turn.replies[-1].text
    assert "请使用2024年度的报告" in turn.replies[-1].text
    assert uploads.use_as_previous(member).notice == "没有待使用的上年报告，请重新发送 Word 文件。"


def test_accepting_a_draft_shows_what_the_text_written_before_now_contradicts(
    filled: Conversation,
) -> None:
    filled.state = replace(
        filled.state,
        values={**filled.state.values, "s1.text": "2024年，我市共受理政府信息公开申请3000件。"},
    )
    filled.go_to("s1")
    accepted = filled.text(filled.press("a"))
    assert "已采用按表格起草的段落" in accepted
    assert "写明“受理政府信息公开申请3000件”" in accepted and "为 3119" in accepted


def test_the_fee_sentence_is_offered_with_a_reminder_that_the_tables_do_not_hold_fees(
    filled: Conversation,
) -> None:
    filled.state = replace(filled.state, values={**filled.state.values, "s6.text": "无。"})
    filled.go_to("s6")
    shown = filled.text(filled.press("r"))
    assert "未收取政府信息公开信息处理费" in shown
    assert "注意：表格中没有信息处理费的数据，此句按未收取起草" in shown
    filled.press("a")
    assert filled.state.values["s6.text"].endswith("未收取政府信息公开信息处理费。")


def test_no_fee_sentence_once_the_section_states_the_fee(filled: Conversation) -> None:
    stated = "2024 年，市政府全年收取政府信息公开信息处理费 3940 元。"
    filled.state = replace(filled.state, values={**filled.state.values, "s6.text": stated})
    filled.press("M")
    assert "按表格起草" not in filled.actions(filled.press("ms6"))
    assert "已说明信息处理费的收取情况" in filled.text(filled.press("r"))
    filled.press("a")
    assert filled.state.values["s6.text"] == stated


def test_a_text_copied_from_another_office_is_reported_as_it_is_typed(
    engine: Engine, service: ReportChat, huaian: AnswersFile
) -> None:
    """Other offices' texts are read when the member's own text is checked, including the
    first text of a report that had none when the answer began."""
    other_id, _ = staff(engine, service, "淮安市某某区人民政府", 2401)
    import_report(engine, other_id, huaian, "淮安市某某区人民政府")
    _, member = staff(engine, service, "淮安市人民政府", 2402)
    service.open(member)
    service.press(member, service.open(member).callback_data("ms5"))
    turn = service.text(member, huaian.values["s5.text"])
    text = "\n".join(r.text for r in turn.replies)
    assert "已保存" in text
    assert "「五、存在的主要问题及改进情况」与同年度「淮安市某某区人民政府」报告的相同文字" in text
