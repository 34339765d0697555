"""Telegram chooses update ids anew after a week without updates, possibly far below the last
one (pitfalls.md): every update is still answered and stored."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from storage import reports
from storage.db import session_scope
from storage.models import Member


def answers(engine: Engine, user_id: int) -> dict[str, object]:
    with session_scope(engine) as session:
        member = session.exec(select(Member).where(Member.telegram_user_id == user_id)).one()
        report = reports.get_or_create_report(session, actor=member, year=2025)
        return dict(reports.report_values(session, actor=member, report_id=report.id))


async def test_updates_after_an_id_restart_are_answered_and_stored(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    user = tg.user(id=9101, first_name="孙")
    user.send_command("start", make_invite(make_org("某某县水利局")))
    await user.wait_for_text_async("登记成功")
    user.tap("开始填写")
    await user.wait_for_text_async("第一部分 总体情况")
    user.send_text("本局依法推进政务公开。")
    await user.wait_for_text_async("已保存（本部分共 11 字）")
    first_id = tg.updates[0]["update_id"]

    await tg.wait_until_updates_consumed_async()
    tg.restart_update_ids(first_id + 800_000_000)  # much higher
    user.send_text("全年主动公开信息 120 条。")
    await user.wait_for_text_async("已保存（本部分共 27 字）")

    await tg.wait_until_updates_consumed_async()
    tg.restart_update_ids(1_000)  # far below every id seen so far
    user.send_text("依申请公开办理及时。")
    await user.wait_for_text_async("已保存（本部分共 38 字）")
    user.tap("完成")  # a button press with a low id
    await user.wait_for_text_async("表二「规章」")
    user.send_text("1 0 3")
    await user.wait_for_text_async("表二「行政规范性文件」")

    ids = [update["update_id"] for update in tg.updates]
    assert ids[-3:] == [1_000, 1_001, 1_002]
    stored = answers(engine, 9101)
    assert (
        stored["s1.text"]
        == "本局依法推进政务公开。\n全年主动公开信息 120 条。\n依申请公开办理及时。"
    )
    assert (stored["s2.rules.issued"], stored["s2.rules.repealed"]) == (1, 0)
