"""What is due when, over a real database, with a controlled clock and a recording bot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select
from telegram.error import NetworkError

from bot.chat.service import ReportChat
from bot.core.answers import load_answers, parse_answers
from bot.reminders.plan import plan_reminders
from bot.reminders.policy import ReminderPolicy
from bot.reminders.sender import Pacer
from bot.reminders.snapshot import Snapshot, deadlines_for, load_snapshot
from bot.reminders.sweep import Sweeper
from storage.db import session_scope
from storage.deadlines import deadline_for, set_deadline
from storage.members import mark_blocked
from storage.models import Organisation, ReminderLog
from storage.orgs import subtree_ids
from storage.reports import get_or_create_report, save_answers, set_status
from tests.reminders.support import DUE, YEAR, RecordingBot, World, at

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "samples" / "huaian-szf-2024.yaml"


def plan_at(world: World, policy: ReminderPolicy, day: date, hour: int = 9):
    with Session(world.engine) as session:
        return plan_reminders(session, now=at(day, hour), policy=policy)


def report_for(world: World, staff: str):
    with session_scope(world.engine) as session:
        return get_or_create_report(session, actor=world.members[staff], year=YEAR)


def submit(world: World, staff: str) -> int:
    report = report_for(world, staff)
    with session_scope(world.engine) as session:
        set_status(session, actor=world.members[staff], report_id=report.id, to_status="submitted")
    return report.id


def fill_table_three_with_an_error(world: World, staff: str) -> int:
    """Table 三 complete from the sample but one cell 5 too high: two balance errors."""
    values = parse_answers(load_answers(SAMPLE)).values
    table = {k: v for k, v in values.items() if k.startswith("s3.")}
    table["s3.new.natural"] += 5
    report = report_for(world, staff)
    with session_scope(world.engine) as session:
        save_answers(session, actor=world.members[staff], report_id=report.id, values=table)
    return report.id


async def test_ladder_fires_on_the_right_days(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    chat = world.chat("王芳")
    days_with_reminder = []
    for offset in range(-20, 4):
        day = DUE + timedelta(days=offset)
        before = len(bot.texts(chat))
        for hour in (7, 8, 13, 20, 22):
            report = await sweeper.sweep(at(day, hour))
            if hour in (7, 22):  # quiet hours
                assert report.quiet and report.sent == 0
        sent = len(bot.texts(chat)) - before
        assert sent <= 1, f"{sent} reminders on day {offset}"
        if sent:
            days_with_reminder.append(offset)
    assert days_with_reminder == [-14, -7, -3, -1, 0, 1, 2, 3]
    keys = [k for k in world.log_keys() if f":m{world.members['王芳'].id}:" in k]
    assert keys == [
        *(f"deadline:2024:m{world.members['王芳'].id}:d-{n}" for n in (14, 7, 3, 1, 0)),
        *(
            f"overdue:2024:m{world.members['王芳'].id}:{(DUE + timedelta(days=n)).isoformat()}"
            for n in (1, 2, 3)
        ),
    ]
    texts = bot.texts(chat)
    assert "距截止还有 14 天" in texts[0]
    assert "今天（2025年1月31日）是截止日期" in texts[4]
    assert "已逾期 2 天" in texts[6]


async def test_nothing_in_quiet_hours(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    day = DUE - timedelta(days=7)
    for hour, minute in ((21, 0), (23, 30), (0, 0), (7, 59)):
        report = await sweeper.sweep(at(day, hour, minute))
        assert report.quiet and report.planned == 0
    assert bot.sent == [] and world.log() == []
    report = await sweeper.sweep(at(day, 8, 0))
    assert not report.quiet and report.sent == len(bot.sent) > 0


async def test_downtime_sends_only_the_latest_step(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    chat = world.chat("王芳")
    await sweeper.sweep(at(DUE - timedelta(days=14)))
    await sweeper.sweep(at(DUE - timedelta(days=10)))
    # Down from 9 days before the deadline until 2 days before.
    await sweeper.sweep(at(DUE - timedelta(days=2)))
    texts = bot.texts(chat)
    assert len(texts) == 2
    assert "距截止还有 2 天" in texts[1]
    member = world.members["王芳"].id
    assert [k for k in world.log_keys() if f":m{member}:" in k] == [
        f"deadline:2024:m{member}:d-14",
        f"deadline:2024:m{member}:d-3",
    ]


async def test_a_week_of_downtime_yields_one_catch_up_each(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    await sweeper.sweep(at(DUE))
    bot.sent.clear()
    report = await sweeper.sweep(at(DUE + timedelta(days=7), 10))
    by_chat: dict[int, int] = {}
    for message in bot.sent:
        by_chat[message["chat_id"]] = by_chat.get(message["chat_id"], 0) + 1
    # Four staff of departments/townships and two supervisors; 吴刚's county is due in March.
    assert set(by_chat.values()) == {1}
    assert len(by_chat) == report.sent == 6
    assert world.chat("吴刚") not in by_chat
    assert "已逾期 7 天" in bot.texts(world.chat("王芳"))[0]


async def test_staff_reminder_lists_sections_left_and_errors(
    world: World, recording_sweeper
) -> None:
    sweeper, bot = recording_sweeper
    report_id = fill_table_three_with_an_error(world, "王芳")
    await sweeper.sweep(at(DUE - timedelta(days=7)))
    (message,) = [m for m in bot.sent if m["chat_id"] == world.chat("王芳")]
    text = message["text"]
    assert "【年报提醒】洪泽区科技局2024年度政府信息公开工作年度报告" in text
    assert "截止日期为2025年1月31日，距截止还有 7 天" in text
    assert "填写进度 24/36 项，以下部分尚未完成" in text
    for label in (
        "第一部分 总体情况",
        "第二部分 主动公开政府信息情况",
        "第四部分",
        "第五部分",
        "第六部分",
    ):
        assert label in text
    assert "第三部分" not in text
    assert "需修改的错误 2 项" in text
    assert "表三「自然人」列" in text
    assert "未填写数字" not in text  # blanks are what the sections list
    (row,) = message["reply_markup"].inline_keyboard
    assert (row[0].text, row[0].callback_data) == ("继续填写", f"{report_id}:0:R")
    # A township without a report yet: nothing done, the button still opens the report.
    (other,) = [m for m in bot.sent if m["chat_id"] == world.chat("周丽")]
    assert "本单位尚未开始填写本年度报告" in other["text"]
    assert other["reply_markup"].inline_keyboard[0][0].callback_data == "0:0:R"


def test_continue_button_opens_the_walkthrough(world: World) -> None:
    chat = ReportChat(world.engine, today=lambda: DUE - timedelta(days=7))
    turn = chat.press(world.members["周丽"], "0:0:R")
    assert turn.report_id is not None
    text = "\n".join(reply.text for reply in turn.replies)
    assert "高良涧街道2024年政府信息公开工作年度报告" in text


async def test_returned_report_reminds_with_the_comment(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    report_id = submit(world, "周丽")
    with session_scope(world.engine) as session:
        set_status(
            session,
            actor=world.members["陈督导"],
            report_id=report_id,
            to_status="returned",
            comment="表三结转数与上年不一致",
        )
    await sweeper.sweep(at(DUE - timedelta(days=3)))
    (text,) = bot.texts(world.chat("周丽"))
    assert "报告已被退回，请按审核意见修改后重新提交" in text
    assert "审核意见：表三结转数与上年不一致" in text
    (digest,) = bot.texts(world.chat("陈督导"))
    assert "退回待修改（1 个）：\n· 高良涧街道" in digest


async def test_submitted_organisations_get_no_reminder(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    submit(world, "王芳")
    await sweeper.sweep(at(DUE + timedelta(days=1)))
    assert bot.texts(world.chat("王芳")) == bot.texts(world.chat("李强")) == []
    assert len(bot.texts(world.chat("周丽"))) == 1
    (digest,) = bot.texts(world.chat("陈督导"))
    assert "共 3 个，已提交 1 个，未提交 2 个（其中逾期 1 个" in digest
    assert "洪泽区科技局" not in digest


async def test_digest_covers_exactly_the_subtree(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    await sweeper.sweep(at(DUE + timedelta(days=2)))
    names = {org.id: name for name, org in world.orgs.items()}
    with Session(world.engine) as session:
        for supervisor in ("陈督导", "孙督导"):
            scope = subtree_ids(session, org_id=world.members[supervisor].org_id)
            (digest,) = bot.texts(world.chat(supervisor))
            listed = {name for name in names.values() if f"· {name}：" in digest}
            assert listed == {names[i] for i in scope}, supervisor
    digest = bot.texts(world.chat("陈督导"))[0]
    assert "涟水县" not in digest
    # Overdue first, most overdue first; then the ones still in time.
    lines = [line for line in digest.splitlines() if line.startswith("· ")]
    assert lines[0].startswith("· 洪泽区科技局：逾期 2 天") or lines[0].startswith(
        "· 高良涧街道：逾期 2 天"
    )
    assert lines[-1].startswith("· 洪泽区人民政府：还有 57 天截止")


async def test_digest_waits_for_the_window(world: World, recording_sweeper) -> None:
    sweeper, bot = recording_sweeper
    await sweeper.sweep(at(DUE - timedelta(days=15)))
    assert bot.sent == []
    await sweeper.sweep(at(DUE - timedelta(days=14)))
    assert len(bot.texts(world.chat("陈督导"))) == 1
    await sweeper.sweep(at(DUE - timedelta(days=14), 15))
    assert len(bot.texts(world.chat("陈督导"))) == 1  # one digest per day
    await sweeper.sweep(at(DUE - timedelta(days=13)))
    assert len(bot.texts(world.chat("陈督导"))) == 2


def add_units(world: World, count: int) -> None:
    for n in range(count):
        world.org(f"洪泽区第{n:03d}号机关名称较长的局属事业单位", "department", "洪泽区人民政府")


def test_long_digest_is_split_and_capped(world: World) -> None:
    add_units(world, 120)
    policy = ReminderPolicy(timezone=at(DUE).tzinfo, digest_max_orgs=100)  # type: ignore[arg-type]
    plan = plan_at(world, policy, DUE - timedelta(days=1))
    parts = [d for d in plan.deliveries if d.member_id == world.members["陈督导"].id]
    assert len(parts) == 2
    assert all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert [p.key for p in parts] == [parts[0].key, parts[0].key + ":p2"]
    assert [p.step for p in parts] == ["digest 1/2", "digest 2/2"]
    text = "\n".join(p.text for p in parts)
    assert "及所属单位共 123 个" in text
    assert sum(line.startswith("· ") for line in text.splitlines()) == 100
    assert "……另有 23 个单位未列出" in text


class FailsOnce(RecordingBot):
    """Refuses the `nth` message to `chat_id` once with a network error."""

    def __init__(self, chat_id: int, nth: int) -> None:
        super().__init__()
        self.chat_id, self.nth, self.seen = chat_id, nth, 0

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        if chat_id == self.chat_id:
            self.seen += 1
            if self.seen == self.nth:
                raise NetworkError("connection reset")
        await super().send_message(chat_id, text, **kwargs)


async def test_a_lost_part_is_sent_alone(world: World, policy: ReminderPolicy, clock) -> None:
    """Part 2 of a digest failing, or never claimed (a crash between parts), costs only part 2:
    the supervisor never gets part 1 twice."""
    add_units(world, 120)
    chat = world.chat("陈督导")
    bot = FailsOnce(chat, nth=2)
    pacer = Pacer(policy.messages_per_second, clock=clock, sleep=clock.sleep)
    sweeper = Sweeper(world.engine, bot, policy, pacer=pacer)  # type: ignore[arg-type]
    day = DUE - timedelta(days=1)
    first = await sweeper.sweep(at(day))
    assert first.failed == 1 and len(bot.texts(chat)) == 1
    await sweeper.sweep(at(day, 10))
    part_one, part_two = bot.texts(chat)
    assert part_one.startswith("【年报督办】") and part_two.endswith(
        "请督促上述单位按时完成填报并提交审核。"
    )
    key = f"digest:2024:m{world.members['陈督导'].id}:{day.isoformat()}"
    rows = {r.key: r for r in world.log() if r.key.startswith(key)}
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
        key: ("sent", 1),
        f"{key}:p2": ("sent", 2),
    }
    # A crash after part 1 leaves no row for part 2: the next plan owes part 2 only.
    with session_scope(world.engine) as session:
        session.delete(session.get(ReminderLog, rows[f"{key}:p2"].id))
    (owed,) = [d for d in plan_at(world, policy, day, 11).deliveries if d.chat_id == chat]
    assert (owed.key, owed.text, owed.retry_attempts) == (f"{key}:p2", part_two, None)


def test_snapshot_matches_storage(world: World) -> None:
    """The in-memory tree and deadlines agree with storage's own functions, org by org."""
    with session_scope(world.engine) as session:
        set_deadline(
            session,
            year=YEAR,
            due=date(2025, 1, 26),
            org_id=world.orgs["洪泽区人民政府"].id,
            actor="test",
        )
        set_deadline(session, year=YEAR, due=date(2025, 1, 20), org_type="department", actor="test")
        set_deadline(session, year=YEAR, due=date(2025, 3, 1), actor="test")
        set_deadline(
            session,
            year=YEAR,
            due=date(2025, 1, 15),
            org_id=world.orgs["高良涧街道"].id,
            actor="test",
        )
    world.org("洪泽区某某中心", "department", "洪泽区科技局")
    with Session(world.engine) as session:
        snapshot: Snapshot = load_snapshot(session, YEAR)
        computed = deadlines_for(session, snapshot.orgs, YEAR)
        for org in session.exec(select(Organisation)).all():
            assert computed[org.id] == deadline_for(session, org=org, year=YEAR), org.name
            assert set(snapshot.subtree(org.id)) == subtree_ids(session, org_id=org.id)
    assert computed[world.orgs["洪泽区科技局"].id] == date(2025, 1, 26)
    assert computed[world.orgs["涟水县科技局"].id] == date(2025, 1, 20)
    assert computed[world.orgs["淮安市人民政府"].id] == date(2025, 3, 1)


