"""Submission, review, overview and roll-up through the real bot and the fake Bot API; and
what no command or button may reach: another organisation's report."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.checks import check_values, complete_values
from bot.core.form import load_form
from bot.core.reader import read_report
from bot.core.rollup import is_narrative
from storage import clock, members, reports
from storage.db import session_scope
from storage.models import AuditLog, Invite, Report, ReportEvent
from tests.e2e.conftest import REPORT_YEAR
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.users import FakeUser, buttons

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
FORM = load_form("gov-disclosure-2021")


def sample(name: str, agency: str) -> AnswersFile:
    """A published report as this year's report of `agency` (the years in its text moved on)."""
    answers = load_answers(SAMPLES / name)
    shift = REPORT_YEAR - answers.year
    values = {
        k: re.sub(r"20\d\d", lambda m: str(int(m.group()) + shift), v) if isinstance(v, str) else v
        for k, v in answers.values.items()
    }
    return AnswersFile(answers.kind, agency, REPORT_YEAR, values)


def import_report(engine: Engine, org_id: int, answers: AnswersFile) -> int:
    with session_scope(engine) as session:
        return reports.import_answers(session, org_id=org_id, answers=answers).id


def report_row(engine: Engine, report_id: int) -> Report:
    with session_scope(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report


async def join(tg: FakeTelegram, make_invite, org_id: int, user_id: int, name: str, role="staff"):
    user = tg.user(id=user_id, first_name=name)
    user.send_command("start", make_invite(org_id, role=role))
    await user.wait_for_text_async("登记成功")
    return user


def forge_tap(tg: FakeTelegram, user: FakeUser, data: str) -> str:
    """A callback query with made-up data on the user's latest bot message (a forged button)."""
    message = user.last_message
    assert message is not None
    record = tg.state.new_callback_query(user.id, message["message_id"], data)
    tg.inject_update(
        "callback_query",
        {
            "id": record.id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": str(user.id),
            "data": data,
        },
    )
    return record.id


def labels(message: dict) -> list[str]:
    return [b["text"] for row in buttons(message) for b in row]


async def submit(user: FakeUser) -> dict:
    user.send_command("submit")
    await user.wait_for_text_async("确认提交吗")
    user.tap("确认提交")
    return await user.wait_for_text_async("已提交")


async def test_submit_return_fix_resubmit_approve(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    county = make_org("洪泽区人民政府", org_type="county_gov")
    bureau = make_org("洪泽区科技局", parent_id=county)
    other = make_org("涟水县人民政府", org_type="county_gov")
    staff = await join(tg, make_invite, bureau, 8001, "王芳")
    chen = await join(tg, make_invite, county, 8002, "陈督导", "supervisor")
    zhou = await join(tg, make_invite, county, 8003, "周督导", "supervisor")
    stranger = await join(tg, make_invite, other, 8004, "邻县督导", "supervisor")
    report_id = import_report(engine, bureau, sample("huaian-szf-2024.yaml", "洪泽区科技局"))

    staff.send_command("submit")
    asked = await staff.wait_for_text_async("确认提交吗")
    assert "洪泽区人民政府审核人员（陈督导、周督导）" in asked["text"]
    assert "提示1：「一、总体情况」共 1290 字" in asked["text"]
    staff.tap("确认提交")
    done = await staff.wait_for_text_async("已提交洪泽区科技局2025年度报告")
    assert "审核期间不能修改" in done["text"]
    for supervisor in (chen, zhou):  # every supervisor at the nearest level, with the .docx
        await supervisor.wait_for_text_async("王芳于")
        document = await supervisor.wait_for_document_async()
        assert (
            document["document"]["file_name"] == "洪泽区科技局2025年政府信息公开工作年度报告.docx"
        )
        assert supervisor.documents[-1].content.startswith(b"PK")

    # Locked: the walkthrough says so plainly.
    staff.send_command("report")
    await staff.wait_for_text_async("第一部分 总体情况")
    staff.send_text("补充一句。")
    locked = await staff.wait_for_text_async("不能修改")
    assert "当前状态为「已提交」" in locked["text"]

    # 陈 returns it with a comment; the next text message is the comment.
    chen.send_command("review")
    queue = await chen.wait_for_text_async("待审核的报告共 1 份")
    assert "洪泽区科技局2025年度报告，王芳于" in queue["text"]
    chen.tap("1. 洪泽区科技局")
    view = await chen.wait_for_text_async("【审核】洪泽区科技局2025年度报告")
    assert "请审阅下方 Word 文档" in view["text"] and labels(view) == []
    # The decision comes with the document, after reading it.
    document = await chen.wait_for_document_async()
    assert labels(document) == ["通过", "退回", "返回待审列表"]
    first_view_approve = buttons(document)[0][0]["callback_data"]
    chen.tap("退回")
    await chen.wait_for_text_async("下一条文字消息将作为退回意见")
    comment = "「一、总体情况」超过1000字，请精简后重新提交。"
    chen.send_text(comment)
    await chen.wait_for_text_async("已退回洪泽区科技局2025年度报告")
    note = await staff.wait_for_text_async("已被退回修改")
    assert comment in note["text"] and "陈督导" in note["text"]
    assert report_row(engine, report_id).status == "returned"

    # The staff member fixes the overview and submits again.
    staff.tap("修改报告")
    await staff.wait_for_text_async("第一部分 总体情况")
    staff.tap("清空重写")
    await staff.wait_for_text_async("已清空本部分内容")
    staff.send_text(
        "2025年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息。"
    )
    await staff.wait_for_text_async("已保存")
    staff.send_command("submit")
    asked = await staff.wait_for_text_async("确认提交吗")
    assert "提示" not in asked["text"]
    staff.tap("确认提交")
    await staff.wait_for_text_async("已提交洪泽区科技局2025年度报告")

    # 周 approves from the new notification.
    await zhou.wait_for_text_async("王芳于")
    await zhou.wait_for_document_async()
    zhou.tap("开始审核")
    view = await zhou.wait_for_text_async("【审核】洪泽区科技局2025年度报告")
    assert "陈督导 退回：「一、总体情况」超过1000字" in view["text"]
    zhou.tap("通过")
    await zhou.wait_for_text_async("已审核通过：洪泽区科技局2025年度报告")
    approved = await staff.wait_for_text_async("已审核通过")
    assert "周督导" in approved["text"]
    # 陈's buttons are stale now: his notification of the resubmission, his old decision.
    for tap in (lambda: chen.tap("开始审核"), lambda: forge_tap(tg, chen, first_view_approve)):
        answer = await chen.wait_for_callback_answer_async(tap())
        assert answer.text == "该按钮已失效。"
        await chen.wait_for_text_async("当前状态为「已审核通过」，不在待审核状态")
    assert report_row(engine, report_id).status == "approved"

    with session_scope(engine) as session:
        events = session.exec(select(ReportEvent).order_by(ReportEvent.id)).all()
    by = {8001: "王芳", 8002: "陈督导", 8003: "周督导"}
    with session_scope(engine) as session:
        ids = {
            m.id: by[m.telegram_user_id]
            for m in members.list_members(session)
            if m.telegram_user_id in by
        }
    assert [(e.to_status, ids[e.member_id], e.comment) for e in events] == [
        ("submitted", "王芳", None),
        ("returned", "陈督导", comment),
        ("submitted", "王芳", None),
        ("approved", "周督导", None),
    ]
    assert all(e.at is not None for e in events)
    assert [m["text"] for m in stranger.messages] == [stranger.messages[0]["text"]]  # welcome only


async def test_no_command_or_button_reaches_another_organisation(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    county = make_org("洪泽区人民政府", org_type="county_gov")
    bureau = make_org("洪泽区科技局", parent_id=county)
    make_org("高良涧街道", org_type="township", parent_id=county)
    other = make_org("涟水县人民政府", org_type="county_gov")
    other_bureau = make_org("涟水县科技局", parent_id=other)
    staff = await join(tg, make_invite, bureau, 8101, "王芳")
    outsider = await join(tg, make_invite, other_bureau, 8102, "赵敏")
    supervisor = await join(tg, make_invite, county, 8103, "陈督导", "supervisor")
    other_supervisor = await join(tg, make_invite, other, 8104, "邻县督导", "supervisor")
    report_id = import_report(engine, bureau, sample("huaian-szf-2024.yaml", "洪泽区科技局"))
    import_report(engine, other_bureau, sample("hongze-qzf-2024.yaml", "涟水县科技局"))
    version = report_row(engine, report_id).version

    # Staff of another organisation: no review commands, own report only.
    for command, refusal in (
        ("review", "审核仅供"),
        ("overview", "填报总览仅供"),
        ("summary", "汇总仅供"),
    ):
        outsider.send_command(command)
        reply = await outsider.wait_for_text_async(refusal)
        assert "洪泽" not in reply["text"]
    outsider.send_command("status")
    status = await outsider.wait_for_text_async("填写进度")
    assert "涟水县科技局" in status["text"] and "洪泽" not in status["text"]

    # Forged desk buttons naming the other report: refused alike whether absent or foreign.
    for data in (
        f"0:0:Vs{report_id}.{version}",
        f"0:0:Vo{report_id}",
        f"0:0:Va{report_id}.{version}",
        f"0:0:Vt{report_id}.{version}",
        "0:0:Vo999999",
    ):
        query = forge_tap(tg, outsider, data)
        answer = await outsider.wait_for_callback_answer_async(query)
        assert answer.text == "该按钮已失效。", data
        reply = await outsider.wait_for_text_async("该报告不存在或您无权查看")
        assert "洪泽" not in reply["text"]
    # A forged walkthrough button for the other report: the walkthrough refuses it too.
    query = forge_tap(tg, outsider, f"{report_id}:0:z")
    answer = await outsider.wait_for_callback_answer_async(query)
    assert answer.text and "失效" in answer.text

    await submit(staff)
    await supervisor.wait_for_document_async()
    version = report_row(engine, report_id).version
    for member in (outsider, other_supervisor, staff):
        query = forge_tap(tg, member, f"0:0:Va{report_id}.{version}")
        await member.wait_for_callback_answer_async(query)
    await staff.wait_for_text_async("只有上级单位的审核人员可以审核该报告")
    await other_supervisor.wait_for_text_async("该报告不存在或您无权查看")
    assert report_row(engine, report_id).status == "submitted"
    assert not any(d.file_name and "洪泽" in d.file_name for d in other_supervisor.documents)
    assert not outsider.documents

    # Each supervisor sees exactly their subtree.
    other_supervisor.send_command("review")
    await other_supervisor.wait_for_text_async("目前没有待审核的报告")
    other_supervisor.send_command("overview")
    theirs = await other_supervisor.wait_for_text_async("填报总览")
    assert "共 2 个单位" in theirs["text"] and "洪泽" not in theirs["text"]
    supervisor.send_command("overview")
    ours = await supervisor.wait_for_text_async("填报总览")
    numbered = [line for line in ours["text"].splitlines() if re.match(r"\d+\. ", line)]
    names = [line.split("（")[0] for line in numbered]
    assert names == ["1. 高良涧街道", "2. 洪泽区人民政府", "3. 洪泽区科技局"]
    assert "涟水" not in ours["text"]
    assert "1. 高良涧街道（未开始）" in ours["text"]  # in scope, not begun

    # A removed supervisor is refused on the very next update.
    with session_scope(engine) as session:
        member = members.get_member(session, telegram_user_id=supervisor.id)
        assert member is not None
        members.deactivate_member(session, member_id=member.id, actor="cli:admin")
    supervisor.send_command("review")
    await supervisor.wait_for_text_async("本助手仅供已登记的政府信息公开工作人员使用")
    query = forge_tap(tg, supervisor, f"0:0:Va{report_id}.{version}")
    answer = await supervisor.wait_for_callback_answer_async(query)
    assert answer.show_alert and "已被移出" in (answer.text or "")
    assert report_row(engine, report_id).status == "submitted"


async def test_admin_decisions_through_the_bot_are_audited(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    county = make_org("洪泽区人民政府", org_type="county_gov")
    bureau = make_org("洪泽区科技局", parent_id=county)
    staff = await join(tg, make_invite, bureau, 8201, "王芳")
    admin = await join(tg, make_invite, county, 8202, "管理员", "admin")
    report_id = import_report(engine, bureau, sample("huaian-szf-2024.yaml", "洪泽区科技局"))
    await submit(staff)
    admin.send_command("review")
    await admin.wait_for_text_async("待审核的报告共 1 份")
    admin.tap("1. 洪泽区科技局")
    await admin.wait_for_text_async("【审核】")
    await admin.wait_for_document_async()
    admin.tap("通过")
    await admin.wait_for_text_async("已审核通过")
    with session_scope(engine) as session:
        logged = session.exec(select(AuditLog).where(AuditLog.action == "report.approve")).all()
    assert [(e.actor, e.detail["report_id"]) for e in logged] == [
        (f"telegram:{admin.id}", report_id)
    ]


async def test_invites_over_the_bot_are_hashed_single_use_revocable_expiring_and_rate_limited(
    tg, running_bot, engine, make_org, make_invite, monkeypatch
) -> None:
    org = make_org("洪泽区科技局")
    code = make_invite(org)
    with session_scope(engine) as session:
        invites = session.exec(select(Invite)).all()
    assert [i.code_hash for i in invites] == [hashlib.sha256(code.encode()).hexdigest()]

    first = tg.user(id=8301, first_name="甲")
    first.send_command("start", code.upper())
    await first.wait_for_text_async("登记成功")
    second = tg.user(id=8302, first_name="乙")
    second.send_command("start", code)
    await second.wait_for_text_async("该邀请码已被使用")

    guesser = tg.user(id=8303, first_name="丙")
    real = make_invite(org)
    for attempt in range(members.MAX_FAILURES):
        guesser.send_command("start", f"wrongcode{attempt:03d}")
        await guesser.wait_for_text_async("邀请码无效")
    guesser.send_command("start", real)
    locked = await guesser.wait_for_text_async("尝试次数过多")
    assert "分钟后再试" in locked["text"]
    guesser.send_command("review")
    await guesser.wait_for_text_async("本助手仅供已登记的政府信息公开工作人员使用")

    withdrawn = make_invite(org)
    with session_scope(engine) as session:
        newest = max(session.exec(select(Invite.id)).all())
        members.revoke_invite(session, actor="cli:root", invite_id=newest)
    refused = tg.user(id=8305, first_name="戊")
    refused.send_command("start", withdrawn)
    await refused.wait_for_text_async("该邀请码已被管理员撤销，不能再使用")

    late = tg.user(id=8304, first_name="丁")
    expiring = make_invite(org)
    now = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: now + timedelta(days=15))
    late.send_command("start", expiring)
    await late.wait_for_text_async("该邀请码已过期")


async def test_rollup_of_two_approved_reports_equals_the_cell_sums(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    city = make_org("淮安市政务公开办", org_type="city_gov")
    huaian_org = make_org("淮安市人民政府办公室", parent_id=city)
    hongze_org = make_org("淮安市洪泽区人民政府", org_type="county_gov", parent_id=city)
    supervisor = await join(tg, make_invite, city, 8401, "市督导", "supervisor")
    samples = {
        huaian_org: sample("huaian-szf-2024.yaml", "淮安市人民政府办公室"),
        hongze_org: sample("hongze-qzf-2024.yaml", "淮安市洪泽区人民政府"),
    }
    supervisor.send_command("summary")
    await supervisor.wait_for_text_async("尚无2025年度已审核通过的报告")
    for number, (org_id, answers) in enumerate(samples.items()):
        staff = await join(tg, make_invite, org_id, 8410 + number, f"填报{number}")
        import_report(engine, org_id, answers)
        await submit(staff)
        await supervisor.wait_for_document_async()
        supervisor.tap("开始审核")
        await supervisor.wait_for_text_async("【审核】")
        supervisor.tap("通过")
        await supervisor.wait_for_text_async("已审核通过")
        await staff.wait_for_text_async("已审核通过")

    supervisor.send_command("summary")
    summary = await supervisor.wait_for_text_async("淮安市政务公开办2025年度报告汇总表")
    assert (
        "已汇总 2 份已审核通过的报告：淮安市人民政府办公室、淮安市洪泽区人民政府" in summary["text"]
    )
    assert "汇总表格校验通过" in summary["text"] and "待撰写" in summary["text"]
    await supervisor.wait_for_document_async()
    document = supervisor.documents[-1]
    assert document.file_name == "淮安市政务公开办2025年政府信息公开工作年度报告（汇总）.docx"

    read = read_report(document.content)
    assert read.kind == FORM.kind and read.answers.year == REPORT_YEAR
    summed = parse_answers(read.answers).values
    parts = [complete_values(FORM, parse_answers(a).values) for a in samples.values()]
    for field_id in FORM.numeric_fields:
        assert summed[field_id] == parts[0][field_id] + parts[1][field_id], field_id
    assert not any(summed.get(f) for f in FORM.text_fields)
    findings = check_values(FORM, summed)
    assert [f for f in findings if not is_narrative(FORM, f)] == []

    supervisor.send_command("summary", "去年")
    await supervisor.wait_for_text_async("年度请用四位数字")
