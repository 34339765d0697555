"""Each report's standing (answered, open errors and warnings) kept in its row, and the
overview that filters, sorts and pages it in SQL."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.answers import AnswersFile, parse_answers
from bot.core.standing import standing_of
from storage.db import alembic_config
from storage.deadlines import deadline_for, set_deadline
from storage.errors import PermissionDenied
from storage.models import Member, Organisation, Report
from storage.overview_rows import NOT_BEGUN, OVERDUE, Selection, overview_rows
from storage.reports import get_or_create_report, import_answers, report_values, save_answers

TODAY = date(2025, 2, 10)  # departments' and townships' deadline (31 January) has passed


def as_org(answers: AnswersFile, agency: str, year: int) -> AnswersFile:
    return AnswersFile(answers.kind, agency, year, dict(answers.values))


def stored(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id, populate_existing=True)
    assert report is not None
    return report


def counted(report: Report) -> tuple[int | None, int | None, int | None]:
    return report.answered, report.open_errors, report.open_warnings


def test_every_save_stores_what_the_checks_find(
    session: Session, tree, staff: Member, huaian: AnswersFile
) -> None:
    report = import_answers(
        session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局", 2024)
    )
    values = parse_answers(huaian).values
    expected = standing_of(huaian.form, values, previous=None, year=2024)
    row = stored(session, report.id)
    assert counted(row) == (expected.answered, expected.errors, expected.warnings)
    assert row.questions == len(huaian.form.questions) and row.checked_version == row.version

    wrong = values["s3.new.natural"] + 3  # the totals no longer add up
    save_answers(session, actor=staff, report_id=report.id, values={"s3.new.natural": wrong})
    now = report_values(session, actor=staff, report_id=report.id)
    expected = standing_of(huaian.form, now, previous=None, year=2024)
    row = stored(session, report.id)
    assert expected.errors > 0
    assert counted(row) == (expected.answered, expected.errors, expected.warnings)
    assert row.checked_version == row.version


def test_last_years_report_changing_is_counted_before_the_overview_reads(
    session: Session, tree, supervisor: Member, huaian: AnswersFile
) -> None:
    this_year = import_answers(
        session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局", 2024)
    )
    alone = stored(session, this_year.id).open_warnings
    # Last year's report arrives later: the year-on-year checks now compare with it.
    last_year = as_org(huaian, "洪泽区科技局", 2023)
    import_answers(session, org_id=tree.bureau.id, answers=last_year)
    values = parse_answers(huaian).values
    expected = standing_of(huaian.form, values, previous=values, year=2024)
    assert expected.warnings != alone

    rows, _ = overview_rows(
        session, actor=supervisor, year=2024, today=TODAY, selection=Selection(sort="name")
    )
    bureau = next(row for row in rows if row.name == "洪泽区科技局")
    assert (bureau.errors, bureau.warnings) == (expected.errors, expected.warnings)
    assert stored(session, this_year.id).open_warnings == expected.warnings


def test_a_page_reads_no_answers_once_the_counts_are_current(
    session: Session, tree, staff: Member, supervisor: Member, statements: list[str]
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    save_answers(session, actor=staff, report_id=report.id, values={"s3.new.natural": 4})
    overview_rows(session, actor=supervisor, year=2024, today=TODAY, selection=Selection())
    statements.clear()
    rows, _ = overview_rows(
        session, actor=supervisor, year=2024, today=TODAY, selection=Selection()
    )
    assert rows and not [s for s in statements if "answers" in s]


def test_the_database_filters_sorts_counts_and_pages(
    session: Session, tree, staff: Member, other_staff: Member, supervisor: Member, admin: Member
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    save_answers(
        session,
        actor=staff,
        report_id=report.id,
        values={"s3.new.natural": 4, "s3.new.total": 9},  # 总计 disagrees with its row
    )
    get_or_create_report(session, actor=other_staff, year=2024)  # outside the county

    def rows(selection: Selection, actor: Member = supervisor) -> list[str]:
        found, _ = overview_rows(session, actor=actor, year=2024, today=TODAY, selection=selection)
        return [row.name for row in found]

    assert rows(Selection(sort="name")) == ["洪泽区人民政府", "洪泽区科技局", "高良涧街道"]
    assert rows(Selection(sort="errors", descending=True))[0] == "洪泽区科技局"
    assert rows(Selection(sort="name", offset=1, limit=1)) == ["洪泽区科技局"]
    assert rows(Selection(name="科技")) == ["洪泽区科技局"]
    assert rows(Selection(name="%")) == []  # a wildcard is a character like any other
    session.get(Organisation, tree.township.id).name = "高良涧街道（GLJ）"
    session.commit()
    assert rows(Selection(name="glj")) == rows(Selection(name="GLJ")) == ["高良涧街道（GLJ）"]
    session.get(Organisation, tree.township.id).name = "高良涧街道"
    session.commit()
    assert rows(Selection(status=NOT_BEGUN, sort="name")) == ["洪泽区人民政府", "高良涧街道"]
    # Past 31 January: the bureau and the township are overdue, the county government not.
    assert rows(Selection(status=OVERDUE, sort="name")) == ["洪泽区科技局", "高良涧街道"]
    # Most urgent first: the overdue (equally late, equally far: by name), then the rest.
    assert rows(Selection()) == ["洪泽区科技局", "高良涧街道", "洪泽区人民政府"]
    assert len(rows(Selection(), actor=admin)) == 6

    _, totals = overview_rows(
        session, actor=supervisor, year=2024, today=TODAY, selection=Selection(name="街道")
    )
    assert (totals.scope, totals.selected) == (3, 1)
    assert totals.by_status == {
        "draft": 1,
        "submitted": 0,
        "returned": 0,
        "approved": 0,
        NOT_BEGUN: 2,
        OVERDUE: 2,
    }
    bureau = rows_by_name(session, supervisor)["洪泽区科技局"]
    assert bureau.errors and bureau.errors > 0 and bureau.answered == 0
    assert bureau.due == date(2025, 1, 31) and bureau.last_activity is not None
    with pytest.raises(PermissionDenied, match="填报总览仅供"):
        overview_rows(session, actor=staff, year=2024, today=TODAY, selection=Selection())


def rows_by_name(session: Session, actor: Member) -> dict:
    found, _ = overview_rows(session, actor=actor, year=2024, today=TODAY, selection=Selection())
    return {row.name: row for row in found}


def test_due_dates_are_the_deadlines_every_other_page_uses(
    session: Session, tree, admin: Member
) -> None:
    set_deadline(session, year=2024, due=date(2025, 1, 20), org_id=tree.county.id, actor="t")
    set_deadline(session, year=2024, due=date(2025, 1, 25), org_type="township", actor="t")
    set_deadline(session, year=2024, due=date(2025, 1, 28), org_type="department", actor="t")
    due = {name: row.due for name, row in rows_by_name(session, admin).items()}
    assert due["高良涧街道"] == date(2025, 1, 20)  # the county's own date, inherited
    assert due["涟水县科技局"] == date(2025, 1, 28)
    for org in session.exec(select(Organisation)).all():
        assert due[org.name] == deadline_for(session, org=org, year=2024)


def test_the_migration_counts_the_reports_already_there(
    database_url: str, engine: Engine, session: Session, tree, huaian: AnswersFile
) -> None:
    answers = as_org(huaian, "洪泽区科技局", 2024)
    report_id = import_answers(session, org_id=tree.bureau.id, answers=answers).id
    import_answers(session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局", 2023))
    session.close()
    engine.dispose()
    config = alembic_config(database_url)
    command.downgrade(config, "0005")  # the columns go, and come back empty
    command.upgrade(config, "head")
    values = parse_answers(huaian).values
    expected = standing_of(huaian.form, values, previous=values, year=2024)
    row = stored(session, report_id)
    assert counted(row) == (expected.answered, expected.errors, expected.warnings)
    assert row.checked_version == row.version and row.checked_previous is not None
