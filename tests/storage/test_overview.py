"""What supervisors look over: scope, reviewers, the reports a roll-up sums."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.checks import complete_values
from bot.core.reader import read_report
from bot.core.rollup import RollupError
from storage.db import dispose_engines
from storage.deadlines import set_deadline
from storage.errors import PermissionDenied, StorageError
from storage.members import create_invite, deactivate_member, redeem_invite
from storage.models import AuditLog, Member, Organisation
from storage.overview import (
    build_rollup,
    can_review,
    report_events,
    reviewers_for,
    rollup_input,
    scope_reports,
    staff_of,
    submitted_for_review,
)
from storage.reports import get_or_create_report, import_answers, save_answers, set_status

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
_user_ids = itertools.count(7_100_000_001)


def add_member(session: Session, org: Organisation, role: str, name: str) -> Member:
    _, code = create_invite(session, org_id=org.id, role=role, created_by="test")
    return redeem_invite(session, code=code, telegram_user_id=next(_user_ids), name=name)


def as_org(answers: AnswersFile, agency: str, year: int | None = None) -> AnswersFile:
    return AnswersFile(answers.kind, agency, year or answers.year, dict(answers.values))


@pytest.fixture
def hongze() -> AnswersFile:
    return load_answers(SAMPLES / "hongze-qzf-2024.yaml")


def approve(session: Session, report_id: int, staff: Member, reviewer: Member) -> None:
    set_status(session, actor=staff, report_id=report_id, to_status="submitted")
    set_status(session, actor=reviewer, report_id=report_id, to_status="approved")


def test_overview_is_exactly_the_supervisors_subtree(
    session: Session, tree, staff: Member, supervisor: Member, admin: Member
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    save_answers(session, actor=staff, report_id=report.id, values={"s3.new.natural": 4})
    set_deadline(session, year=2024, due=date(2025, 1, 20), org_id=tree.county.id, actor="t")
    rows = scope_reports(session, actor=supervisor, year=2024)
    assert [r.org.name for r in rows] == ["洪泽区人民政府", "洪泽区科技局", "高良涧街道"]
    bureau = rows[1]
    assert bureau.report is not None and bureau.values == {"s3.new.natural": 4}
    assert bureau.due == date(2025, 1, 20) and bureau.last_activity == report.updated_at
    assert rows[0].report is None and rows[0].values == {} and rows[0].previous is None
    assert len(scope_reports(session, actor=admin, year=2024)) == 6
    with pytest.raises(PermissionDenied, match="填报总览仅供"):
        scope_reports(session, actor=staff, year=2024)
    with pytest.raises(StorageError, match="2010年度没有适用的报告格式"):
        scope_reports(session, actor=supervisor, year=2010)


def test_last_years_values_come_along(session: Session, tree, staff, supervisor, huaian) -> None:
    import_answers(session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局", 2023))
    get_or_create_report(session, actor=staff, year=2024)
    bureau = next(r for r in scope_reports(session, actor=supervisor, year=2024) if r.report)
    assert bureau.previous is not None and bureau.previous["s3.new.natural"] == 3001
    assert bureau.previous_kind == "gov-disclosure-2021"


def test_a_removed_supervisor_sees_nothing(session: Session, tree, supervisor) -> None:
    deactivate_member(session, member_id=supervisor.id, actor="t")
    with pytest.raises(PermissionDenied, match="已停用"):
        scope_reports(session, actor=supervisor, year=2024)
    with pytest.raises(PermissionDenied):
        submitted_for_review(session, actor=supervisor)


def test_review_queue_and_rights_follow_the_tree(
    session: Session, tree, staff, other_staff, supervisor, admin
) -> None:
    mine = get_or_create_report(session, actor=staff, year=2024)
    theirs = get_or_create_report(session, actor=other_staff, year=2024)
    own = get_or_create_report(session, actor=admin, year=2024, org_id=tree.county.id)
    for report, actor in ((mine, staff), (theirs, other_staff), (own, admin)):
        set_status(session, actor=actor, report_id=report.id, to_status="submitted")
    assert [r.id for r in submitted_for_review(session, actor=supervisor)] == [mine.id]
    assert {r.id for r in submitted_for_review(session, actor=admin)} == {
        mine.id,
        theirs.id,
        own.id,
    }
    assert can_review(session, supervisor, mine)
    assert not can_review(session, supervisor, theirs)
    assert not can_review(session, supervisor, own)  # its own organisation: the level above
    assert not can_review(session, staff, mine)
    with pytest.raises(PermissionDenied, match="审核仅供"):
        submitted_for_review(session, actor=staff)
    events = report_events(session, actor=supervisor, report_id=mine.id)
    assert [(e.event.to_status, e.member_name) for e in events] == [("submitted", "王芳")]
    with pytest.raises(PermissionDenied):
        report_events(session, actor=supervisor, report_id=theirs.id)


def test_reviewers_are_the_nearest_supervisors_above(session: Session, tree, staff) -> None:
    assert reviewers_for(session, org_id=tree.bureau.id) == []
    city = add_member(session, tree.city, "supervisor", "市督导")
    assert [m.name for m in reviewers_for(session, org_id=tree.bureau.id)] == ["市督导"]
    first = add_member(session, tree.county, "supervisor", "区督导甲")
    second = add_member(session, tree.county, "supervisor", "区督导乙")
    add_member(session, tree.bureau, "supervisor", "本局督导")  # cannot review its own org
    assert [m.id for m in reviewers_for(session, org_id=tree.bureau.id)] == [first.id, second.id]
    assert [m.id for m in reviewers_for(session, org_id=tree.county.id)] == [city.id]
    deactivate_member(session, member_id=first.id, actor="t")
    assert [m.id for m in reviewers_for(session, org_id=tree.bureau.id)] == [second.id]
    assert [m.name for m in staff_of(session, org_id=tree.bureau.id)] == ["王芳"]


def test_rollup_sums_approved_reports_below_only(
    session: Session, tree, staff, supervisor, admin, huaian, hongze
) -> None:
    township_staff = add_member(session, tree.township, "staff", "镇填报")
    a = import_answers(session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局"))
    b = import_answers(session, org_id=tree.township.id, answers=as_org(hongze, "高良涧街道"))
    import_answers(session, org_id=tree.county.id, answers=as_org(hongze, "洪泽区人民政府"))
    import_answers(session, org_id=tree.other_bureau.id, answers=as_org(huaian, "涟水县科技局"))
    approve(session, a.id, staff, supervisor)
    data = rollup_input(session, org_id=tree.county.id, year=2024, actor=supervisor)
    assert [r.org.name for r in data.approved] == ["洪泽区科技局"]
    assert [r.org.name for r in data.left_out] == ["高良涧街道"]
    assert data.own is not None and data.own.org_id == tree.county.id
    approve(session, b.id, township_staff, supervisor)
    rollup = build_rollup(session, org_id=tree.county.id, year=2024, actor=supervisor)
    assert rollup.sources == ("洪泽区科技局", "高良涧街道") and rollup.left_out == ()
    assert rollup.agency == "洪泽区人民政府"
    assert rollup.values["s3.new.natural"] == 3001 + 95
    assert rollup.findings == ()
    assert build_rollup(session, org_id=tree.county.id, year=2024).values == rollup.values
    with pytest.raises(PermissionDenied, match="只能汇总本单位"):
        build_rollup(session, org_id=tree.city.id, year=2024, actor=supervisor)
    with pytest.raises(PermissionDenied, match="汇总仅供"):
        build_rollup(session, org_id=tree.bureau.id, year=2024, actor=staff)
    city = build_rollup(session, org_id=tree.city.id, year=2024, actor=admin)
    assert city.sources == ("洪泽区科技局", "高良涧街道")  # 涟水 not approved, counties not either
    with pytest.raises(RollupError, match="尚无2024年度已审核通过的报告"):
        build_rollup(session, org_id=tree.other_county.id, year=2024)


def test_rollup_refuses_mixed_kinds(session: Session, tree, staff, supervisor, huaian) -> None:
    tongjiang = load_answers(SAMPLES / "tongjiang-gxkjj-2020.yaml")
    township_staff = add_member(session, tree.township, "staff", "镇填报")
    a = import_answers(session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局", 2020))
    b = import_answers(session, org_id=tree.township.id, answers=as_org(tongjiang, "高良涧街道"))
    approve(session, a.id, staff, supervisor)
    approve(session, b.id, township_staff, supervisor)
    with pytest.raises(RollupError, match="只能汇总同一格式的报告"):
        build_rollup(session, org_id=tree.county.id, year=2020, actor=supervisor)


@pytest.fixture
def nianbao(database_url: str, monkeypatch: pytest.MonkeyPatch):
    """Run `nianbao …` against the test database, as an administrator does."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()

    def run(*args: str, code: int = 0):
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    yield run
    dispose_engines()
    get_settings.cache_clear()


