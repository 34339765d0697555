"""Saving answers: committed at once, history kept, conflicts explained, access enforced."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.db import begin_write
from storage.errors import NotFound, PermissionDenied, StorageError, VersionConflict
from storage.members import create_invite, deactivate_member, redeem_invite
from storage.models import Answer, Member, Organisation, Report, ReportEvent
from storage.reports import (
    answer_history,
    get_or_create_report,
    get_report,
    list_reports,
    previous_values,
    report_values,
    save_answers,
    set_status,
)

NATURAL = "s3.new.natural"
LEGAL = "s3.new.legal"
FEES = "s2.fees.amount"


@pytest.fixture
def report(session: Session, staff: Member) -> Report:
    return get_or_create_report(session, actor=staff, year=2024)


def stored(engine: Engine, report_id: int) -> dict[str, object]:
    """What another connection sees: proof that the save was committed."""
    with Session(engine) as other:
        rows = other.exec(select(Answer).where(Answer.report_id == report_id)).all()
        return {row.field_id: row.value for row in rows}


def test_new_report_takes_kind_from_year_and_agency_from_org(
    session: Session, staff: Member, report: Report
) -> None:
    assert (report.kind, report.year, report.status, report.version) == (
        "gov-disclosure-2021",
        2024,
        "draft",
        0,
    )
    assert report.agency == "洪泽区科技局"
    assert get_or_create_report(session, actor=staff, year=2024).id == report.id
    old = get_or_create_report(session, actor=staff, year=2020)
    assert old.kind == "gov-disclosure-2019"


def test_year_without_a_format_is_refused(session: Session, staff: Member) -> None:
    with pytest.raises(StorageError, match="2010年度没有适用的报告格式"):
        get_or_create_report(session, actor=staff, year=2010)


def test_each_save_is_committed_at_once(
    engine: Engine, session: Session, staff: Member, report: Report
) -> None:
    save_answers(
        session, actor=staff, report_id=report.id, values={NATURAL: 5}, raw={NATURAL: "５件"}
    )
    assert stored(engine, report.id) == {NATURAL: 5}
    save_answers(session, actor=staff, report_id=report.id, values={LEGAL: 2})
    assert stored(engine, report.id) == {NATURAL: 5, LEGAL: 2}
    answer = session.exec(select(Answer).where(Answer.field_id == NATURAL)).one()
    assert (answer.raw, answer.updated_by, answer.report_version) == ("５件", staff.id, 1)


def test_version_bumps_once_per_changing_save(
    session: Session, staff: Member, report: Report
) -> None:
    saved = save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5, LEGAL: 1})
    assert saved.version == 1
    saved = save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    assert saved.version == 1  # nothing changed: no new version, no history
    saved = save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 6, LEGAL: 1})
    assert saved.version == 2
    assert len(answer_history(session, actor=staff, report_id=report.id)) == 3


def test_history_records_every_change(
    session: Session, staff: Member, colleague: Member, report: Report
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    save_answers(session, actor=colleague, report_id=report.id, values={NATURAL: 7})
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: None})
    history = answer_history(session, actor=staff, report_id=report.id, field_id=NATURAL)
    assert [(h.old_value, h.new_value, h.member_id, h.report_version) for h in history] == [
        (None, 5, staff.id, 1),
        (5, 7, colleague.id, 2),
        (7, None, staff.id, 3),
    ]
    assert all(h.changed_at.utcoffset() is not None for h in history)
    assert report_values(session, actor=staff, report_id=report.id) == {}


def test_amounts_and_text_come_back_exactly(
    session: Session, staff: Member, report: Report
) -> None:
    text = "全年收取政府信息公开信息处理费 3940 元。\n第二段。"
    save_answers(
        session,
        actor=staff,
        report_id=report.id,
        values={FEES: Decimal("96171.60"), "s6.text": text, NATURAL: "1,234"},
    )
    session.expunge_all()
    values = report_values(session, actor=staff, report_id=report.id)
    assert values == {FEES: Decimal("96171.60"), "s6.text": text, NATURAL: 1234}
    assert str(values[FEES]) == "96171.60"


def test_invalid_values_are_refused_in_chinese(
    session: Session, staff: Member, report: Report
) -> None:
    with pytest.raises(StorageError, match=r"表三.*自然人.*负数"):
        save_answers(session, actor=staff, report_id=report.id, values={NATURAL: -1})
    with pytest.raises(StorageError, match=r"字段「s9\.nothing」不属于"):
        save_answers(session, actor=staff, report_id=report.id, values={"s9.nothing": 1})
    assert report_values(session, actor=staff, report_id=report.id) == {}


def test_version_conflict_names_field_old_new_and_who(
    session: Session, staff: Member, colleague: Member, report: Report
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    seen = get_report(session, actor=colleague, report_id=report.id).version
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 7})
    with pytest.raises(VersionConflict) as caught:
        save_answers(
            session,
            actor=colleague,
            report_id=report.id,
            values={NATURAL: 9, LEGAL: 1},
            expected_version=seen,
        )
    (change,) = caught.value.changes
    assert (change.field_id, change.old, change.new, change.member_name) == (NATURAL, 5, 7, "王芳")
    message = str(caught.value)
    assert "表三「一、本年新收政府信息公开申请数量」行「自然人」列：5 → 7（王芳，" in message
    assert "均未保存" in message
    assert report_values(session, actor=staff, report_id=report.id) == {NATURAL: 7}


def test_changes_to_other_fields_are_merged(
    session: Session, staff: Member, colleague: Member, report: Report
) -> None:
    seen = report.version
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    saved = save_answers(
        session, actor=colleague, report_id=report.id, values={LEGAL: 2}, expected_version=seen
    )
    assert saved.version == 2
    assert report_values(session, actor=staff, report_id=report.id) == {NATURAL: 5, LEGAL: 2}


def test_own_changes_and_identical_values_are_no_conflict(
    session: Session, staff: Member, colleague: Member, report: Report
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 6}, expected_version=0)
    save_answers(
        session, actor=colleague, report_id=report.id, values={NATURAL: 6}, expected_version=0
    )
    assert report_values(session, actor=staff, report_id=report.id) == {NATURAL: 6}


def test_member_cannot_touch_another_organisations_report(
    session: Session, other_staff: Member, report: Report
) -> None:
    for call in (
        lambda: get_report(session, actor=other_staff, report_id=report.id),
        lambda: report_values(session, actor=other_staff, report_id=report.id),
        lambda: answer_history(session, actor=other_staff, report_id=report.id),
    ):
        with pytest.raises(PermissionDenied, match="无权查看其他单位的报告"):
            call()
    with pytest.raises(PermissionDenied, match="只能填报本单位"):
        save_answers(session, actor=other_staff, report_id=report.id, values={NATURAL: 1})
    with pytest.raises(PermissionDenied, match="只能填报本单位"):
        get_or_create_report(session, actor=other_staff, year=2023, org_id=report.org_id)
    assert list_reports(session, actor=other_staff) == []


def test_supervisor_sees_subtree_only_and_reads_only(
    session: Session, tree, staff: Member, other_staff: Member, supervisor: Member, admin: Member
) -> None:
    mine = get_or_create_report(session, actor=staff, year=2024)
    theirs = get_or_create_report(session, actor=other_staff, year=2024)
    township = get_or_create_report(session, actor=admin, year=2024, org_id=tree.township.id)
    city = get_or_create_report(session, actor=admin, year=2024, org_id=tree.city.id)
    assert {r.id for r in list_reports(session, actor=supervisor)} == {mine.id, township.id}
    assert {r.id for r in list_reports(session, actor=admin)} == {
        mine.id,
        theirs.id,
        township.id,
        city.id,
    }
    assert get_report(session, actor=supervisor, report_id=mine.id).id == mine.id
    for report_id in (theirs.id, city.id):
        with pytest.raises(PermissionDenied):
            report_values(session, actor=supervisor, report_id=report_id)
    with pytest.raises(PermissionDenied, match="督导人员只能查看和审核报告"):
        save_answers(session, actor=supervisor, report_id=mine.id, values={NATURAL: 1})
    with pytest.raises(PermissionDenied, match="督导人员"):
        get_or_create_report(session, actor=supervisor, year=2023, org_id=tree.bureau.id)
    assert list_reports(session, actor=supervisor, year=2023) == []


def test_submit_review_and_writes_follow_status(
    session: Session, staff: Member, supervisor: Member, admin: Member, report: Report
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 1})
    with pytest.raises(StorageError, match="报告状态「done」无效，应为：草稿（draft）"):
        set_status(session, actor=staff, report_id=report.id, to_status="done")
    with pytest.raises(StorageError, match="不能从「草稿」改为「已审核通过」"):
        set_status(session, actor=supervisor, report_id=report.id, to_status="approved")
    with pytest.raises(PermissionDenied, match="本单位填报人员"):
        set_status(session, actor=supervisor, report_id=report.id, to_status="submitted")
    set_status(session, actor=staff, report_id=report.id, to_status="submitted")
    with pytest.raises(PermissionDenied, match="上级单位的审核人员"):
        set_status(session, actor=staff, report_id=report.id, to_status="approved")
    with pytest.raises(PermissionDenied, match="当前状态为「已提交」，不能修改"):
        save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 2})
    set_status(
        session, actor=supervisor, report_id=report.id, to_status="returned", comment="表三合计有误"
    )
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 2})
    set_status(session, actor=staff, report_id=report.id, to_status="submitted")
    done = set_status(session, actor=supervisor, report_id=report.id, to_status="approved")
    assert done.status == "approved"
    save_answers(session, actor=admin, report_id=report.id, values={NATURAL: 3})  # admin: all
    events = session.exec(select(ReportEvent).order_by(ReportEvent.id)).all()
    assert [(e.from_status, e.to_status, e.member_id) for e in events] == [
        ("draft", "submitted", staff.id),
        ("submitted", "returned", supervisor.id),
        ("returned", "submitted", staff.id),
        ("submitted", "approved", supervisor.id),
    ]
    assert events[1].comment == "表三合计有误"


def test_supervisor_cannot_review_own_organisation(
    session: Session, tree, supervisor: Member, admin: Member
) -> None:
    own = get_or_create_report(session, actor=admin, year=2024, org_id=tree.county.id)
    set_status(session, actor=admin, report_id=own.id, to_status="submitted")
    with pytest.raises(PermissionDenied):
        set_status(session, actor=supervisor, report_id=own.id, to_status="approved")
    assert (
        set_status(session, actor=admin, report_id=own.id, to_status="approved").status
        == "approved"
    )


def test_one_member_holding_both_roles_reports_for_their_own_and_reviews_below(
    session: Session, tree, staff: Member, other_staff: Member, admin: Member
) -> None:
    def join(org: Organisation, role: str, user_id: int) -> Member:
        _, code = create_invite(session, org_id=org.id, role=role, created_by="test")
        return redeem_invite(session, code=code, telegram_user_id=user_id, name=role)

    both = join(tree.county, "supervisor_staff", 8_100_000_001)
    city_supervisor = join(tree.city, "supervisor", 8_100_000_002)
    below = get_or_create_report(session, actor=staff, year=2024)
    theirs = get_or_create_report(session, actor=other_staff, year=2024)
    own = get_or_create_report(session, actor=both, year=2024)  # may create its own
    save_answers(session, actor=both, report_id=own.id, values={NATURAL: 1})
    with pytest.raises(PermissionDenied, match="您只能填报本单位的报告"):
        save_answers(session, actor=both, report_id=below.id, values={NATURAL: 1})
    assert {r.id for r in list_reports(session, actor=both)} == {below.id, own.id}
    with pytest.raises(PermissionDenied):
        report_values(session, actor=both, report_id=theirs.id)
    set_status(session, actor=staff, report_id=below.id, to_status="submitted")
    assert set_status(session, actor=both, report_id=below.id, to_status="approved")
    set_status(session, actor=both, report_id=own.id, to_status="submitted")
    with pytest.raises(PermissionDenied, match="上级单位的审核人员"):
        set_status(session, actor=both, report_id=own.id, to_status="approved")
    approved = set_status(session, actor=city_supervisor, report_id=own.id, to_status="approved")
    assert approved.status == "approved"


def test_deactivation_takes_effect_at_once(
    engine: Engine, session: Session, staff: Member, report: Report
) -> None:
    with Session(engine) as admin_session:
        deactivate_member(admin_session, member_id=staff.id, actor="cli:root")
    with pytest.raises(PermissionDenied, match="账号已停用"):
        save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 1})
    with pytest.raises(PermissionDenied, match="账号已停用"):
        report_values(session, actor=staff, report_id=report.id)


def test_unknown_report(session: Session, staff: Member) -> None:
    with pytest.raises(NotFound, match="报告（编号 999）不存在"):
        get_report(session, actor=staff, report_id=999)


def test_org_removed_from_tree_is_no_longer_visible(
    session: Session, tree, staff: Member, supervisor: Member, report: Report
) -> None:
    bureau = session.get(Organisation, tree.bureau.id)
    bureau.parent_id = tree.other_county.id
    session.add(bureau)
    session.commit()
    with pytest.raises(PermissionDenied):
        get_report(session, actor=supervisor, report_id=report.id)


def test_a_save_leaves_its_answers_ready_for_the_next_read(
    engine: Engine, session: Session, staff: Member, report: Report, statements: list[str]
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5, FEES: "1.50"})
    statements.clear()
    with Session(engine) as fresh:
        values = report_values(fresh, actor=staff, report_id=report.id)
    assert values == {NATURAL: 5, FEES: Decimal("1.50")}
    assert not [s for s in statements if "FROM answers" in s]  # only the report row is read


def test_a_rolled_back_save_is_never_read_back(
    engine: Engine, session: Session, staff: Member, report: Report
) -> None:
    with Session(engine) as doomed:
        begin_write(doomed)
        save_answers(doomed, actor=staff, report_id=report.id, values={NATURAL: 5})
        doomed.rollback()
    # The same version number again, with another value.
    saved = save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 7})
    assert saved.version == 1
    with Session(engine) as fresh:
        assert report_values(fresh, actor=staff, report_id=report.id) == {NATURAL: 7}


def test_answers_changed_by_another_process_are_read_afresh(
    engine: Engine, session: Session, staff: Member, report: Report
) -> None:
    save_answers(session, actor=staff, report_id=report.id, values={NATURAL: 5})
    with Session(engine) as fresh:
        assert report_values(fresh, actor=staff, report_id=report.id) == {NATURAL: 5}
    with engine.begin() as other:  # what another bot process's save does, behind our back
        other.execute(sa.update(Answer).values(value=9))
        other.execute(sa.update(Report).values(version=Report.version + 1))
    with Session(engine) as fresh:
        assert report_values(fresh, actor=staff, report_id=report.id) == {NATURAL: 9}


def test_a_write_reads_last_years_answers_with_the_report(
    engine: Engine, session: Session, staff: Member, report: Report, statements: list[str]
) -> None:
    last_year = get_or_create_report(session, actor=staff, year=report.year - 1)
    save_answers(session, actor=staff, report_id=last_year.id, values={NATURAL: 4})
    with Session(engine) as writing:
        begin_write(writing)
        statements.clear()
        current = get_report(writing, actor=staff, report_id=report.id)
        assert previous_values(writing, actor=staff, report=current) == {NATURAL: 4}
        writing.commit()
    # The report and last year's in one statement; last year's answers from the cache.
    assert len([s for s in statements if "FROM reports" in s]) == 1
    assert not [s for s in statements if "FROM answers" in s]


def test_last_years_report_created_in_the_same_write_is_seen(
    engine: Engine, session: Session, staff: Member, report: Report
) -> None:
    with Session(engine) as writing:
        begin_write(writing)
        current = get_report(writing, actor=staff, report_id=report.id)
        assert previous_values(writing, actor=staff, report=current) is None
        last_year = get_or_create_report(writing, actor=staff, year=report.year - 1)
        save_answers(writing, actor=staff, report_id=last_year.id, values={NATURAL: 3})
        assert previous_values(writing, actor=staff, report=current) == {NATURAL: 3}
        writing.commit()
