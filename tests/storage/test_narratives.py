"""Other organisations' texts of a year, for the copied-text check."""

from __future__ import annotations

from sqlmodel import Session

from bot.core.answers import AnswersFile
from bot.core.form import load_form
from storage.narratives import other_offices
from storage.reports import import_answers

ALL_TEXTS = set(load_form("gov-disclosure-2021").text_fields)


def as_report(answers: AnswersFile, agency: str, year: int, **values: object) -> AnswersFile:
    return AnswersFile(answers.kind, agency, year, {**answers.values, **values})


def test_every_other_organisations_texts_of_the_year(
    session: Session, tree, huaian: AnswersFile
) -> None:
    import_answers(session, org_id=tree.bureau.id, answers=as_report(huaian, "洪泽区科技局", 2024))
    import_answers(
        session, org_id=tree.other_bureau.id, answers=as_report(huaian, "涟水县科技局", 2024)
    )
    import_answers(
        session,
        org_id=tree.township.id,
        answers=as_report(huaian, "高良涧街道", 2024, **{"s5.text": "  "}),
    )
    import_answers(
        session, org_id=tree.county.id, answers=as_report(huaian, "洪泽区人民政府", 2023)
    )
    peers = other_offices(session, year=2024, exclude_org_id=tree.bureau.id).peers()
    assert sorted(p.agency for p in peers) == sorted(["高良涧街道", "涟水县科技局"])
    by_agency = {p.agency: p.texts for p in peers}
    assert by_agency["涟水县科技局"] == {f: v for f, v in huaian.values.items() if f in ALL_TEXTS}
    assert "s5.text" not in by_agency["高良涧街道"]  # a blank text is no text
    assert other_offices(session, year=2022, exclude_org_id=tree.bureau.id).peers() == []
