"""The chat position survives a new session (a restarted bot)."""

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.positions import clear_position, get_position, save_position, update_state
from storage.reports import get_or_create_report


def test_position_round_trip(engine: Engine, session: Session, staff) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    save_position(
        session, member_id=staff.id, report_id=report.id, question_id="s3.new", state={"page": 2}
    )
    save_position(
        session,
        member_id=staff.id,
        report_id=report.id,
        question_id="s3.carried_in",
        state={"page": 3, "draft": {"a": 1}},
    )
    with Session(engine) as restarted:
        position = get_position(restarted, member_id=staff.id)
        assert (position.report_id, position.question_id, position.state) == (
            report.id,
            "s3.carried_in",
            {"page": 3, "draft": {"a": 1}},
        )
    clear_position(session, member_id=staff.id)
    clear_position(session, member_id=staff.id)
    assert get_position(session, member_id=staff.id) is None


def test_update_state_keeps_the_report_and_question(
    engine: Engine, session: Session, staff
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    save_position(
        session, member_id=staff.id, report_id=report.id, question_id="s3.new", state={"q": 7}
    )
    update_state(session, member_id=staff.id, changes={"upload": {"year": 2023}})
    update_state(session, member_id=staff.id, changes={"active": False}, drop=("upload",))
    with Session(engine) as restarted:
        position = get_position(restarted, member_id=staff.id)
        assert (position.report_id, position.question_id, position.state) == (
            report.id,
            "s3.new",
            {"q": 7, "active": False},
        )
