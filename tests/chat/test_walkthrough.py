from dataclasses import replace

import pytest

from bot.chat import prompts, walkthrough
from bot.chat.state import Position
from bot.core.checks import check_values

S3_TYPED_ROWS = 24  # 25 rows in 表三; the （七）总计 row is computed


def test_prompt_says_where_the_member_is_with_official_words(chat) -> None:
    chat.go_to("s3.new")
    reply = prompts.ask(chat.state)
    assert "第三部分 收到和处理政府信息公开申请情况" in reply.text
    assert "进度 0/36" in reply.text
    assert "表三「一、本年新收政府信息公开申请数量」" in reply.text
    assert "自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他" in reply.text
    assert "说明：" in reply.text
    actions = {b.text: b.action for row in reply.buttons for b in row}
    assert actions == {"跳过": "s", "本表全部为0": "z", "上一步": "b", "查看整表": "T", "目录": "M"}


def test_a_typed_row_is_confirmed_with_progress_and_the_table_is_behind_a_button(chat) -> None:
    chat.go_to("s3.new")
    outcome = chat.say("3 0 1 0 0 0")
    assert outcome.changes == {
        "s3.new.natural": 3,
        "s3.new.commercial": 0,
        "s3.new.research": 1,
        "s3.new.nonprofit": 0,
        "s3.new.legal": 0,
        "s3.new.other": 0,
    }
    saved = outcome.replies[0]
    assert saved.pre is None  # no wall of digits after each row
    assert saved.text == (
        "已保存「一、本年新收政府信息公开申请数量」：自然人 3，企业 0，科研 1，公益 0，"
        "法律 0，其他 0，总计 4。表三已填 1/24 行。"
    )
    assert chat.question_id == "s3.carried_in"
    chat.press("T")
    table = chat.outcomes[-1].replies[0].pre
    assert table is not None
    line = next(line for line in table.splitlines() if "本年新收" in line)
    assert line.split()[:8] == ["3", "0", "1", "0", "0", "0", "4", "一"]  # total computed
    assert "企业＝商业企业" in table  # short heads have a legend
    assert chat.question_id == "s3.carried_in"  # still asked


def test_bad_input_is_refused_and_the_question_asked_again(chat) -> None:
    chat.go_to("s3.new")
    chat.say("3 0 1 0 0 0")
    chat.go_to("s3.new")
    outcome = chat.say("3 0 x 0 0 0")
    assert outcome.changes == {}
    assert "第 3 个数（科研机构）" in chat.text()
    assert chat.question_id == "s3.new"
    assert chat.state.values["s3.new.research"] == 1  # what was there is kept


def test_zero_button_asks_first_and_can_be_undone(chat) -> None:
    chat.go_to("s3.new")
    chat.say("3 0 1 0 0 0")
    asked = chat.press("z")
    assert asked.changes == {} and chat.question_id == "s3.carried_in"
    assert "尚未填写的 23 行（共 138 格）全部填为 0，已填写的 1 行保持不变" in chat.text()
    assert chat.actions() == {"确定填为 0": "Z", "取消": "x"}
    chat.press("x")
    assert chat.question_id == "s3.carried_in" and "s3.disclosed.natural" not in chat.state.values
    chat.press("z")
    chat.press("Z")
    assert chat.question_id == "s4.review"
    assert chat.actions()["撤销"] == "u"
    undone = chat.press("u")
    assert len(undone.changes) == 138 and set(undone.changes.values()) == {None}
    assert "138 格恢复为未填写" in chat.text()
    assert chat.question_id == "s3.carried_in"
    assert chat.state.values["s3.new.research"] == 1  # typed before: kept
    assert "s3.disclosed.natural" not in chat.state.values
    chat.press("u")
    assert "没有可以撤销" in chat.text()


def test_zero_button_fills_only_the_unanswered_cells(chat) -> None:
    outcome = chat.fill_table_three("3 0 1 0 0 0")  # 予以公开 balances the table
    assert "未填写的" in chat.text() and "已填写的数字保持不变" in chat.text()
    assert chat.state.values["s3.disclosed.natural"] == 3
    assert all(v == 0 for v in outcome.changes.values())
    assert len(outcome.changes) == (S3_TYPED_ROWS - 3) * 6
    assert "表三已填完，勾稽关系相符" in chat.text()
    assert chat.question_id == "s4.review"


def test_broken_balance_shown_at_end_of_table_with_jump_buttons(chat) -> None:
    chat.fill_table_three("2 0 0 0 0 0")
    text = chat.text()
    assert "表三「自然人」列" in text and "两者相差 1" in text
    actions = chat.actions()
    assert actions["修改：一 本年新收政府信…"] == "f7"
    assert "逐行核对表三" in actions
    assert chat.question_id == "s4.review"  # the walk goes on


