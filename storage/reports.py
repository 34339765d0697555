"""Reports and their answers: saved one message at a time, never silently overwritten.

A save locks the report row (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on PostgreSQL: any
report read by id inside a write transaction is locked, once per transaction), so concurrent
saves of one report queue rather than race and retry; it writes the changed
answers and one history row per change, bumps `Report.version` once with
`UPDATE … WHERE version = <read>` (a guard: under the lock it always matches) and commits.
A caller that passes `expected_version` (the version it showed the user) gets
`VersionConflict` if someone else changed one of the same fields in between; changes to other
fields are merged.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from bot.config import get_settings
from bot.core.answers import AnswersFile, parse_answers
from bot.core.form import ReportForm, form_for_year, load_form
from bot.core.values import format_value
from storage import access, clock
from storage.db import insert_ignore, is_writing, upsert, write_transaction
from storage.errors import FieldChange, NotFound, ReportLocked, StorageError, VersionConflict
from storage.models import (
    STATUS_LABELS,
    Answer,
    AnswerHistory,
    Member,
    Report,
    ReportEvent,
    check_code,
)
from storage.orgs import get_org
from storage.positions import PositionWrite, stage_position
from storage.standing import STANDING_COLUMNS, standing_columns
from storage.standing import as_parameters as standing_parameters
from storage.values import from_json, normalise, to_json

TRANSITIONS = {
    ("draft", "submitted"),
    ("returned", "submitted"),
    ("submitted", "approved"),
    ("submitted", "returned"),
}


def _form(kind: str) -> ReportForm:
    try:
        return load_form(kind)
    except KeyError as exc:
        raise StorageError(f"报告格式「{kind}」不存在") from exc


# Per transaction: the reports this write transaction has locked (each with its organisation's
# report of the year before, read in the same statement), the reports whose answers it changed
# (what it reads of them afterwards includes its own uncommitted rows: not for any cache), and
# the answers it leaves behind, read back by the transaction itself and cached once it commits.
_LOCKED = "nianbao_locked_reports"
_CHANGED = "nianbao_answers_changed"
_CACHE_ON_COMMIT = "nianbao_cache_on_commit"


def changed_reports(session: Session) -> set[int]:
    """The reports whose answers this session's open transaction has changed (uncommitted)."""
    return set(session.info.get(_CHANGED, ()))


@sa.event.listens_for(Session, "after_commit")
def _cache_committed(session: Session) -> None:
    for report, version, values in session.info.pop(_CACHE_ON_COMMIT, []):
        _cache.put(session, report, version, values)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)
        session.info.pop(_CHANGED, None)
        session.info.pop(_CACHE_ON_COMMIT, None)


# Built once: reports are read by id on every message.
_REPORT = (
    select(Report)
    .where(Report.id == sa.bindparam("report_id"))
    .execution_options(populate_existing=True)
)
PREVIOUS = aliased(Report, name="previous")
# The organisation's report of the year before, to join beside a report: a write locks the
# report and reads this with it (the walkthrough shows last year's figures beside every answer).
PREVIOUS_YEAR = sa.and_(PREVIOUS.org_id == Report.org_id, PREVIOUS.year == Report.year - 1)
_REPORT_LOCKED = (
    select(Report, PREVIOUS)
    .outerjoin(PREVIOUS, PREVIOUS_YEAR)
    .where(Report.id == sa.bindparam("report_id"))
    .with_for_update(of=Report)  # type: ignore[arg-type]
    .execution_options(populate_existing=True)
)
_REPORT_OF_YEAR = select(Report).where(
    Report.org_id == sa.bindparam("org_id"), Report.year == sa.bindparam("year")
)


def _load(session: Session, report_id: int) -> Report:
    """The report as the database has it now; in a write transaction, locked and read once."""
    if not is_writing(session):
        report = session.exec(_REPORT, params={"report_id": report_id}).first()
        if report is None:
            raise NotFound(f"报告（编号 {report_id}）不存在")
        return report
    locked: dict[int, tuple[Report, Report | None]] = session.info.setdefault(_LOCKED, {})
    if report_id not in locked:
        row = session.exec(_REPORT_LOCKED, params={"report_id": report_id}).first()
        if row is None:
            raise NotFound(f"报告（编号 {report_id}）不存在")
        locked[report_id] = (row[0], row[1])
    return locked[report_id][0]


