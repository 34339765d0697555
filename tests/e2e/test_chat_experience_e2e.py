"""The chat as a person meets it (issue 23), over the fake Bot API with the real bot: less noise
per row, whole tables pasted from a spreadsheet, labels that differ, a zero fill that asks and
can be undone, readable 表二 replies, supervisors welcomed as supervisors, the year chosen and
always said, and one account holding both roles."""

from __future__ import annotations

from bot.core.form import load_form
from storage import reports
from storage.db import session_scope
from tests.e2e.conftest import REPORT_YEAR
from tests.e2e.test_review_e2e import import_report, join, labels, sample, submit
from tests.fake_telegram.users import buttons

FORM = load_form("gov-disclosure-2021")
S3 = FORM.section("s3")


async def at_table(tg, make_org, make_invite, user_id: int, table: str = "三"):
    """A new member at the first row of 表二 (or 表三, 表二 filled with zeros)."""
    user = await join(tg, make_invite, make_org(f"某某局{user_id}"), user_id, "钱")
    user.tap("开始填写")
    await user.wait_for_text_async("第一部分 总体情况")
    user.tap("完成")
    await user.wait_for_text_async("表二「规章」")
    if table == "三":
        user.send_text(
            "规章\t0\t0\t0\n行政规范性文件\t0\t0\t0\n行政许可\t0\n行政处罚\t0\n行政强制\t0\n行政事业性收费\t0"
        )
        await user.wait_for_text_async("表三「一、本年新收政府信息公开申请数量」")
    return user


def spreadsheet_copy(*, with_labels: bool, wrong_row: str | None = None) -> str:
    """表三 as Excel copies it: a header line, the group and label columns (merged cells copy
    as the group on its first row and nothing below), the six figures and the total."""
    figures = {
        "new": [5, 1, 0, 0, 0, 0],
        "disclosed": [3, 1, 0, 0, 0, 0],
        "carried_out": [2] + [0] * 5,
    }
    lines = (
        ["\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计"]
        if with_labels
        else []
    )
    results = [0] * 6
    for row in S3.rows:
        cells = figures.get(row.id, [0] * 6)
        if row.within and row.id != "results_total":
            results = [a + b for a, b in zip(results, cells, strict=True)]
        if row.id == "results_total":
            cells = results
        shown = [str(c) for c in cells] + [str(sum(cells))]
        if row.id == wrong_row:
            shown[2] = "1O"  # a letter O typed for a zero
        label = [row.group or "", row.label] if with_labels else []
        lines.append("\t".join(label + shown))
    return "\n".join(lines)


async def test_a_saved_row_is_confirmed_with_progress_not_the_whole_table(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9101)
    user.send_text("3 0 1 0 0 0")
    saved = await user.wait_for_text_async("表三已填 1/24 行")
    assert "已保存「一、本年新收政府信息公开申请数量」：自然人 3，企业 0，科研 1" in saved["text"]
    assert "总计 4" in saved["text"] and "<pre>" not in saved["text"]
    assert "entities" not in saved or all(e["type"] != "pre" for e in saved["entities"])
    assert len(saved["text"]) < 500  # was about 1,460 characters with the table
    user.tap("查看整表")
    table = await user.wait_for_text_async("表三当前填写情况（已填 1/24 行）")
    assert (
        "三（六）1 申请人无正当理…" in table["text"]
        and "三（六）2 申请人逾期未按…" in table["text"]
    )
    assert "自然人 企业 科研 公益 法律 其他 总计" in table["text"]
    assert "企业＝商业企业" in table["text"]  # short heads come with their legend
    assert "表三「二、上年结转政府信息公开申请数量」" in table["text"]  # still asked


async def test_one_value_on_a_row_of_six_gets_a_precise_reply(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9102)
    user.send_text("5")
    refusal = await user.wait_for_text_async("未能保存")
    assert "只收到 1 个数“5”" in refusal["text"]
    assert "本行需要填写 6 个数（依次为：自然人、商业企业" in refusal["text"]
    assert "如 5 件全部是自然人，请填写“5 0 0 0 0 0”" in refusal["text"]
    user.send_text("3 0 1 0 0")
    short = await user.wait_for_text_async("未能保存")
    assert "您填写了 5 个数（3 0 1 0 0），缺少“其他”。请重新输入整行" in short["text"]