def test_fixing_a_cell_from_a_finding_returns_to_where_the_member_was(chat) -> None:
    chat.fill_table_three("3 0 1 0 0 0")
    chat.go_to("s3.new")
    chat.say("3 0 0 0 0 0")  # breaks the balance again; walk on to the end of the table
    chat.go_to("s4.review")
    chat.state = replace(chat.state, position=Position(chat.state.position.question))
    chat.press("f7")
    assert chat.question_id == "s3.new"
    chat.say("3 0 1 0 0 0")
    assert "勾稽关系已相符" in chat.text()
    assert chat.question_id == "s4.review"


def test_fix_that_leaves_errors_moves_on_through_the_table(chat) -> None:
    chat.fill_table_three("2 0 0 0 0 0")
    resume = chat.state.position.question
    chat.press(chat.actions()["逐行核对表三"])
    chat.say("3 0 1 0 0 0")  # 新收 unchanged: still unbalanced
    assert "仍有" in chat.text()
    assert chat.question_id == "s3.carried_in"
    assert chat.actions()["返回原处"] == f"g{resume}"


def test_narrative_takes_several_messages_then_done(chat) -> None:
    chat.say("2025年，本局认真贯彻落实《条例》。")
    chat.say("全年主动公开政府信息 120 条。")
    assert (
        chat.state.values["s1.text"]
        == "2025年，本局认真贯彻落实《条例》。\n全年主动公开政府信息 120 条。"
    )
    assert chat.question_id == "s1"
    chat.press("d")
    assert chat.question_id == "s2.rules"


def test_narrative_keeps_braces_and_long_text_literally(chat) -> None:
    long_text = "政" * 5000
    chat.say(long_text)
    chat.say("{{ agency }} & <b>")
    assert chat.state.values["s1.text"] == long_text + "\n{{ agency }} & <b>"
    assert "超过原则上不超过 1000 字的要求" in chat.text()  # warned, and still saved


def test_narrative_over_the_limit_is_refused_and_nothing_lost(chat) -> None:
    chat.say("政" * 19_000)
    outcome = chat.say("务" * 2_000)
    assert outcome.changes == {}
    assert "内容过长" in chat.text()
    assert len(chat.state.values["s1.text"]) == 19_000


def test_clear_and_rewrite(chat) -> None:
    chat.say("草稿")
    outcome = chat.press("c")
    assert outcome.changes == {"s1.text": None}
    assert "s1.text" not in chat.state.values


def test_last_years_text_offered_and_used(conversation) -> None:
    chat = conversation(previous={"s5.text": "上年存在的问题……"})
    chat.go_to("s5")
    assert prompts.ask(chat.state).buttons[0][1].action == "p"
    chat.press("p")
    assert chat.state.values["s5.text"] == "上年存在的问题……"


def test_carried_in_suggested_from_last_years_carried_out(conversation) -> None:
    columns = ["natural", "commercial", "research", "nonprofit", "legal", "other"]
    previous = {f"s3.carried_out.{c}": n for c, n in zip(columns, [2, 0, 1, 0, 0, 0], strict=True)}
    chat = conversation(previous=previous)
    chat.go_to("s3.carried_in")
    reply = prompts.ask(chat.state)
    assert "上年报告“结转下年度继续办理”为：2 0 1 0 0 0" in reply.text
    chat.press("p")
    assert chat.state.values["s3.carried_in.research"] == 1
    assert chat.question_id == "s3.disclosed"


def test_back_skip_and_menu(chat) -> None:
    chat.go_to("s2.rules")
    chat.press("s")
    assert chat.question_id == "s2.normative"
    chat.press("b")
    assert chat.question_id == "s2.rules"
    outcome = chat.press("M")
    assert len(outcome.replies[0].buttons) == 6
    chat.press("ms4")
    assert chat.question_id == "s4.review"


def test_menu_jumps_to_first_unanswered_question_of_a_section(chat) -> None:
    chat.go_to("s2.rules")
    chat.say("1 0 5")
    chat.press("ms2")
    assert chat.question_id == "s2.normative"


def test_unknown_action_is_refused(chat) -> None:
    with pytest.raises(walkthrough.UnknownAction):
        chat.press("f999")
    with pytest.raises(walkthrough.UnknownAction):
        chat.press("mx9")