def remember_locked(session: Session, report: Report, previous: Report | None) -> None:
    """`report` was read locked in this write transaction, with its organisation's report of
    the year before (`previous`, joined with `PREVIOUS_YEAR`): reading it again is not needed."""
    assert is_writing(session), "only a write transaction locks a report"
    session.info.setdefault(_LOCKED, {})[report.id] = (report, previous)


def _ensure_report(session: Session, *, org_id: int, year: int, kind: str, agency: str) -> Report:
    """The (org, year) report, created if missing, locked; inside a write transaction."""
    session.info.pop(_LOCKED, None)  # a locked report's "year before" may be this one
    now = clock.utcnow()
    insert_ignore(
        session,
        Report,
        {
            "org_id": org_id,
            "year": year,
            "kind": kind,
            "status": "draft",
            "version": 0,
            "agency": agency,
            "created_at": now,
            "updated_at": now,
        },
        conflict_columns=["org_id", "year"],
    )
    query = select(Report).where(Report.org_id == org_id, Report.year == year)
    return session.exec(query.with_for_update().execution_options(populate_existing=True)).one()


def get_or_create_report(
    session: Session,
    *,
    actor: Member,
    year: int,
    org_id: int | None = None,
    kind: str | None = None,
) -> Report:
    """The organisation's report for `year` (the actor's own by default). Commits if new."""
    org_id = actor.org_id if org_id is None else org_id
    existing = session.exec(_REPORT_OF_YEAR, params={"org_id": org_id, "year": year}).first()
    if existing is not None:
        access.check_read(session, actor, org_id)
        return existing
    access.check_create(session, actor, org_id)
    if kind is None:
        try:
            kind = form_for_year(year).kind
        except LookupError as exc:
            raise StorageError(f"{year}年度没有适用的报告格式") from exc
    form = _form(kind)
    if not form.applies_to(year):
        raise StorageError(f"{year}年度报告不适用{form.source}格式")
    org = get_org(session, org_id=org_id)
    with write_transaction(session):
        return _ensure_report(session, org_id=org_id, year=year, kind=kind, agency=org.name)


def get_report(session: Session, *, actor: Member, report_id: int) -> Report:
    report = _load(session, report_id)
    access.check_read(session, actor, report.org_id)
    return report


def list_reports(session: Session, *, actor: Member, year: int | None = None) -> list[Report]:
    """The reports the actor may read, by organisation and year."""
    actor = access.current(session, actor)
    query = select(Report).order_by(Report.org_id, Report.year)  # type: ignore[arg-type]
    allowed = access.readable_org_ids(session, actor)
    if allowed is not None:
        query = query.where(Report.org_id.in_(allowed))  # type: ignore[attr-defined]
    if year is not None:
        query = query.where(Report.year == year)
    return list(session.exec(query).all())


