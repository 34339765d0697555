"""Answers files in and out of the database: export(import(sample)) is the sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from bot.core.answers import AnswersFile, answers_from_text, dump_answers, load_answers
from storage.errors import PermissionDenied, ReportLocked, StorageError
from storage.models import AnswerHistory, Member
from storage.reports import (
    answer_history,
    export_answers,
    import_answers,
    import_report,
    report_values,
    save_answers,
    set_status,
)

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "samples").glob("*.yaml"))


def typed(data: dict) -> dict:
    """The mapping with each value's type, so 1 and 1.0 (or "1") are not taken as equal."""
    return {k: (type(v).__name__, v) for k, v in data.items()}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_round_trip_is_exact(session: Session, tree, path: Path) -> None:
    original = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = import_answers(session, org_id=tree.county.id, answers=load_answers(path))
    session.expunge_all()
    text = dump_answers(export_answers(session, report_id=report.id))
    exported = yaml.safe_load(text)
    assert {k: exported[k] for k in ("kind", "agency", "year")} == {
        k: original[k] for k in ("kind", "agency", "year")
    }
    assert typed(exported["values"]) == typed(original["values"])
    # And once more through the database: a fixed point.
    again = import_answers(session, org_id=tree.county.id, answers=answers_from_text(text))
    assert again.version == report.version  # nothing changed, nothing written
    assert dump_answers(export_answers(session, report_id=report.id)) == text


def _smaller(huaian: AnswersFile) -> AnswersFile:
    """A corrected file that holds only two cells, one of them changed."""
    return AnswersFile(
        kind=huaian.kind,
        agency="淮安市人民政府办公室",
        year=huaian.year,
        values={"s3.new.natural": 3002, "s2.fees.amount": "5949.088667"},
    )


def _history(session: Session, report_id: int, version: int) -> dict[str, tuple]:
    rows = session.exec(
        select(AnswerHistory).where(
            AnswerHistory.report_id == report_id, AnswerHistory.report_version == version
        )
    ).all()
    return {h.field_id: (h.old_value, h.new_value) for h in rows}


def test_reimport_keeps_what_the_file_lacks_and_says_what_it_replaced(
    session: Session, tree, huaian: AnswersFile
) -> None:
    import_answers(session, org_id=tree.city.id, answers=huaian)
    outcome = import_report(session, org_id=tree.city.id, answers=_smaller(huaian))
    report = outcome.report
    assert (report.agency, report.version) == ("淮安市人民政府办公室", 2)
    assert outcome.replaced == (
        ("s3.new.natural", 3001, 3002),
        ("s2.fees.amount", "96171.6", "5949.088667"),
    )
    assert outcome.added == () and outcome.unchanged == 0 and outcome.removed == ()
    assert {f for f, _ in outcome.kept} == set(huaian.values) - set(_smaller(huaian).values)
    values = export_answers(session, report_id=report.id).values
    assert len(values) == len(huaian.values)
    assert values["s1.text"] == huaian.values["s1.text"]
    assert values["s2.fees.amount"] == Decimal("5949.088667")
    assert _history(session, report.id, 2) == {
        "s3.new.natural": (3001, 3002),
        "s2.fees.amount": ("96171.6", "5949.088667"),
    }


def test_reimport_with_replace_removes_what_the_file_lacks_keeping_history(
    session: Session, tree, huaian: AnswersFile
) -> None:
    import_answers(session, org_id=tree.city.id, answers=huaian)
    outcome = import_report(session, org_id=tree.city.id, answers=_smaller(huaian), replace=True)
    report = outcome.report
    assert typed(export_answers(session, report_id=report.id).values) == typed(
        {"s3.new.natural": 3002, "s2.fees.amount": Decimal("5949.088667")}
    )
    assert outcome.kept == ()
    assert ("s1.text", huaian.values["s1.text"]) in outcome.removed
    assert len(outcome.removed) == len(huaian.values) - 2
    changes = _history(session, report.id, 2)
    assert len(changes) == len(huaian.values)  # every other field removed, two changed
    assert changes["s3.new.legal"] == (huaian.values["s3.new.legal"], None)
    assert changes["s1.text"] == (huaian.values["s1.text"], None)
    # The first import's rows are all still there.
    assert len(_history(session, report.id, 1)) == len(huaian.values)


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_import_refuses_a_report_handed_in_unless_forced(
    session: Session, tree, staff: Member, admin: Member, huaian: AnswersFile, status: str
) -> None:
    report = import_answers(session, org_id=tree.bureau.id, answers=huaian, actor=staff)
    set_status(session, actor=staff, report_id=report.id, to_status="submitted")
    if status == "approved":
        set_status(session, actor=admin, report_id=report.id, to_status="approved")
    label = {"submitted": "已提交", "approved": "已审核通过"}[status]
    for actor in (None, admin):
        with pytest.raises(ReportLocked, match=f"当前状态为「{label}」.*未导入"):
            import_answers(session, org_id=tree.bureau.id, answers=_smaller(huaian), actor=actor)
    session.expire_all()
    assert report_values(session, actor=admin, report_id=report.id)["s3.new.natural"] == 3001
    outcome = import_report(session, org_id=tree.bureau.id, answers=_smaller(huaian), force=True)
    assert outcome.status == status and outcome.report.status == status
    assert report_values(session, actor=admin, report_id=report.id)["s3.new.natural"] == 3002


def test_files_with_unreadable_cells_are_refused(
    session: Session, tree, huaian: AnswersFile
) -> None:
    huaian.values["s3.new.natural"] = "/"
    huaian.values["s3.new.legal"] = "三件"
    with pytest.raises(StorageError, match="无法导入") as caught:
        import_answers(session, org_id=tree.city.id, answers=huaian)
    assert "自然人" in str(caught.value) and "法律服务机构" in str(caught.value)


def test_member_import_and_export_respect_access(
    session: Session, tree, staff: Member, other_staff: Member, huaian: AnswersFile
) -> None:
    with pytest.raises(PermissionDenied):
        import_answers(session, org_id=tree.bureau.id, answers=huaian, actor=other_staff)
    report = import_answers(session, org_id=tree.bureau.id, answers=huaian, actor=staff)
    assert report_values(session, actor=staff, report_id=report.id)["s3.new.natural"] == 3001
    assert answer_history(session, actor=staff, report_id=report.id)[0].member_id == staff.id
    with pytest.raises(PermissionDenied):
        export_answers(session, report_id=report.id, actor=other_staff)
    set_status(session, actor=staff, report_id=report.id, to_status="submitted")
    with pytest.raises(PermissionDenied, match="已提交"):
        import_answers(session, org_id=tree.bureau.id, answers=huaian, actor=staff)
    # The system (admin command line) may always overwrite.
    save_answers(session, actor=None, report_id=report.id, values={"s3.new.natural": 1})
