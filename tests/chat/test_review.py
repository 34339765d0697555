"""Submission and review over the database: who is told what, and what no button can do."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.chat.desk_actions import action, parse_action, parse_year_argument
from bot.chat.desk_results import DeskResult
from bot.chat.review import ReviewDesk
from bot.chat.review_decisions import PENDING_KEY
from bot.chat.service import ReportChat
from bot.chat.turn import Turn, encode_button
from bot.core.answers import AnswersFile, load_answers
from storage import inbox, members, orgs, positions, reports
from storage.db import session_scope
from storage.deadlines import set_deadline
from storage.models import AuditLog, Member, Report, ReportEvent

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
JANUARY_2026 = date(2026, 1, 10)  # the 2025 report is being prepared
YEAR = 2025
_user_ids = itertools.count(2001)


@dataclass
class World:
    county: int
    bureau: int
    township: int
    other_county: int
    other_bureau: int


@pytest.fixture
def world(engine: Engine) -> World:
    with session_scope(engine) as session:
        city = orgs.create_org(session, name="淮安市人民政府", org_type="city_gov")
        county = orgs.create_org(
            session, name="洪泽区人民政府", org_type="county_gov", parent_id=city.id
        )
        bureau = orgs.create_org(
            session, name="洪泽区科技局", org_type="department", parent_id=county.id
        )
        township = orgs.create_org(
            session, name="高良涧街道", org_type="township", parent_id=county.id
        )
        other = orgs.create_org(
            session, name="涟水县人民政府", org_type="county_gov", parent_id=city.id
        )
        other_bureau = orgs.create_org(
            session, name="涟水县科技局", org_type="department", parent_id=other.id
        )
        return World(county.id, bureau.id, township.id, other.id, other_bureau.id)


@pytest.fixture
def chat(engine: Engine) -> ReportChat:
    return ReportChat(engine, today=lambda: JANUARY_2026)


@pytest.fixture
def desk(engine: Engine) -> ReviewDesk:
    return ReviewDesk(engine, today=lambda: JANUARY_2026)


@pytest.fixture
def person(engine: Engine, chat: ReportChat):
    def join(org_id: int, role: str = "staff", name: str | None = None) -> Member:
        user_id = next(_user_ids)
        with session_scope(engine) as session:
            _, code = members.create_invite(session, org_id=org_id, role=role, created_by="t")
        chat.join(
            telegram_user_id=user_id, name=name or f"用户{user_id}", chat_id=user_id, code=code
        )
        member = chat.member(user_id)
        assert member is not None
        return member

    return join


def sample(name: str, agency: str, year: int = YEAR) -> AnswersFile:
    answers = load_answers(SAMPLES / name)
    return AnswersFile(answers.kind, agency, year, dict(answers.values))


def filled(engine: Engine, org_id: int, agency: str, name: str = "huaian-szf-2024.yaml") -> int:
    with session_scope(engine) as session:
        report = reports.import_answers(session, org_id=org_id, answers=sample(name, agency))
        return report.id


def report_row(engine: Engine, report_id: int) -> Report:
    with session_scope(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report


def text(turn_or_result: Turn | DeskResult) -> str:
    turn = turn_or_result.turn if isinstance(turn_or_result, DeskResult) else turn_or_result
    return "\n".join(r.text for r in turn.replies)


def buttons(result: DeskResult) -> dict[str, str]:
    """Every button of the turn: under its replies and under its document."""
    turn = result.turn
    rows = [row for r in turn.replies for row in r.buttons]
    if turn.document is not None:
        rows += turn.document.buttons
    return {b.text: turn.callback_data(b.action) for row in rows for b in row}


def submit(desk: ReviewDesk, member: Member) -> DeskResult:
    asked = desk.submit(member)
    assert "确认提交吗" in text(asked), text(asked)
    return desk.press(member, buttons(asked)["确认提交"])


def test_actions_round_trip_and_stay_clear_of_the_walkthrough() -> None:
    data = encode_button(0, 0, action("a", 123456789, 42))
    assert parse_action(data) == ("a", (123456789, 42))
    assert parse_action("0:0:Va1") is None  # wrong arity
    assert parse_action("0:0:z") is None and parse_action("Va1.2") is None
    assert parse_year_argument([]) is None and parse_year_argument(["2024年"]) == 2024
    with pytest.raises(ValueError):
        parse_year_argument(["去年"])


def test_errors_block_submission_with_jump_buttons(engine, world, desk, chat, person) -> None:
    staff = person(world.bureau)
    chat.open(staff)
    result = desk.submit(staff)
    assert "暂不能提交" in text(result)
    assert any(a.split(":")[2].startswith("f") for a in buttons(result).values())
    assert report_row(engine, result.turn.report_id).status == "draft"
    assert not result.notifications


def test_nothing_to_submit_yet(world, desk, person) -> None:
    assert "尚未开始填写2025年度报告" in text(desk.submit(person(world.bureau)))


def test_submission_locks_the_report_and_tells_the_reviewers(
    engine, world, desk, chat, person
) -> None:
    staff = person(world.bureau, name="王芳")
    colleague = person(world.bureau, name="李强")
    first = person(world.county, "supervisor", "陈督导")
    second = person(world.county, "supervisor", "周督导")
    person(world.other_county, "supervisor", "邻县督导")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    asked = desk.submit(staff)
    assert "洪泽区人民政府审核人员（陈督导、周督导）" in text(asked)
    assert "提交后报告将锁定" in text(asked)
    done = desk.press(staff, buttons(asked)["确认提交"])
    assert "已提交洪泽区科技局2025年度报告" in text(done)
    assert report_row(engine, report_id).status == "submitted"
    told = {n.chat_id: n.turn for n in done.notifications}
    assert set(told) == {first.chat_id, second.chat_id, colleague.chat_id}
    to_reviewer = told[first.chat_id]
    assert to_reviewer.document is not None
    assert Document(BytesIO(to_reviewer.document.content)).paragraphs
    assert "王芳" in text(to_reviewer) and "请审核" in text(to_reviewer)
    assert "报告已锁定" in text(told[colleague.chat_id])
    # The walkthrough says plainly that the report cannot be changed now.
    chat.open(staff, year=YEAR)
    refused = chat.text(staff, "1")
    assert "当前状态为「已提交」，不能修改" in text(refused)
    again = desk.submit(staff)
    assert "正在等待上级审核" in text(again) and "不能修改" in text(again)
    with session_scope(engine) as session:
        events = session.exec(select(ReportEvent)).all()
    assert [(e.to_status, e.member_id) for e in events] == [("submitted", staff.id)]


def test_a_stale_confirmation_shows_the_current_check(engine, world, desk, person) -> None:
    staff = person(world.bureau)
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    asked = desk.submit(staff)
    with session_scope(engine) as session:
        reports.save_answers(
            session, actor=staff, report_id=report_id, values={"s3.new.natural": None}
        )
    after = desk.press(staff, buttons(asked)["确认提交"])
    assert after.turn.notice and "已有变更" in after.turn.notice
    assert "暂不能提交" in text(after)
    assert report_row(engine, report_id).status == "draft"


def test_without_reviewers_the_submitter_is_told_to_ask_an_admin(
    engine, world, desk, person
) -> None:
    staff = person(world.bureau)
    filled(engine, world.bureau, "洪泽区科技局")
    done = submit(desk, staff)
    assert "尚无审核人员登记" in text(done)
    assert done.notifications == ()


def test_return_with_comment_then_fix_resubmit_and_approve(
    engine, world, desk, chat, person
) -> None:
    staff = person(world.bureau, name="王芳")
    supervisor = person(world.county, "supervisor", "陈督导")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)

    queue = desk.review(supervisor)
    assert "待审核的报告共 1 份" in text(queue) and "王芳于" in text(queue)
    opened = desk.press(supervisor, buttons(queue)["1. 洪泽区科技局"])
    assert "【审核】洪泽区科技局2025年度报告" in text(opened)
    assert opened.turn.document is not None
    assert {"通过", "退回", "返回待审列表"} <= set(buttons(opened))

    asked = desk.press(supervisor, buttons(opened)["退回"])
    assert "下一条文字消息将作为退回意见" in text(asked)
    assert desk.pending_comment(supervisor) == report_id
    restarted = ReviewDesk(engine, today=lambda: JANUARY_2026)  # the bot restarts meanwhile
    with session_scope(engine) as session:  # the comment came through the Telegram inbox
        inbox.record_updates(session, received=[inbox.Received(77, None, {})])
    comment = "表三第二行数字有误，请核对。"
    returned = restarted.receive_text(supervisor.telegram_user_id, comment, update_id=77)
    assert returned is not None and "已退回洪泽区科技局2025年度报告" in text(returned)
    # Replayed after a crash: answered the same, not taken as an answer in the walkthrough.
    replayed = restarted.receive_text(
        supervisor.telegram_user_id, comment, update_id=77, replayed=True
    )
    assert replayed is not None and replayed.turn == returned.turn
    [note] = returned.notifications
    assert note.chat_id == staff.chat_id
    assert "表三第二行数字有误，请核对。" in text(note.turn) and "/submit" in text(note.turn)
    assert report_row(engine, report_id).status == "returned"
    # No longer pending: the next text is an answer in the walkthrough, not a second return.
    after = restarted.receive_text(supervisor.telegram_user_id, "下一条消息")
    assert after is not None and not after.notifications
    assert "/report" in text(after)
    assert report_row(engine, report_id).status == "returned"

    # The staff member can edit again, and resubmits; the old decision buttons are stale.
    chat.open(staff, year=YEAR)
    with session_scope(engine) as session:
        reports.save_answers(
            session, actor=staff, report_id=report_id, values={"s2.rules.issued": 2}
        )
    submit(desk, staff)
    stale = desk.press(supervisor, buttons(opened)["通过"])
    assert "报告内容已有变更" in text(stale)
    assert report_row(engine, report_id).status == "submitted"
    approved = desk.press(supervisor, buttons(stale)["通过"])
    assert "已审核通过：洪泽区科技局2025年度报告" in text(approved)
    [note] = approved.notifications
    assert note.chat_id == staff.chat_id and "已审核通过" in text(note.turn)
    with session_scope(engine) as session:
        events = session.exec(select(ReportEvent).order_by(ReportEvent.id)).all()
    assert [(e.to_status, e.member_id, e.comment) for e in events] == [
        ("submitted", staff.id, None),
        ("returned", supervisor.id, "表三第二行数字有误，请核对。"),
        ("submitted", staff.id, None),
        ("approved", supervisor.id, None),
    ]
    assert "目前没有待审核的报告" in text(desk.review(supervisor))


def test_the_comment_survives_other_chat_and_can_be_cancelled(
    engine, world, desk, chat, person
) -> None:
    staff = person(world.bureau)
    supervisor = person(world.county, "supervisor")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)
    opened = desk.press(supervisor, action_data("o", report_id))
    asked = desk.press(supervisor, buttons(opened)["退回"])
    desk.overview(supervisor)
    chat.open(supervisor)  # the walkthrough of their own organisation's report
    chat.cancel(supervisor)
    too_long = desk.receive_text(supervisor.telegram_user_id, "意" * 1001)
    assert too_long is not None and "请精简到 1000 字以内" in text(too_long)
    assert "取消退回" in buttons(too_long)
    assert desk.pending_comment(supervisor) == report_id
    with session_scope(engine) as session:
        assert positions.get_position(session, member_id=supervisor.id).state[PENDING_KEY] == (
            report_id
        )
    cancelled = desk.press(supervisor, buttons(asked)["取消退回"])
    assert "已取消退回" in text(cancelled)
    answered = desk.receive_text(supervisor.telegram_user_id, "随便说说")
    assert answered is not None and "退回" not in text(answered)
    assert report_row(engine, report_id).status == "submitted"


def test_turning_to_their_own_report_cancels_a_return_awaiting_its_comment(
    engine, world, desk, chat, person
) -> None:
    staff = person(world.bureau)
    both = person(world.county, "supervisor_staff")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)
    opened = desk.press(both, action_data("o", report_id))
    desk.press(both, buttons(opened)["退回"])
    turn = chat.open(both)  # their own organisation's report
    assert "退回未执行：您已转到填写本单位报告" in text(turn)
    answer = desk.receive_text(both.telegram_user_id, "本年度总体情况。")
    # The text is their report's answer, not the comment: the bureau's report stays submitted.
    assert answer is not None and "已保存" in text(answer)
    assert report_row(engine, report_id).status == "submitted"
    assert desk.pending_comment(both) is None


def action_data(code: str, *numbers: int) -> str:
    return encode_button(0, 0, action(code, *numbers))


def test_no_button_reaches_beyond_the_members_scope(engine, world, desk, chat, person) -> None:
    staff = person(world.bureau)
    other_staff = person(world.other_bureau)
    supervisor = person(world.county, "supervisor")
    other_supervisor = person(world.other_county, "supervisor")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    version = report_row(engine, report_id).version
    # Another organisation's staff cannot submit it, look at it, or decide on it.
    for data in (
        action_data("s", report_id, version),
        action_data("o", report_id),
        action_data("a", report_id, version),
        action_data("t", report_id, version),
    ):
        refused = desk.press(other_staff, data)
        assert "不存在或您无权查看" in text(refused), data
        assert "洪泽区科技局" not in text(refused)
    submit(desk, staff)
    version = report_row(engine, report_id).version
    for member in (other_supervisor, other_staff):
        for data in (action_data("o", report_id), action_data("a", report_id, version)):
            refused = desk.press(member, data)
            assert "不存在或您无权查看" in text(refused) and refused.turn.document is None
    # The staff member cannot approve their own report.
    refused = desk.press(staff, action_data("a", report_id, version))
    assert "只有上级单位的审核人员" in text(refused)
    # A report that does not exist reads the same as a foreign one.
    assert "不存在或您无权查看" in text(desk.press(supervisor, action_data("o", 999_999)))
    assert "无法识别" in text(desk.press(supervisor, "0:0:Vz"))
    assert report_row(engine, report_id).status == "submitted"
    assert "审核仅供" in text(desk.review(staff))
    assert "目前没有待审核的报告" in text(desk.review(other_supervisor))


def test_supervisor_cannot_review_their_own_organisation(engine, world, desk, person) -> None:
    county_staff = person(world.county)
    county_supervisor = person(world.county, "supervisor")
    report_id = filled(engine, world.county, "洪泽区人民政府")
    submit(desk, county_staff)
    assert "目前没有待审核的报告" in text(desk.review(county_supervisor))
    refused = desk.press(county_supervisor, action_data("o", report_id))
    assert "本单位的报告应由上级单位的审核人员审核" in text(refused)
    assert "督导人员负责审核" in text(desk.submit(county_supervisor))


def test_admin_decisions_are_audited(engine, world, desk, person) -> None:
    staff = person(world.bureau)
    admin = person(world.county, "admin")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)
    desk.press(admin, action_data("a", report_id, report_row(engine, report_id).version))
    assert report_row(engine, report_id).status == "approved"
    with session_scope(engine) as session:
        logged = session.exec(select(AuditLog).where(AuditLog.action == "report.approve")).all()
    assert [(e.actor, e.detail["report_id"]) for e in logged] == [
        (f"telegram:{admin.telegram_user_id}", report_id)
    ]


def test_a_removed_member_can_do_nothing(engine, world, desk, person) -> None:
    staff = person(world.bureau)
    supervisor = person(world.county, "supervisor")
    report_id = filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)
    with session_scope(engine) as session:
        members.deactivate_member(session, member_id=supervisor.id, actor="t")
    version = report_row(engine, report_id).version
    assert "已停用" in text(desk.press(supervisor, action_data("a", report_id, version)))
    assert "已停用" in text(desk.overview(supervisor))
    assert report_row(engine, report_id).status == "submitted"


def test_overview_is_sorted_by_urgency_and_paged(engine, world, desk, chat, person) -> None:
    staff = person(world.bureau)
    supervisor = person(world.county, "supervisor")
    township_staff = person(world.township)
    filled(engine, world.bureau, "洪泽区科技局")
    submit(desk, staff)
    chat.open(township_staff)  # a begun, empty report
    with session_scope(engine) as session:
        set_deadline(session, year=YEAR, due=date(2026, 1, 5), org_id=world.township, actor="t")
    result = desk.overview(supervisor)
    body = text(result)
    assert "2025年度报告填报总览：洪泽区人民政府及所辖单位，共 3 个单位" in body
    lines = [line for line in body.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert [line.split("（")[0] for line in lines] == [
        "1. 高良涧街道",  # overdue
        "2. 洪泽区人民政府",  # not begun, due 31 March
        "3. 洪泽区科技局",  # submitted
    ]
    assert "已逾期 5 天" in body and "距截止 80 天" in body
    assert "进度 100%｜错误 0 项" in body and "进度 0%｜错误 —" in body
    assert "草稿 1｜已提交 1｜已退回 0｜已审核通过 0｜未开始 1｜逾期未提交 1" in body
    assert "1. 高良涧街道（草稿）" in body and "2. 洪泽区人民政府（未开始）" in body
    assert "涟水" not in body
    assert not buttons(result)  # one page
    assert "填报总览仅供" in text(desk.overview(staff))
    assert "2010年度没有适用的报告格式" in text(desk.overview(supervisor, year=2010))


def test_overview_pages(engine, world, desk, person) -> None:
    supervisor = person(world.county, "supervisor")
    with session_scope(engine) as session:
        for number in range(23):
            orgs.create_org(
                session,
                name=f"洪泽区第{number:02d}局",
                org_type="department",
                parent_id=world.county,
            )
    first = desk.overview(supervisor)
    assert "共 26 个单位" in text(first) and "第 1/3 页" in text(first)
    assert set(buttons(first)) == {"下一页"}
    second = desk.press(supervisor, buttons(first)["下一页"])
    assert "第 2/3 页" in text(second) and set(buttons(second)) == {"上一页", "下一页"}
    assert "11. " in text(second) and "20. " in text(second)
    last = desk.press(supervisor, action_data("p", YEAR, 99))  # clamped
    assert "第 3/3 页" in text(last) and set(buttons(last)) == {"上一页"}


def test_summary_rolls_up_approved_reports(engine, world, desk, person) -> None:
    staff = person(world.bureau)
    township_staff = person(world.township)
    supervisor = person(world.county, "supervisor")
    a = filled(engine, world.bureau, "洪泽区科技局")
    b = filled(engine, world.township, "高良涧街道", "hongze-qzf-2024.yaml")
    assert "尚无2025年度已审核通过的报告" in text(desk.summary(supervisor))
    for member, report_id in ((staff, a), (township_staff, b)):
        submit(desk, member)
        desk.press(supervisor, action_data("a", report_id, report_row(engine, report_id).version))
    result = desk.summary(supervisor)
    assert "已汇总 2 份已审核通过的报告：洪泽区科技局、高良涧街道" in text(result)
    assert "汇总表格校验通过" in text(result) and "待撰写" in text(result)
    assert result.turn.document is not None
    assert (
        result.turn.document.filename == "洪泽区人民政府2025年政府信息公开工作年度报告（汇总）.docx"
    )
    assert "汇总仅供" in text(desk.summary(staff))