class _ValuesCache:
    """Committed answers of recently read reports, keyed by the report's version.

    Every change bumps `Report.version`, so an entry is valid exactly while the version read
    in the caller's transaction matches; other processes' writes simply miss. Entries are
    filled with the version read in the same statement as the answers, and never for a
    report whose answers the transaction has changed (it would cache its own uncommitted
    rows; it reads back what its save left instead); a save puts the answers it leaves
    behind once it has committed, so the next read hits.
    Entries are per engine (they go with it) and per report row (its id and creation time):
    keying by the engine's URL instead cost a rendering of the URL per lookup.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.engines: weakref.WeakKeyDictionary[
            Engine, OrderedDict[tuple[int, datetime], tuple[int, dict[str, Any]]]
        ] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def _entries(
        self, session: Session
    ) -> OrderedDict[tuple[int, datetime], tuple[int, dict[str, Any]]]:
        engine = session.get_bind().engine
        entries = self.engines.get(engine)
        if entries is None:
            entries = self.engines[engine] = OrderedDict()
        return entries

    def get(self, session: Session, report: Report) -> dict[str, Any] | None:
        key = (report.id or 0, report.created_at)
        with self.lock:
            entries = self._entries(session)
            entry = entries.get(key)
            if entry is None or entry[0] != report.version:
                return None
            entries.move_to_end(key)
            return dict(entry[1])

    def put(self, session: Session, report: Report, version: int, values: dict[str, Any]) -> None:
        key = (report.id or 0, report.created_at)
        with self.lock:
            entries = self._entries(session)
            entries[key] = (version, dict(values))
            entries.move_to_end(key)
            while len(entries) > self.size:
                entries.popitem(last=False)


_cache = _ValuesCache()


def _values(session: Session, report: Report) -> dict[str, Any]:
    left = _left_by_transaction(session, report)
    if left is not None:
        return left
    cacheable = report.id not in session.info.get(_CHANGED, ())
    if cacheable and (cached := _cache.get(session, report)) is not None:
        return cached
    version, values = _read_values(session, report)
    if cacheable:
        _cache.put(session, report, version, values)
    return values


def _left_by_transaction(session: Session, report: Report) -> dict[str, Any] | None:
    """The answers this transaction's save left in `report` (not yet committed), while no later
    change in it has moved the report past them: what a read in the transaction would see."""
    for saved, version, left in session.info.get(_CACHE_ON_COMMIT, []):
        if saved.id == report.id and version == report.version:
            return dict(left)
    return None


def _read_values(session: Session, report: Report) -> tuple[int, dict[str, Any]]:
    """The answers with the report version they belong to, read in one statement: under
    PostgreSQL's read committed, two statements could see two different commits."""
    form = _form(report.kind)
    rows = session.execute(
        sa.select(Report.version, Answer.field_id, Answer.value)
        .select_from(Report)
        .outerjoin(Answer, Answer.report_id == Report.id)  # type: ignore[arg-type]
        .where(Report.id == report.id)
        .order_by(Answer.id)  # type: ignore[arg-type]
    ).all()
    if not rows:
        raise NotFound(f"报告（编号 {report.id}）不存在")
    values = {
        field_id: from_json(form.fields.get(field_id), value)
        for _, field_id, value in rows
        if field_id is not None
    }
    return rows[0][0], values


def report_values(session: Session, *, actor: Member, report_id: int) -> dict[str, Any]:
    """field id → value (int, Decimal for amounts, str for text)."""
    return _values(session, get_report(session, actor=actor, report_id=report_id))


def previous_values(session: Session, *, actor: Member, report: Report) -> dict[str, Any] | None:
    """Last year's answers of the report's organisation; None if it has no report for then."""
    access.check_read(session, actor, report.org_id)
    previous = _last_year(session, report)
    return None if previous is None else _values(session, previous)


def _last_year(session: Session, report: Report) -> Report | None:
    """The organisation's report of the year before (read with the report when it was locked)."""
    locked = session.info.get(_LOCKED, {}).get(report.id)
    if locked is not None:
        return locked[1]
    return session.exec(
        _REPORT_OF_YEAR, params={"org_id": report.org_id, "year": report.year - 1}
    ).first()


def save_answers(
    session: Session,
    *,
    actor: Member | None,
    report_id: int,
    values: Mapping[str, Any | None],
    raw: Mapping[str, str] | None = None,
    expected_version: int | None = None,
    position: PositionWrite | None = None,
) -> Report:
    """Save answers (None clears one) and commit; `actor` None is the system (admin CLI).

    `position` (the chat's next question) commits atomically with the answers, so a crash
    can neither lose an answer nor move past an unsaved one.
    """
    with write_transaction(session):
        report = _load(session, report_id)
        member = access.check_write(session, actor, report)
        _apply(session, report, member, values, raw or {}, expected_version)
        if position is not None:
            stage_position(session, _with_version(position, report.version))
    return report


def _with_version(position: PositionWrite, version: int) -> PositionWrite:
    """The position records the report version it was saved at: what the member has seen."""
    return replace(position, state={**position.state, "report_version": version})