async def test_an_earlier_internal_deadline_moves_the_ladder(
    world: World, recording_sweeper
) -> None:
    sweeper, bot = recording_sweeper
    with session_scope(world.engine) as session:
        set_deadline(
            session,
            year=YEAR,
            due=date(2025, 1, 26),
            org_id=world.orgs["洪泽区人民政府"].id,
            actor="test",
        )
    await sweeper.sweep(at(date(2025, 1, 23)))
    assert "距截止还有 3 天" in bot.texts(world.chat("王芳"))[0]
    assert "距截止还有 8 天" in bot.texts(world.chat("赵敏"))[0]  # d-14 step, legal date


def test_unreachable_members_are_skipped(world: World, policy: ReminderPolicy) -> None:
    world.member("钱多", "洪泽区科技局", chat=False)
    with session_scope(world.engine) as session:
        mark_blocked(session, member_id=world.members["李强"].id, blocked=True)
    plan = plan_at(world, policy, DUE)
    names = {d.member_name for d in plan.deliveries}
    assert "钱多" not in names and "李强" not in names and "王芳" in names


def test_plan_writes_nothing(world: World, policy: ReminderPolicy) -> None:
    plan = plan_at(world, policy, DUE)
    assert plan.deliveries
    with Session(world.engine) as session:
        assert session.exec(select(ReminderLog)).all() == []


async def test_a_member_holding_both_roles_gets_their_deadline_and_the_digest(
    world: World, recording_sweeper
) -> None:
    sweeper, bot = recording_sweeper
    world.member("郑兼任", "涟水县人民政府", "supervisor_staff")
    # 涟水县人民政府's own deadline (31 March) is 57 days off: its ladder starts at 14 days.
    await sweeper.sweep(at(DUE + timedelta(days=2)))
    (digest,) = bot.texts(world.chat("郑兼任"))
    assert "· 涟水县科技局：逾期 2 天" in digest and "洪泽区" not in digest
    await sweeper.sweep(at(date(2025, 3, 31) - timedelta(days=14)))
    texts = bot.texts(world.chat("郑兼任"))
    assert any("本单位" in text and "3月31日" in text for text in texts[1:]), texts