async def test_whole_table_three_pasted_with_labels_one_row_wrong(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9103)
    user.send_text(spreadsheet_copy(with_labels=True, wrong_row="withheld_law"))
    summary = await user.wait_for_text_async("已从粘贴的内容填写表三 23 行")
    assert "以下 1 行未填写" in summary["text"]
    assert "第 7 行「三（三）2 其他法律行政法…」：科研机构：“1O”不是数字" in summary["text"]
    assert "表三已填 23/24 行" in summary["text"]
    assert "表三「（三）不予公开：2.其他法律行政法规禁止公开」" in summary["text"]  # asked next
    user.send_text("（三）不予公开\t2.其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0")
    done = await user.wait_for_text_async("表三已填完，勾稽关系相符")
    assert "5    1    0    0    0    0    6  一 本年新收政府信…" in done["text"]
    assert "表四「行政复议」" in done["text"]


async def test_whole_table_three_pasted_without_labels_one_row_wrong(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9104)
    user.send_text(spreadsheet_copy(with_labels=False, wrong_row="new"))
    summary = await user.wait_for_text_async("已从粘贴的内容填写表三 23 行（138 格）")
    assert "第 1 行「一 本年新收政府信…」：科研机构：“1O”不是数字" in summary["text"]
    assert "表三「一、本年新收政府信息公开申请数量」" in summary["text"]
    user.send_text("5 1 0 0 0 0")
    await user.wait_for_text_async("表三已填完，勾稽关系相符")
    # A paste that does not add up is refused by row: the total column is checked too.
    user.send_command("report")
    await user.wait_for_text_async("表四「行政复议」")
    user.tap("目录")
    await user.wait_for_text_async("目录：")
    user.tap("三 收到和处理政府信息公开申请情况（✅）")
    await user.wait_for_text_async("表三「一、本年新收政府信息公开申请数量」")
    user.send_text("一、本年新收政府信息公开申请数量\t5\t1\t0\t0\t0\t0\t7\n（一）予以公开\t3 ")
    wrong = await user.wait_for_text_async("与各格之和 6 不符")
    assert "第 1 行「一 本年新收政府信…」：“总计”填 7" in wrong["text"]


async def test_zero_fill_asks_first_and_can_be_undone(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9105)
    user.send_text("3 0 1 0 0 0")
    await user.wait_for_text_async("表三已填 1/24 行")
    user.tap("本表全部为0")
    asked = await user.wait_for_text_async("确定吗")
    assert (
        "将把表三中尚未填写的 23 行（共 138 格）全部填为 0，已填写的 1 行保持不变" in asked["text"]
    )
    assert labels(asked) == ["确定填为 0", "取消"]
    user.tap("取消")
    await user.wait_for_text_async("表三「二、上年结转政府信息公开申请数量」")
    user.tap("本表全部为0")
    await user.wait_for_text_async("确定吗")
    user.tap("确定填为 0")
    filled = await user.wait_for_text_async("已将表三中未填写的 138 格填为 0")
    assert labels(filled) == ["撤销"]
    await user.wait_for_text_async("表四「行政复议」")
    user.tap("撤销", message=filled)
    undone = await user.wait_for_text_async("已撤销：表三中 138 格恢复为未填写")
    assert "表三「二、上年结转政府信息公开申请数量」" in undone["text"]
    user.send_command("status")
    status = await user.wait_for_text_async("填写进度")
    assert "第三部分 收到和处理政府信息公开申请情况：1/24" in status["text"]


async def test_table_two_reads_clearly_and_claims_no_check_it_could_not_make(
    tg, running_bot, make_org, make_invite
) -> None:
    user = await at_table(tg, make_org, make_invite, 9106, table="二")
    user.send_text("77 132 1024")
    saved = await user.wait_for_text_async("表二已填 1/6 行")
    assert "本年制发件数 77，本年废止件数 132，现行有效件数 1024" in saved["text"]
    for typed in ("0", "5", "0", "0"):
        user.send_text(typed)
        await user.wait_for_text_async("表二「")
    user.send_text("12.5")
    done = await user.wait_for_text_async("表二已填完")
    assert "勾稽关系相符" not in done["text"]
    assert "未导入上年报告" in done["text"]
    assert "行政事业性收费：本年收费金额 12.5 万元" in done["text"]
    assert f"【{REPORT_YEAR}年度 第三部分" in done["text"]  # the year, in every prompt