def _apply(
    session: Session,
    report: Report,
    member: Member | None,
    values: Mapping[str, Any | None],
    raw: Mapping[str, str],
    expected_version: int | None,
) -> None:
    form = _form(report.kind)
    wanted: dict[str, Any] = {}
    for field_id, value in values.items():
        if value is None:
            wanted[field_id] = None
            continue
        if field_id not in form.fields:
            raise StorageError(f"字段「{field_id}」不属于{form.source}格式，无法保存")
        wanted[field_id] = to_json(normalise(form.field(field_id), value))
    # Read under the report's lock: the committed answers, from the cache when it is current.
    stored = _values(session, report)
    current = {f: to_json(stored[f]) for f in wanted if f in stored}
    changed: set[int | None] = session.info.setdefault(_CHANGED, set())
    cacheable = report.id not in changed
    if expected_version is not None and expected_version < report.version:
        conflicts = _conflicts(session, report, member, wanted, current, expected_version)
        if conflicts:
            raise VersionConflict(conflicts, _conflict_message(form, conflicts))
    changes = [(f, current.get(f), new) for f, new in wanted.items() if current.get(f) != new]
    if not changes:
        return
    now = clock.utcnow()
    version = report.version + 1
    left = dict(stored)
    for field_id, _, new in changes:
        if new is None:
            left.pop(field_id, None)
        else:
            left[field_id] = from_json(form.fields.get(field_id), new)
    standing = _standing(session, report, left, version)
    changed.add(report.id)
    bumped = session.connection().execute(
        _BUMP_VERSION,
        {
            "report_id": report.id,
            "read_version": report.version,
            "version": version,
            "now": now,
            **standing_parameters(standing),
        },
    )
    if bumped.rowcount != 1:  # the row lock makes this impossible; never write past it
        raise StorageError("保存未成功：报告已被他人同时修改，请重试")
    member_id = member.id if member is not None else None
    _write_changes(session, report, changes, raw, member_id, version, now)
    if cacheable:
        session.info.setdefault(_CACHE_ON_COMMIT, []).append((report, version, left))
    set_committed_value(report, "version", version)
    set_committed_value(report, "updated_at", now)
    for name, value in standing.items():
        set_committed_value(report, name, value)


def _standing(
    session: Session, report: Report, values: dict[str, Any], version: int
) -> dict[str, int | None]:
    """The report's standing once `values` are saved at `version` (see `storage.standing`)."""
    previous = _last_year(session, report)
    return standing_columns(
        kind=report.kind,
        year=report.year,
        values=values,
        version=version,
        previous=None if previous is None else _values(session, previous),
        previous_version=None if previous is None else previous.version,
    )


# Built once and run as plain SQL on the session's connection (the save keeps the report
# object up to date itself): building them and the ORM's bulk machinery cost more than running
# them.
_REPORTS = Report.__table__  # type: ignore[attr-defined]
_BUMP_VERSION = (
    sa.update(_REPORTS)
    .where(_REPORTS.c.id == sa.bindparam("report_id"))
    .where(_REPORTS.c.version == sa.bindparam("read_version"))
    .values(
        version=sa.bindparam("version"),
        updated_at=sa.bindparam("now"),
        **{name: sa.bindparam(f"new_{name}") for name in STANDING_COLUMNS},
    )
)
_INSERT_HISTORY = sa.insert(AnswerHistory.__table__)  # type: ignore[attr-defined]


def _write_changes(
    session: Session,
    report: Report,
    changes: list[tuple[str, Any, Any]],
    raw: Mapping[str, str],
    member_id: int | None,
    version: int,
    now: datetime,
) -> None:
    """Answers upserted or deleted and one history row per change, as a few bulk statements
    (an answer is one message: row-by-row ORM flushes cost more than the commit itself)."""
    cleared = [field_id for field_id, _, new in changes if new is None]
    if cleared:
        session.execute(
            sa.delete(Answer).where(
                Answer.report_id == report.id,
                Answer.field_id.in_(cleared),  # type: ignore[attr-defined]
            )
        )
    rows = [
        {
            "report_id": report.id,
            "field_id": field_id,
            "value": new,
            "raw": raw.get(field_id, ""),
            "updated_by": member_id,
            "updated_at": now,
            "report_version": version,
        }
        for field_id, _, new in changes
        if new is not None
    ]
    if rows:
        answers_upsert = upsert(
            session,
            Answer,
            conflict=("report_id", "field_id"),
            update=("value", "raw", "updated_by", "updated_at", "report_version"),
        )
        session.connection().execute(answers_upsert, rows)
    session.connection().execute(
        _INSERT_HISTORY,
        [
            {
                "report_id": report.id,
                "field_id": field_id,
                "old_value": old,
                "new_value": new,
                "member_id": member_id,
                "report_version": version,
                "changed_at": now,
            }
            for field_id, old, new in changes
        ],
    )


