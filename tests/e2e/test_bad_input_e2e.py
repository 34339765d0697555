"""Bad input over Telegram: a clear Chinese reply each time, and nothing already entered lost."""

from __future__ import annotations

import pytest

from bot.core.answers import load_answers
from storage import reports
from storage.db import session_scope
from tests.e2e.conftest import REPORT_YEAR

USER_ID = 9001


@pytest.fixture
async def member_at_table_three(tg, running_bot, make_org, make_invite):
    code = make_invite(make_org("某某区市场监督管理局"))
    user = tg.user(id=USER_ID, first_name="钱")
    user.send_command("start", code)
    await user.wait_for_text_async("登记成功")
    user.tap("开始填写")
    await user.wait_for_text_async("第一部分 总体情况")
    user.tap("完成")
    await user.wait_for_text_async("表二「规章」")
    user.tap("本表全部为0")
    await user.wait_for_text_async("确定吗")
    user.tap("确定填为 0")
    await user.wait_for_text_async("表三「一、本年新收政府信息公开申请数量」")
    user.send_text("3 0 1 0 0 0")
    await user.wait_for_text_async("表三「二、上年结转政府信息公开申请数量」")
    return user


def saved_values(engine, service, user_id: int) -> dict:
    member = service.member(user_id)
    with session_scope(engine) as session:
        (report,) = reports.list_reports(session, actor=member)
        return reports.report_values(session, actor=member, report_id=report.id)


@pytest.mark.parametrize(
    "typed, reply",
    [
        ("abc", "需要填写 6 个数"),
        ("a b c d e f", "“a”不是数字"),
        ("-1 0 0 0 0 0", "是负数，本格不能为负数"),
        ("1e9 0 0 0 0 0", "科学计数法"),
        ("😀 0 0 0 0 0", "不是数字"),
        ("1 0 0 0 0", "您填写了 5 个"),
        ("1 0 0 0 0 0 0 0", "您填写了 8 个"),
        ("{{x}} 0 0 0 0 0", "“{{x}}”不是数字"),
        ("1234567890 0 0 0 0 0", "数值过大"),
    ],
)
async def test_bad_row_gets_a_clear_reply_and_loses_nothing(
    member_at_table_three, engine, service, typed, reply
) -> None:
    user = member_at_table_three
    user.send_text(typed)
    refusal = await user.wait_for_text_async("未能保存")
    assert reply in refusal["text"]
    assert "请重新输入整行" in refusal["text"]
    values = saved_values(engine, service, USER_ID)
    assert values["s3.new.natural"] == 3 and values["s3.new.research"] == 1
    assert not any(field.startswith("s3.carried_in") for field in values)
    user.send_text("0")  # and the same question goes on
    await user.wait_for_text_async("表三「（一）予以公开」")


async def test_long_and_template_like_text_is_kept_literally(
    member_at_table_three, engine, service
) -> None:
    user = member_at_table_three
    user.tap("目录")
    await user.wait_for_text_async("目录：请选择")
    user.tap("五 存在的主要问题及改进情况（0/1）")
    await user.wait_for_text_async("五、存在的主要问题及改进情况")
    long_text = "问题" * 2500  # 5000 characters
    user.send_text(long_text)
    await user.wait_for_text_async("本部分共 5000 字")
    user.send_text("{{ agency }} <b>&amp;</b>")
    await user.wait_for_text_async("本部分共 5026 字")
    values = saved_values(engine, service, USER_ID)
    assert values["s5.text"] == long_text + "\n{{ agency }} <b>&amp;</b>"


async def test_double_tap_on_generate_makes_one_report(
    tg, running_bot, make_org, make_invite, engine
) -> None:
    org_id = make_org("淮安市人民政府")
    sample = load_answers("tests/fixtures/samples/huaian-szf-2024.yaml")
    with session_scope(engine) as session:
        reports.import_answers(
            session,
            org_id=org_id,
            answers=sample.__class__(
                kind=sample.kind, agency=sample.agency, year=REPORT_YEAR, values=sample.values
            ),
        )
    user = tg.user(id=9101, first_name="孙")
    user.send_command("start", make_invite(org_id))
    await user.wait_for_text_async("登记成功")
    user.send_command("generate")
    await user.wait_for_document_async()
    assert len(user.documents) == 1
    user.send_command("generate")
    await user.wait_for_text_async("已经生成并发送")
    assert len(user.documents) == 1