async def test_supervisor_is_welcomed_as_a_supervisor_and_reviews_without_a_second_copy(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    county = make_org("洪泽区人民政府", org_type="county_gov")
    bureau = make_org("洪泽区科技局", parent_id=county)
    chen = tg.user(id=9201, first_name="陈")
    chen.send_command("start", make_invite(county, role="supervisor"))
    welcome = await chen.wait_for_text_async("登记成功")
    assert "督导人员" in welcome["text"] and "/review" in welcome["text"]
    assert "/report" not in welcome["text"] and "开始填写" not in labels(welcome)
    assert labels(welcome) == ["待审报告", "填报总览"]
    chen.tap("填报总览")
    overview = await chen.wait_for_text_async("填报总览")
    assert "（1月31日）" in overview["text"] and "01月" not in overview["text"]

    staff = await join(tg, make_invite, bureau, 9202, "王芳")
    import_report(engine, bureau, sample("huaian-szf-2024.yaml", "洪泽区科技局"))
    await submit(staff)
    await chen.wait_for_document_async()
    documents = len(chen.documents)
    chen.tap("开始审核")
    view = await chen.wait_for_text_async("【审核】洪泽区科技局2025年度报告")
    assert "请审阅已收到的 Word 文档" in view["text"]
    assert labels(view) == ["通过", "退回", "返回待审列表"]
    chen.tap("通过")
    await chen.wait_for_text_async("已审核通过")
    assert len(chen.documents) == documents  # the .docx just received is not sent again


async def test_the_year_is_chosen_when_more_than_one_is_open(
    tg, running_bot, engine, service, make_org, make_invite
) -> None:
    user = await join(tg, make_invite, make_org("某某县水利局"), 9301, "孙")
    member = service.member(9301)
    with session_scope(engine) as session:
        reports.get_or_create_report(session, actor=member, year=REPORT_YEAR - 1)
    user.send_command("report")
    opened = await user.wait_for_text_async("年度的报告均可填写")
    assert f"本单位 {REPORT_YEAR}、{REPORT_YEAR - 1} 年度的报告均可填写" in opened["text"]
    user.send_command("report", str(REPORT_YEAR - 1))
    previous = await user.wait_for_text_async(f"【{REPORT_YEAR - 1}年度 第一部分")
    assert f"某某县水利局{REPORT_YEAR - 1}年政府信息公开工作年度报告" in previous["text"]
    assert f"当前为 {REPORT_YEAR - 1} 年度；发送“/report {REPORT_YEAR}”可切换" in previous["text"]
    user.send_text("上一年度的总体情况。")
    await user.wait_for_text_async("已保存")
    user.send_command("report", str(REPORT_YEAR + 1))
    await user.wait_for_text_async(f"{REPORT_YEAR + 1}年度尚未结束")
    user.send_command("report", "去年")
    await user.wait_for_text_async("年度请用四位数字")
    user.send_command("report")  # stays on the year chosen
    await user.wait_for_text_async(f"【{REPORT_YEAR - 1}年度 第一部分")


async def test_one_account_both_supervises_and_reports(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    city = make_org("淮安市人民政府", org_type="city_gov")
    county = make_org("洪泽区人民政府", org_type="county_gov", parent_id=city)
    bureau = make_org("洪泽区科技局", parent_id=county)
    zhou = await join(tg, make_invite, city, 9401, "周督导", "supervisor")
    both = tg.user(id=9402, first_name="吴")
    both.send_command("start", make_invite(county, role="supervisor_staff"))
    welcome = await both.wait_for_text_async("登记成功")
    assert "督导兼填报人员" in welcome["text"]
    assert "/report" in welcome["text"] and "/review" in welcome["text"]
    assert labels(welcome) == ["开始填写", "待审报告", "填报总览"]

    # Reviews the bureau below …
    staff = await join(tg, make_invite, bureau, 9403, "王芳")
    import_report(engine, bureau, sample("huaian-szf-2024.yaml", "洪泽区科技局"))
    await submit(staff)
    await both.wait_for_document_async()
    both.tap("开始审核")
    await both.wait_for_text_async("【审核】洪泽区科技局")
    both.tap("通过")
    await both.wait_for_text_async("已审核通过：洪泽区科技局")

    # … and fills in and submits the county government's own report, reviewed by the city.
    both.tap("开始填写", message=welcome)
    await both.wait_for_text_async("洪泽区人民政府2025年政府信息公开工作年度报告")
    both.send_text("本区政府信息公开总体情况。")
    await both.wait_for_text_async("已保存")
    import_report(engine, county, sample("hongze-qzf-2024.yaml", "洪泽区人民政府"))
    await submit(both)
    notice = await zhou.wait_for_text_async("提交了洪泽区人民政府2025年度报告")
    assert "吴" in notice["text"]
    both.send_command("review")
    await both.wait_for_text_async("目前没有待审核的报告")  # never its own report
    assert buttons(notice)