def _conflicts(
    session: Session,
    report: Report,
    member: Member | None,
    wanted: Mapping[str, Any],
    current: Mapping[str, Any],
    since: int,
) -> list[FieldChange]:
    """Changes by others to the fields in `wanted` after version `since`, one per field."""
    member_id = member.id if member is not None else None
    rows = session.exec(
        select(AnswerHistory, Member.name)
        .join(Member, AnswerHistory.member_id == Member.id, isouter=True)  # type: ignore[arg-type]
        .where(
            AnswerHistory.report_id == report.id,
            AnswerHistory.report_version > since,
            AnswerHistory.field_id.in_(list(wanted)),  # type: ignore[attr-defined]
            AnswerHistory.member_id.is_distinct_from(member_id),  # type: ignore[union-attr]
        )
        .order_by(AnswerHistory.id)  # type: ignore[arg-type]
    ).all()
    first: dict[str, tuple[AnswerHistory, str | None]] = {}
    last: dict[str, tuple[AnswerHistory, str | None]] = {}
    for entry, name in rows:
        first.setdefault(entry.field_id, (entry, name))
        last[entry.field_id] = (entry, name)
    changes = []
    for field_id, (latest, name) in last.items():
        old = first[field_id][0].old_value
        # Nothing to decide if the others' edits cancel out or already match this save.
        if old == latest.new_value or current.get(field_id) == wanted[field_id]:
            continue
        changes.append(FieldChange(field_id, old, latest.new_value, name, latest.changed_at))
    return changes


def show_answer(form: ReportForm, field_id: str, value: Any) -> str:
    """An answer as stored, the way messages show it: a number as printed, text clipped."""
    if value is None:
        return "（空）"
    field = form.fields.get(field_id)
    if field is None or not field.numeric:
        text = str(value).replace("\n", " ")
        return f"“{text[:30]}…”" if len(text) > 30 else f"“{text}”"
    return format_value(from_json(field, value), field.type)


def _conflict_message(form: ReportForm, changes: list[FieldChange]) -> str:
    zone = ZoneInfo(get_settings().timezone)
    lines = ["保存未成功：您开始填写后，以下内容已被他人修改，本次填写的内容均未保存："]
    for change in changes:
        label = form.field(change.field_id).label
        local = change.at.astimezone(zone)
        when = f"{local.month}月{local.day}日 {local:%H:%M}"
        who = change.member_name or "管理员导入"
        old = show_answer(form, change.field_id, change.old)
        new = show_answer(form, change.field_id, change.new)
        lines.append(f"· {label}：{old} → {new}（{who}，{when}）")
    lines.append("请核对上述内容后重新填写。")
    return "\n".join(lines)


def answer_history(
    session: Session, *, actor: Member, report_id: int, field_id: str | None = None
) -> list[AnswerHistory]:
    """Every change, oldest first (optionally of one field)."""
    get_report(session, actor=actor, report_id=report_id)
    query = select(AnswerHistory).where(AnswerHistory.report_id == report_id)
    if field_id is not None:
        query = query.where(AnswerHistory.field_id == field_id)
    return list(session.exec(query.order_by(AnswerHistory.id)).all())  # type: ignore[arg-type]


