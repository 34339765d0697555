"""Answers files in and out of the database: export(import(sample)) is the sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from bot.core.answers import AnswersFile, answers_from_text, dump_answers, load_answers
from storage.errors import PermissionDenied, StorageError
from storage.models import AnswerHistory, Member
from storage.reports import (
    answer_history,
    export_answers,
    import_answers,
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


def test_reimport_overwrites_and_keeps_history(session: Session, tree, huaian: AnswersFile) -> None:
    report = import_answers(session, org_id=tree.city.id, answers=huaian)
    smaller = AnswersFile(
        kind=huaian.kind,
        agency="淮安市人民政府办公室",
        year=huaian.year,
        values={"s3.new.natural": 3002, "s2.fees.amount": 12.5},
    )
    report = import_answers(session, org_id=tree.city.id, answers=smaller)
    assert (report.agency, report.version) == ("淮安市人民政府办公室", 2)
    assert typed(export_answers(session, report_id=report.id).values) == typed(
        {"s3.new.natural": 3002, "s2.fees.amount": Decimal("12.5")}
    )
    history = session.exec(
        select(AnswerHistory).where(
            AnswerHistory.report_id == report.id, AnswerHistory.report_version == 2
        )
    ).all()
    changes = {h.field_id: (h.old_value, h.new_value) for h in history}
    assert len(changes) == len(huaian.values)  # every other field removed, two changed
    assert changes["s2.fees.amount"] == ("96171.6", "12.5")
    assert changes["s3.new.natural"] == (3001, 3002)
    assert changes["s3.new.legal"] == (huaian.values["s3.new.legal"], None)


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
