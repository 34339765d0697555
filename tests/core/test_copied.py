"""Text copied between units: shared sentences of the same section, set phrases excluded."""

from __future__ import annotations

from bot.core.copied import copied_sections
from bot.core.form import load_form

FORM = load_form("gov-disclosure-2021")
STANDARD = "本报告中所列数据的统计期限自2025年1月1日起至2025年12月31日止。"
COPIED = (
    "本年度我局坚持以人民为中心的发展思想，认真贯彻落实政府信息公开条例的各项要求。"
    "围绕优化营商环境、科技创新等重点领域，及时主动公开各类政府信息，回应社会关切。"
    "进一步健全政府信息公开工作机制，完善依申请公开办理流程，确保答复规范及时。"
)


def test_a_copied_overview_is_listed_and_the_set_phrase_is_not() -> None:
    units = [
        ("甲局", {"s1.text": STANDARD + COPIED + "甲局本年重点推进了科技项目信息公开。"}),
        ("乙局", {"s1.text": STANDARD + COPIED}),
        ("丙局", {"s1.text": STANDARD + "丙局全年主动公开信息二百余条，依申请公开办理规范有序。"}),
    ]
    found = copied_sections(FORM, units)
    assert [(c.first, c.second) for c in found] == [("甲局", "乙局")]
    pair = found[0]
    assert pair.section.startswith("一、") and pair.shared_chars == len(COPIED)
    assert pair.share == 1.0 and pair.example in COPIED and STANDARD not in pair.example


def test_reports_with_their_own_words_are_not_listed() -> None:
    units = [("甲局", {"s5.text": COPIED}), ("乙局", {"s5.text": "乙局" + COPIED[::-1]})]
    assert copied_sections(FORM, units) == []
