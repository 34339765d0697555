"""Other organisations' texts of a year, for the copied-text check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.answers import AnswersFile
from bot.core.form import load_form
from bot.core.narrative.checks import COPIED_SHARE, _prose
from bot.core.narrative.similarity import repeated_share
from storage import reports
from storage.db import make_engine, write_transaction
from storage.models import Answer, AnswerHistory, Report, ReportEvent
from storage.narratives import other_offices
from storage.reports import import_answers, save_answers

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


def copies_of(engine: Engine, form, text: str, *, exclude_org_id: int) -> list[tuple[float, str]]:
    with Session(engine, expire_on_commit=False) as session:
        offices = other_offices(session, year=2024, exclude_org_id=exclude_org_id)
        return sorted(
            offices.copies(form, "s5.text", text, lambda t: _prose(form, t), above=COPIED_SHARE)
        )


def by_comparing_every_text(
    engine: Engine, form, text: str, *, exclude_org_id: int
) -> list[tuple[float, str]]:
    """What the check found before the index: every other office's text compared in full."""
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(
            sa.select(Report.agency, Answer.value)
            .join(Answer, Answer.report_id == Report.id)
            .where(
                Report.year == 2024, Report.org_id != exclude_org_id, Answer.field_id == "s5.text"
            )
        ).all()
    shares = [(repeated_share(_prose(form, text), _prose(form, v)), a) for a, v in rows]
    return sorted(s for s in shares if s[0] > COPIED_SHARE)


def test_each_process_sees_what_another_process_saved_or_deleted(
    engine: Engine, database_url: str, tree, huaian: AnswersFile
) -> None:
    """Two engines on one database stand for the bot's and the web's processes: each keeps
    its own index, and each sees at once what the other wrote."""
    other_process = make_engine(database_url)
    try:
        form = huaian.form
        mine = huaian.values["s5.text"]
        with Session(engine, expire_on_commit=False) as session:
            import_answers(
                session, org_id=tree.bureau.id, answers=as_report(huaian, "洪泽区科技局", 2024)
            )
            import_answers(
                session, org_id=tree.township.id, answers=as_report(huaian, "高良涧街道", 2024)
            )
            other = import_answers(
                session,
                org_id=tree.other_bureau.id,
                answers=as_report(huaian, "涟水县科技局", 2024, **{"s5.text": "本局" * 80}),
            )
        for process in (engine, other_process):
            assert copies_of(process, form, mine, exclude_org_id=tree.bureau.id) == [
                (1.0, "高良涧街道")
            ]
        with Session(
            other_process, expire_on_commit=False
        ) as session:  # the other bureau copies the text
            save_answers(session, actor=None, report_id=other.id, values={"s5.text": mine})
        expected = [(1.0, "涟水县科技局"), (1.0, "高良涧街道")]
        assert copies_of(engine, form, mine, exclude_org_id=tree.bureau.id) == expected
        assert (
            by_comparing_every_text(engine, form, mine, exclude_org_id=tree.bureau.id) == expected
        )
        with Session(engine, expire_on_commit=False) as session:  # and then deletes its text
            save_answers(session, actor=None, report_id=other.id, values={"s5.text": None})
        assert copies_of(other_process, form, mine, exclude_org_id=tree.bureau.id) == [
            (1.0, "高良涧街道")
        ]
        with Session(
            engine, expire_on_commit=False
        ) as session:  # the township's report goes (an administrator's delete)
            township = session.execute(
                sa.select(Report.id).where(Report.org_id == tree.township.id)
            ).scalar_one()
            for table in (Answer, AnswerHistory, ReportEvent):
                session.execute(sa.delete(table).where(table.report_id == township))
            session.execute(sa.delete(Report).where(Report.id == township))
            session.commit()
        for process in (engine, other_process):
            assert copies_of(process, form, mine, exclude_org_id=tree.bureau.id) == []
            assert by_comparing_every_text(process, form, mine, exclude_org_id=tree.bureau.id) == []
    finally:
        other_process.dispose()


def test_a_change_not_yet_committed_is_not_shared(
    engine: Engine, tree, huaian: AnswersFile
) -> None:
    form = huaian.form
    mine = huaian.values["s5.text"]
    with Session(engine, expire_on_commit=False) as session:
        import_answers(
            session, org_id=tree.bureau.id, answers=as_report(huaian, "洪泽区科技局", 2024)
        )
        other = import_answers(
            session,
            org_id=tree.other_bureau.id,
            answers=as_report(huaian, "涟水县科技局", 2024, **{"s5.text": "本局" * 80}),
        )
    with Session(engine) as session, pytest.raises(RuntimeError), write_transaction(session):
        reports._apply(session, reports._load(session, other.id), None, {"s5.text": mine}, {}, None)
        assert reports.changed_reports(session) == {other.id}
        other_offices(session, year=2024, exclude_org_id=tree.other_bureau.id)
        raise RuntimeError("rolled back")
    with Session(engine, expire_on_commit=False) as session:  # the same version, other words
        save_answers(session, actor=None, report_id=other.id, values={"s5.text": "本局" * 81})
    assert copies_of(engine, form, mine, exclude_org_id=tree.bureau.id) == []