def test_whole_report_through_the_walkthrough_passes_every_check(chat, form_2021) -> None:
    chat.say("本局2025年政府信息公开工作总体情况。")
    chat.press("d")
    for row in ["1 0 3", "2 1 10", "5", "0", "0", "12.5"]:
        chat.say(row)
    chat.say("3 0 1 0 0 0")
    chat.say("0")
    chat.say("2 0 1 0 0 0")
    chat.press("z")
    chat.press("Z")
    assert "表三校验发现以下问题" in chat.text()  # 结转下年度 still 0 ...
    chat.press("f30")
    chat.say("1 0 0 0 0 0")  # ... fixed
    assert "勾稽关系已相符" in chat.text()
    chat.press("z")
    chat.press("Z")
    chat.say("存在的问题：公开内容不够全面。改进措施：加强培训。")
    chat.press("d")
    chat.say("本年度未收取信息处理费。")
    chat.press("d")
    assert chat.state.finished
    assert "各部分均已填写完毕" in chat.text()
    findings = check_values(form_2021, chat.state.values)
    assert [f for f in findings if f.severity == "error"] == []


def test_a_pasted_table_is_summarised_and_refused_rows_named(chat) -> None:
    chat.go_to("s3.new")
    rows = [f"{q.label}\t0\t0\t0\t0\t0\t0" for q in chat.state.form.section("s3").questions]
    rows[0] = "一、本年新收政府信息公开申请数量\t3\t0\t1\t0\t0\t0"
    rows[2] = "（一）予以公开\t3\t0\tl\t0\t0\t0"  # a letter l for a one
    outcome = chat.say("\n".join(rows))
    assert len(outcome.changes) == 23 * 6
    text = chat.text()
    assert "已从粘贴的内容填写表三 23 行（138 格）" in text
    assert "第 3 行「三（一） 予以公开」：科研机构：“l”不是数字" in text
    assert chat.question_id == "s3.disclosed"  # the refused row is asked next
    chat.say("3 0 1 0 0 0")
    assert "表三已填完，勾稽关系相符" in chat.text()
    assert chat.question_id == "s4.review"


def test_a_table_pasted_while_another_is_asked_goes_to_its_own_table(chat) -> None:
    chat.go_to("s2.rules")
    outcome = chat.say(
        "行政复议\t1\t0\t0\t0\n行政诉讼（未经复议直接起诉）\t0\n行政诉讼（复议后起诉）\t0"
    )
    assert outcome.changes["s4.review.upheld"] == 1 and len(outcome.changes) == 12
    assert "已从粘贴的内容填写表四 3 行" in chat.text()
    # Then back to the question asked: 表二 and 表三 are not skipped.
    assert chat.question_id == "s2.rules"
    assert chat.text().endswith(chat.text(chat.press("x")))


def test_part_of_another_table_pasted_says_how_far_that_table_is(chat) -> None:
    chat.go_to("s2.rules")
    chat.say("行政复议\t1\t0\t0\t0\n行政诉讼（未经复议直接起诉）\t0")
    assert "已从粘贴的内容填写表四 2 行（8 格）。\n表四已填 2/3 行。" in chat.text()
    assert chat.question_id == "s2.rules"


def test_one_row_typed_with_its_label_is_confirmed_as_a_typed_row(chat) -> None:
    chat.go_to("s3.new")
    chat.press("s")  # 新收 left for later
    chat.say("（一）予以公开 2 0 0 0 0 0")
    text = chat.text()
    assert text.startswith("已保存「（一）予以公开」：自然人 2，企业 0，")
    assert "粘贴" not in text and text.count("表三已填 1/24 行") == 1
    # On from the row asked, not back to the row skipped before it.
    assert chat.question_id == "s3.carried_in"


def test_a_pasted_total_row_alone_is_said_to_be_computed(chat) -> None:
    chat.go_to("s3.new")
    chat.say("（七）总计\t0\t0\t0\t0\t0\t0\t0")
    assert "「三（七） 总计」为合计行，由各行自动计算，无需填写。" in chat.text()
    assert "未能填写" not in chat.text()
    assert chat.question_id == "s3.new"


def test_a_paste_says_which_rows_it_changed(chat) -> None:
    chat.go_to("s3.new")
    chat.say("3 0 1 0 0 0")
    chat.say("0")
    chat.go_to("s3.new")
    chat.say(
        "一、本年新收政府信息公开申请数量\t4\t0\t1\t0\t0\t0\n二、上年结转政府信息公开申请数量\t0"
    )
    assert "其中「一 本年新收政府信…」原已填写，已改为粘贴的数字。" in chat.text()
    assert chat.state.values["s3.new.natural"] == 4