def test_summary_command_writes_the_rolled_up_docx(
    nianbao, session: Session, tree, staff, supervisor, huaian, hongze, tmp_path: Path
) -> None:
    township_staff = add_member(session, tree.township, "staff", "镇填报")
    empty = nianbao("report", "summary", "--org", "洪泽区人民政府", "--year", "2024", code=1)
    assert "尚无2024年度已审核通过的报告" in empty.output
    a = import_answers(session, org_id=tree.bureau.id, answers=as_org(huaian, "洪泽区科技局"))
    b = import_answers(session, org_id=tree.township.id, answers=as_org(hongze, "高良涧街道"))
    approve(session, a.id, staff, supervisor)
    approve(session, b.id, township_staff, supervisor)
    out = tmp_path / "汇总.docx"
    result = nianbao(
        "report", "summary", "--org", str(tree.county.id), "--year", "2024", "-o", str(out)
    )
    assert "已汇总 2 份已审核通过的报告：洪泽区科技局、高良涧街道" in result.output
    assert f"已生成：{out}" in result.output
    read = parse_answers(read_report(out.read_bytes()).answers).values
    form = huaian.form
    parts = [complete_values(form, parse_answers(x).values) for x in (huaian, hongze)]
    assert {f: read[f] for f in form.numeric_fields} == {
        f: parts[0][f] + parts[1][f] for f in form.numeric_fields
    }
    session.expire_all()
    logged = session.exec(select(AuditLog).where(AuditLog.action == "report.summary")).all()
    assert [(e.detail["org_id"], e.detail["reports"]) for e in logged] == [(tree.county.id, 2)]
