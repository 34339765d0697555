"""A new member fills the whole 2021-format report through Telegram and gets the .docx."""

from __future__ import annotations

from decimal import Decimal

from bot.core.answers import parse_answers
from bot.core.checks import complete_values
from bot.core.form import load_form
from bot.core.reader import read_report
from tests.e2e.conftest import REPORT_YEAR

FORM = load_form("gov-disclosure-2021")
COLUMNS = ["natural", "commercial", "research", "nonprofit", "legal", "other"]


def _row(row: str, numbers: list[int]) -> dict[str, int]:
    return {f"s3.{row}.{c}": n for c, n in zip(COLUMNS, numbers, strict=True)}


async def test_new_member_fills_the_whole_report_and_receives_the_docx(
    tg, running_bot, make_org, make_invite
) -> None:
    code = make_invite(make_org("某某市生态环境局"))
    user = tg.user(id=7001, first_name="王", last_name="芳")
    user.send_command("start", code)
    await user.wait_for_text_async("登记成功")
    user.tap("开始填写")
    await user.wait_for_text_async("第一部分 总体情况")

    # 一、总体情况 in two messages
    user.send_text("2025年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。")
    await user.wait_for_text_async("已保存")
    user.send_text("全年收到政府信息公开申请 4 件。")
    await user.wait_for_text_async("已保存")
    user.tap("完成")
    await user.wait_for_text_async("表二「规章」")

    # 表二, row by row
    for typed, next_prompt in [
        ("1 0 3", "表二「行政规范性文件」"),
        ("2 1 10", "表二「行政许可」"),
        ("5", "表二「行政处罚」"),
        ("0", "表二「行政强制」"),
        ("0", "表二「行政事业性收费」"),
        ("12.5", "表三「一、本年新收政府信息公开申请数量」"),
    ]:
        user.send_text(typed)
        await user.wait_for_text_async(next_prompt)

    # 表三: the first rows typed, a bad row refused, the rest zero, then a caught error fixed
    user.send_text("3 0 1 0 0 0")
    saved = await user.wait_for_text_async("表三已填 1/24 行")
    assert "自然人 3，企业 0，科研 1，公益 0，法律 0，其他 0，总计 4" in saved["text"]
    user.tap("查看整表")
    table = await user.wait_for_text_async("表三当前填写情况")
    assert "<pre>" not in table["text"] and "3    0    1    0" in table["text"]
    user.send_text("0")
    await user.wait_for_text_async("表三「（一）予以公开」")
    user.send_text("2 0 1 0 0")  # five numbers: refused, nothing lost
    refusal = await user.wait_for_text_async("未能保存")
    assert "需要填写 6 个数" in refusal["text"]
    user.send_text("2 0 1 0 0 0")
    await user.wait_for_text_async("表三「（二）部分公开")
    user.tap("本表全部为0")
    await user.wait_for_text_async("确定吗")
    user.tap("确定填为 0")
    finding = await user.wait_for_text_async("表三校验发现以下问题")
    assert "表三「自然人」列" in finding["text"] and "两者相差 1" in finding["text"]
    await user.wait_for_text_async("表四「行政复议」")
    user.tap("修改：四 结转下年度继续…", message=finding)
    await user.wait_for_text_async("表三「四、结转下年度继续办理」")
    user.send_text("1 0 0 0 0 0")
    fixed = await user.wait_for_text_async("勾稽关系已相符")
    assert "表四「行政复议」" in fixed["text"]  # back where the member was

    # 表四
    for typed, next_prompt in [
        ("1 0 0 0", "表四「行政诉讼（未经复议直接起诉）」"),
        ("0", "表四「行政诉讼（复议后起诉）」"),
        ("0 1 0 0", "第五部分"),
    ]:
        user.send_text(typed)
        await user.wait_for_text_async(next_prompt)

    user.send_text("存在的问题：依申请公开答复规范性有待提高。改进措施：加强业务培训。")
    await user.wait_for_text_async("已保存")
    user.tap("完成")
    await user.wait_for_text_async("第六部分")
    user.send_text("本年度未收取信息处理费。")
    await user.wait_for_text_async("已保存")
    user.tap("完成")
    await user.wait_for_text_async("各部分均已填写完毕")

    user.send_command("generate")
    await user.wait_for_text_async("报告已生成")
    await user.wait_for_document_async()
    document = user.documents[-1]
    assert document.file_name == f"某某市生态环境局{REPORT_YEAR}年政府信息公开工作年度报告.docx"

    expected = {
        "s2.rules.issued": 1,
        "s2.rules.repealed": 0,
        "s2.rules.in_force": 3,
        "s2.normative.issued": 2,
        "s2.normative.repealed": 1,
        "s2.normative.in_force": 10,
        "s2.licensing.decisions": 5,
        "s2.penalty.decisions": 0,
        "s2.enforcement.decisions": 0,
        "s2.fees.amount": Decimal("12.5"),
        **{f: 0 for f in FORM.numeric_fields if f.startswith(("s3.", "s4."))},
        **_row("new", [3, 0, 1, 0, 0, 0]),
        **_row("disclosed", [2, 0, 1, 0, 0, 0]),
        **_row("carried_out", [1, 0, 0, 0, 0, 0]),
        "s4.review.upheld": 1,
        "s4.suit_after_review.corrected": 1,
    }
    expected = {
        f: v
        for f, v in complete_values(
            FORM, {k: v for k, v in expected.items() if not FORM.field(k).derived}
        ).items()
    }
    result = read_report(document.content)
    assert result.problems == []
    read_back = parse_answers(result.answers).values
    assert {f: read_back[f] for f in FORM.numeric_fields} == {
        f: expected[f] for f in FORM.numeric_fields
    }
    assert read_back["s1.text"].startswith("2025年，我局认真贯彻落实")
    assert read_back["s6.text"] == "本年度未收取信息处理费。"
    assert result.answers.agency == "某某市生态环境局"
    assert result.answers.year == REPORT_YEAR
    # The running bot sends every message as JSON and the report as a multipart upload.
    assert {r.content_type for r in tg.calls("sendMessage")} == {"application/json"}
    assert {r.content_type for r in tg.calls("sendDocument")} == {"multipart/form-data"}
