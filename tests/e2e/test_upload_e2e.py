"""A report sent into the chat (Word, web page, PDF): read, checked, its probable zeros
accepted in one tap, and adopted as last year's report."""

from __future__ import annotations

from pathlib import Path

from bot.core.answers import load_answers, parse_answers
from bot.core.render import render_report
from tests.core.handmade_docx import printed_cells
from tests.core.handmade_html import Shape
from tests.core.reading_support import page as report_page
from tests.hostile_files import empty_paragraphs_docx

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "samples" / "huaian-szf-2024.yaml"


def rendered_sample(**changes: int) -> bytes:
    answers = load_answers(SAMPLE)
    values = {**parse_answers(answers).values, **changes}
    return render_report(
        answers.form, agency=answers.agency, year=answers.year, values=values, draft=bool(changes)
    )


async def test_last_years_docx_feeds_this_years_carry_over(
    tg, running_bot, make_org, make_invite
) -> None:
    org_id = make_org("淮安市人民政府", org_type="city_gov")
    user = tg.user(id=6001, first_name="周")
    user.send_command("start", make_invite(org_id))
    await user.wait_for_text_async("登记成功")
    user.send_document(rendered_sample(), filename="淮安市人民政府2024年报.docx")
    summary = await user.wait_for_text_async("已读取：淮安市人民政府，2024年度")
    assert "全部内容均已读取" in summary["text"]
    assert "这是上一年度（2024年）的报告" in summary["text"]
    user.tap("用作上年报告")
    await user.wait_for_text_async("已将其保存为本单位2024年度报告")
    user.send_command("report")
    await user.wait_for_text_async("第一部分 总体情况")
    assert any(
        b["text"] == "沿用上年内容"
        for row in user.last_message["reply_markup"]["inline_keyboard"]
        for b in row
    )
    user.tap("目录")
    await user.wait_for_text_async("目录：请选择")
    user.tap("三 收到和处理政府信息公开申请情况（0/24）")
    await user.wait_for_text_async("表三「一、本年新收")
    user.send_text("0")
    prompt = await user.wait_for_text_async("表三「二、上年结转")
    carried = parse_answers(load_answers(SAMPLE)).values
    expected = " ".join(
        str(carried[f"s3.carried_out.{c}"])
        for c in ["natural", "commercial", "research", "nonprofit", "legal", "other"]
    )
    assert f"上年报告“结转下年度继续办理”为：{expected}" in prompt["text"]
    user.tap("沿用上年结转数")
    await user.wait_for_text_async("表三「（一）予以公开」")


async def test_a_renamed_office_confirms_before_last_years_report_is_adopted(
    tg, running_bot, make_org, make_invite
) -> None:
    org_id = make_org("淮安市政务服务管理办公室", org_type="city_gov")
    user = tg.user(id=6301, first_name="冯")
    user.send_command("start", make_invite(org_id))
    await user.wait_for_text_async("登记成功")
    user.send_document(rendered_sample(), filename="更名前的2024年报.docx")
    offer = await user.wait_for_text_async("不是同一机关")
    assert "「淮安市人民政府」的报告，与本单位「淮安市政务服务管理办公室」" in offer["text"]
    user.tap("确认是本单位更名前的报告，用作上年报告")
    await user.wait_for_text_async("已将其保存为本单位2024年度报告")


async def test_supervisor_gets_a_review_of_a_draft(tg, running_bot, make_org, make_invite) -> None:
    office = make_org("某某市政务公开办", org_type="city_gov")
    supervisor = tg.user(id=6101, first_name="吴")
    supervisor.send_command("start", make_invite(office, role="supervisor"))
    await supervisor.wait_for_text_async("登记成功")
    supervisor.send_document(rendered_sample(**{"s3.new.natural": 1}), filename="送审稿.docx")
    review = await supervisor.wait_for_text_async("审阅意见（淮安市人民政府2024年度报告）")
    assert "错误1：" in review["text"] and "表三「自然人」列" in review["text"]


async def test_a_file_that_is_not_a_report_is_refused_clearly(
    tg, running_bot, make_org, make_invite
) -> None:
    user = tg.user(id=6201, first_name="郑")
    user.send_command("start", make_invite(make_org("某某局")))
    await user.wait_for_text_async("登记成功")
    user.send_document(b"just text", filename="notes.docx")
    refusal = await user.wait_for_text_async("无法读取该文件")
    assert "docx" in refusal["text"].lower() or "Word" in refusal["text"]
    user.send_document(b"%PDF-1.4", filename="report.pdf")
    await user.wait_for_text_async("无法读取该文件：PDF 文件已损坏")
    # 30 KB of zip, 3 million empty paragraphs: refused before it costs memory or time.
    user.send_document(empty_paragraphs_docx(), filename="年报.docx")
    await user.wait_for_text_async("无法读取该文件：文件内部结构异常（元素过多")
    user.send_document(b"PK\x03\x04", filename="report.xlsx")
    await user.wait_for_text_async("请发送 Word（.docx）、网页（.html/.htm）或 PDF 格式的年度报告")


async def test_a_web_page_with_dashes_for_zeros_is_read_as_0_in_one_tap(
    tg, running_bot, make_org, make_invite
) -> None:
    answers = load_answers(SAMPLE)
    page = report_page(answers, Shape(encoding="gbk", layout_table=True, zero_mark="—"))
    zeros = sum(1 for v in printed_cells(answers).values() if v == "0")
    user = tg.user(id=6301, first_name="王")
    user.send_command("start", make_invite(make_org("淮安市人民政府", org_type="city_gov")))
    await user.wait_for_text_async("登记成功")
    user.send_document(page, filename="淮安市人民政府2024年政府信息公开工作年度报告.html")
    offer = await user.wait_for_text_async(f"报告中有 {zeros} 个单元格填写为“—”")
    assert "通常表示 0" in offer["text"]
    user.tap(f"全部按 0 读取（{zeros} 处）")
    summary = await user.wait_for_text_async(f"{zeros} 个单元格已按确认读作 0")
    assert "全部内容均已读取" in summary["text"]
    user.tap("用作上年报告")
    await user.wait_for_text_async("已将其保存为本单位2024年度报告")