def set_status(
    session: Session,
    *,
    actor: Member,
    report_id: int,
    to_status: str,
    comment: str | None = None,
) -> Report:
    """Submit, approve or return a report; records who, when and why. Commits."""
    check_code(to_status, STATUS_LABELS, "报告状态")
    with write_transaction(session):
        report = _load(session, report_id)
        from_status = report.status
        if (from_status, to_status) not in TRANSITIONS:
            raise StorageError(
                f"报告状态不能从「{STATUS_LABELS[from_status]}」改为「{STATUS_LABELS[to_status]}」"
            )
        member = access.check_transition(session, actor, report, to_status)
        report.status = to_status
        report.updated_at = clock.utcnow()
        session.add(report)
        session.add(
            ReportEvent(
                report_id=report_id,
                from_status=from_status,
                to_status=to_status,
                member_id=member.id,
                comment=comment,
            )
        )
    return report


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did to the report, each answer as stored (JSON): for the importer to read.

    `replaced` holds (field, old, new); `removed` and `kept` hold (field, old): answers the
    file does not have, removed with `replace`, left in place without it."""

    report: Report
    status: str
    added: tuple[str, ...]
    replaced: tuple[tuple[str, Any, Any], ...]
    unchanged: int
    removed: tuple[tuple[str, Any], ...]
    kept: tuple[tuple[str, Any], ...]


def import_report(
    session: Session,
    *,
    org_id: int,
    answers: AnswersFile,
    actor: Member | None = None,
    replace: bool = False,
    force: bool = False,
) -> ImportOutcome:
    """Write the file's values into the organisation's report for that year. Commits.

    Answers the file does not have are kept unless `replace`; a submitted or approved report
    is refused unless `force`. Every change is in the answers' history, as any save is."""
    form = answers.form
    parsed = parse_answers(answers)
    problems = [issue.message for issue in parsed.issues] + [
        f"{form.field(field_id).label}：为空或“/”（数量为零请填写 0；未填写的项请从文件中删去）"
        for field_id in parsed.blank
    ]
    if problems:
        more = f"等 {len(problems)} 项" if len(problems) > 5 else ""
        raise StorageError("答案文件有无法导入的内容" + more + "：\n" + "\n".join(problems[:5]))
    get_org(session, org_id=org_id)
    with write_transaction(session):
        report = _ensure_report(
            session, org_id=org_id, year=answers.year, kind=answers.kind, agency=answers.agency
        )
        member = access.check_write(session, actor, report)
        status = report.status
        if status not in access.WRITABLE_STATUSES and not force:
            raise ReportLocked(
                f"{report.agency}{report.year}年度报告当前状态为「{STATUS_LABELS[status]}」，"
                "导入会改动已报送的内容，未导入；请先由审核人员退回"
            )
        current = {f: to_json(v) for f, v in _values(session, report).items()}
        incoming = {f: to_json(normalise(form.field(f), v)) for f, v in parsed.values.items()}
        absent = tuple((f, old) for f, old in current.items() if f not in incoming)
        if report.kind != answers.kind:
            report.checked_version = None  # counted by the other format's checks
        report.kind = answers.kind
        report.agency = answers.agency
        session.add(report)
        values: dict[str, Any] = dict(parsed.values)
        if replace:
            values.update({field_id: None for field_id, _ in absent})
        raw = {f: str(answers.values[f]) for f in parsed.values if form.field(f).numeric}
        _apply(session, report, member, values, raw, None)
    return ImportOutcome(
        report=report,
        status=status,
        added=tuple(f for f in incoming if f not in current),
        replaced=tuple(
            (f, current[f], new)
            for f, new in incoming.items()
            if f in current and current[f] != new
        ),
        unchanged=sum(1 for f, new in incoming.items() if current.get(f) == new),
        removed=absent if replace else (),
        kept=() if replace else absent,
    )


def import_answers(
    session: Session,
    *,
    org_id: int,
    answers: AnswersFile,
    actor: Member | None = None,
    replace: bool = False,
    force: bool = False,
) -> Report:
    """`import_report` for callers that only need the report."""
    return import_report(
        session, org_id=org_id, answers=answers, actor=actor, replace=replace, force=force
    ).report


def export_answers(session: Session, *, report_id: int, actor: Member | None = None) -> AnswersFile:
    """The report as an answers file (`bot.core.answers.dump_answers` writes it out)."""
    report = _load(session, report_id)
    if actor is not None:
        access.check_read(session, actor, report.org_id)
    return AnswersFile(
        kind=report.kind, agency=report.agency, year=report.year, values=_values(session, report)
    )
