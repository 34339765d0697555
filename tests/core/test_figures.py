"""实质公开率 and 其他处理 share from 表三, in both formats."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.core.answers import load_answers, parse_answers
from bot.core.figures import Figures, change, figures_of, total_of
from bot.core.form import load_form

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


def test_the_published_2024_report_of_huaian() -> None:
    # Its 表三 总计 column: 予以公开 1362, 部分公开 454, 其他处理 71 + 6 + 110, 总计 3050.
    answers = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    figures = figures_of(answers.form, parse_answers(answers).values)
    assert figures == Figures(1362, 454, 187, 3050, 64, 72 + 64 + 178, 4 + 1, 25 + 14, 3119)
    assert figures.substantive_rate == Decimal("59.5")
    assert figures.other_share == Decimal("6.1")
    # 表四: 复议 64 corrected of 314 decided (37 pending); 诉讼 5 of 39, both kinds of suit.
    assert figures.review_correction_rate == Decimal("20.4")
    assert figures.suit_correction_rate == Decimal("12.8")


def test_the_2019_format_and_totals_computed_from_the_parts() -> None:
    form = load_form("gov-disclosure-2019")
    values = {
        "s3.disclosed.natural": 6,
        "s3.disclosed.commercial": 1,
        "s3.partial.natural": 2,
        "s3.other_handling.natural": 3,
        "s3.withheld_secret.natural": 1,
    }
    figures = figures_of(form, values)
    assert (figures.disclosed, figures.partial, figures.other) == (7, 2, 3)
    assert figures.results == 13  # （七）总计 computed; blank cells count as 0
    assert figures.substantive_rate == Decimal("69.2")
    assert figures.other_share == Decimal("23.1")


def test_no_decisions_give_no_rate_and_totals_add_up() -> None:
    assert Figures().substantive_rate is None and Figures().other_share is None
    total = total_of([Figures(1, 1, 0, 4, 1, 2), Figures(2, 0, 2, 4, 0, 2)])
    assert total == Figures(3, 1, 2, 8, 1, 4) and total.substantive_rate == Decimal("50.0")
    assert total.review_correction_rate == Decimal("25.0") and total.suit_correction_rate is None


def test_year_on_year_change() -> None:
    assert change(3119, 2800) == Decimal("11.4")
    assert change(90, 100) == Decimal("-10.0")
    assert change(5, 0) is None and change(5, None) is None
