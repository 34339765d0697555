"""Deciding what is due: one read of the database, no writes.

A plan lists every message a sweep should send now, each under its reminder-log key:

- staff of an organisation whose report for the current report year is not submitted or
  approved (no report yet counts as nothing done) get the most recent ladder step
  (`deadline:{year}:m{member}:d-{n}`) or, after the deadline, one reminder a day
  (`overdue:{year}:m{member}:{date}`), with what is left to do and a 「继续填写」 button;
- supervisors get one digest a day (`digest:{year}:m{member}:{date}`) of the organisations
  in their subtree that have not submitted, once one of them is within the reminder window.

Keys already in the log are left out, except failed sends that may be retried. A message
longer than Telegram allows goes out in parts; part k > 1 has its own key (`{key}:p{k}`) so
a crash between parts neither repeats nor loses one.

The whole tree is read at once (organisations, reports, members, deadline overrides), so a
sweep over ten thousand organisations costs a handful of queries: subtrees and deadlines are
resolved in memory with the same rules as `storage.orgs.subtree_ids` and
`storage.deadlines.deadline_for` (tests compare them organisation by organisation).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.chat.member_state import LOCKED_STATUSES
from bot.chat.state import ReportState
from bot.chat.views import progress
from bot.core.calendar import report_year_for
from bot.core.checks import check_values
from bot.core.form import ReportForm, load_form
from bot.reminders.messages import (
    COVERED_BY_PROGRESS,
    DigestEntry,
    ReportSummary,
    blocked_text,
    digest_text,
    staff_text,
)
from bot.reminders.policy import ReminderPolicy, Step, due_step
from bot.telegram.replies import split_text
from storage.deadlines import legal_deadline
from storage.models import (
    REPORTING_ROLES,
    SUPERVISING_ROLES,
    Answer,
    Deadline,
    Member,
    Organisation,
    ReminderLog,
    Report,
    ReportEvent,
)
from storage.orgs import ancestors
from storage.values import from_json

# A report staff can no longer change (submitted or approved) needs no reminder.
DONE_STATUSES = frozenset(LOCKED_STATUSES)
# Errors stored for failures that a later sweep must not retry (a bad request stays bad).
PERMANENT_ERROR = "permanent: "
_CHUNK = 500


@dataclass(frozen=True)
class Delivery:
    """One message to one chat under one reminder-log key."""

    key: str
    kind: str  # "staff", "digest" or "blocked"
    step: str  # stored in the log: "d-7", "overdue", "digest", "blocked"; "… k/n" for parts
    member_id: int
    member_name: str
    org_name: str
    chat_id: int
    report_id: int | None
    text: str
    button: bool = False
    # None: not in the log yet (claim it); a number: a failed row with that many attempts.
    retry_attempts: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "step": self.step,
            "member_id": self.member_id,
            "member": self.member_name,
            "org": self.org_name,
            "chat_id": self.chat_id,
            "report_id": self.report_id,
            "button": self.button,
            "retry": self.retry_attempts is not None,
            "text": self.text,
        }


@dataclass(frozen=True)
class Plan:
    now: datetime
    today: date
    year: int
    quiet: bool
    deliveries: tuple[Delivery, ...] = ()


# --- the snapshot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    id: int
    name: str
    org_type: str
    parent_id: int | None


@dataclass(frozen=True)
class _Report:
    id: int
    org_id: int
    status: str
    kind: str
    agency: str


@dataclass(frozen=True)
class _Member:
    id: int
    name: str
    role: str
    org_id: int
    chat_id: int | None
    blocked: bool

    @property
    def reachable(self) -> bool:
        return self.chat_id is not None and not self.blocked


@dataclass(frozen=True)
class _LogRow:
    status: str
    attempts: int
    last_error: str | None
    step: str


class Forms:
    """Form definitions by kind, parsed once (load_form reads YAML every call)."""

    def __init__(self) -> None:
        self._by_kind: dict[str, ReportForm] = {}
        self._checks: dict[str, set[str]] = {}
        self._previous_fields: dict[str, list[str]] = {}
        self._amounts: dict[str, frozenset[str]] = {}

    def kind(self, kind: str) -> ReportForm:
        if kind not in self._by_kind:
            self._by_kind[kind] = load_form(kind)
        return self._by_kind[kind]

    def error_checks(self, kind: str) -> set[str]:
        """The checks a reminder quotes: all but blanks, which the sections left already say."""
        if kind not in self._checks:
            form = self.kind(kind)
            ids = {r.check for r in form.relations} | set(form.content_checks)
            self._checks[kind] = ids - COVERED_BY_PROGRESS
        return self._checks[kind]

    def amount_fields(self, kind: str) -> frozenset[str]:
        """Fields stored as a string that reads back as a Decimal (storage.values)."""
        if kind not in self._amounts:
            form = self.kind(kind)
            self._amounts[kind] = frozenset(
                f for f, d in form.fields.items() if d.type.kind == "amount"
            )
        return self._amounts[kind]

    def previous_fields(self, kind: str) -> list[str]:
        """Fields of last year's report the checks of `kind` read: carried-over figures (the
        relations' previous terms) and the narratives."""
        if kind not in self._previous_fields:
            form = self.kind(kind)
            fields = {t.field for r in form.relations for t in (*r.left, *r.right) if t.previous}
            self._previous_fields[kind] = sorted(fields | set(form.text_fields))
        return self._previous_fields[kind]


@dataclass
class Snapshot:
    """The organisation tree, this year's reports, the members and every deadline."""

    year: int
    orgs: dict[int, _Org]
    reports: dict[int, _Report]  # by organisation
    members: list[_Member]
    deadlines: dict[int, date]  # by organisation
    children: dict[int | None, list[int]] = field(init=False)
    _subtrees: dict[int, tuple[int, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        children: dict[int | None, list[int]] = defaultdict(list)
        for org in self.orgs.values():
            children[org.parent_id].append(org.id)
        self.children = dict(children)

    def subtree(self, org_id: int) -> tuple[int, ...]:
        """`org_id` and everything below it (what `storage.orgs.subtree_ids` returns)."""
        if org_id not in self._subtrees:
            found: list[int] = []
            seen: set[int] = set()
            stack = [org_id]
            while stack:
                current = stack.pop()
                if current in seen or current not in self.orgs:
                    continue
                seen.add(current)
                found.append(current)
                stack.extend(self.children.get(current, ()))
            self._subtrees[org_id] = tuple(sorted(found))
        return self._subtrees[org_id]

    def done(self, org_id: int) -> bool:
        report = self.reports.get(org_id)
        return report is not None and report.status in DONE_STATUSES


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def deadlines_for(session: Session, orgs: dict[int, _Org], year: int) -> dict[int, date]:
    """Every organisation's deadline: `storage.deadlines.deadline_for`'s rules, one query.

    The most specific override wins: one set on the organisation or its nearest ancestor, then
    one for its type, then one for everyone; otherwise the legal date.
    """
    overrides = session.exec(select(Deadline).where(Deadline.year == year)).all()
    by_org = {d.org_id: d.due for d in overrides if d.org_id is not None}
    by_type: dict[str, date] = {}
    everyone: date | None = None
    for d in overrides:
        if d.org_id is None and d.org_type is not None:
            by_type.setdefault(d.org_type, d.due)
        elif d.org_id is None and everyone is None:
            everyone = d.due
    legal: dict[str, date] = {}
    inherited: dict[int, date | None] = {}

    def from_tree(org_id: int) -> date | None:
        chain: list[int] = []
        found: date | None = None
        current: int | None = org_id
        seen: set[int] = set()
        while current is not None and current in orgs and current not in seen:
            if current in inherited:
                found = inherited[current]
                break
            seen.add(current)
            chain.append(current)
            if current in by_org:
                found = by_org[current]
                break
            current = orgs[current].parent_id
        for node in chain:
            inherited[node] = found
        return found

    result: dict[int, date] = {}
    for org in orgs.values():
        due = from_tree(org.id) or by_type.get(org.org_type) or everyone
        if due is None:
            if org.org_type not in legal:
                legal[org.org_type] = legal_deadline(org.org_type, year)
            due = legal[org.org_type]
        result[org.id] = due
    return result


def load_snapshot(session: Session, year: int) -> Snapshot:
    orgs = {
        row[0]: _Org(*row)
        for row in session.execute(
            sa.select(
                Organisation.id, Organisation.name, Organisation.org_type, Organisation.parent_id
            )
        )
    }
    reports = {
        row[1]: _Report(*row)
        for row in session.execute(
            sa.select(Report.id, Report.org_id, Report.status, Report.kind, Report.agency).where(
                Report.year == year
            )
        )
    }
    members = [
        _Member(row[0], row[1], row[2], row[3], row[4], row[5] is not None)
        for row in session.execute(
            sa.select(
                Member.id,
                Member.name,
                Member.role,
                Member.org_id,
                Member.chat_id,
                Member.blocked_at,
            )
            .where(Member.active, Member.role.in_((*REPORTING_ROLES, *SUPERVISING_ROLES)))  # type: ignore[attr-defined]
            .order_by(Member.id)  # type: ignore[arg-type]
        )
    ]
    return Snapshot(year, orgs, reports, members, deadlines_for(session, orgs, year))


# --- reading the log -----------------------------------------------------------------------


def _read_log(session: Session, condition: Any, rows: dict[str, _LogRow]) -> None:
    for key, status, attempts, error, step in session.execute(
        sa.select(
            ReminderLog.key,
            ReminderLog.status,
            ReminderLog.attempts,
            ReminderLog.last_error,
            ReminderLog.step,
        ).where(condition)
    ):
        rows[key] = _LogRow(status, attempts, error, step)


def _log_rows(session: Session, keys: Sequence[str]) -> dict[str, _LogRow]:
    rows: dict[str, _LogRow] = {}
    for chunk in _chunks(keys):
        _read_log(session, ReminderLog.key.in_(chunk), rows)  # type: ignore[attr-defined]
    return rows


def _part_rows(session: Session, base_keys: Sequence[str]) -> dict[str, _LogRow]:
    """Rows of the later parts (`{key}:p{k}`) of the given multi-part messages."""
    rows: dict[str, _LogRow] = {}
    for chunk in _chunks(base_keys, 50):
        condition = sa.or_(*(ReminderLog.key.startswith(f"{key}:p") for key in chunk))  # type: ignore[attr-defined]
        _read_log(session, condition, rows)
    return rows


def part_count(step: str) -> int:
    """How many parts a message has, from its first part's logged step ("digest 1/3" → 3)."""
    _, _, fraction = step.rpartition(" ")
    if "/" in fraction:
        try:
            return int(fraction.split("/", 1)[1])
        except ValueError:
            return 1
    return 1


# --- building the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    key: str
    kind: str
    step: str
    member: _Member
    org_id: int
    report_id: int | None
    staff_step: Step | None = None


class Planner:
    """Turns a snapshot into deliveries; `plan_reminders` is the usual entry point."""

    def __init__(self, session: Session, policy: ReminderPolicy, forms: Forms | None = None):
        self.session = session
        self.policy = policy
        self.forms = forms or Forms()
        self._summaries: dict[int, ReportSummary] = {}
        # Colleagues in one organisation get the same text on the same day: rendered once.
        self._staff_texts: dict[tuple[int, str], str] = {}

    def plan(self, now: datetime) -> Plan:
        local = self.policy.local(now)
        today = local.date()
        year = report_year_for(today)
        if self.policy.quiet(now):
            return Plan(now, today, year, quiet=True)
        snapshot = load_snapshot(self.session, year)
        candidates = list(self._candidates(snapshot, today, year))
        log = _log_rows(self.session, [c.key for c in candidates])
        multipart = [
            c.key
            for c in candidates
            if c.key in log and log[c.key].status == "sent" and part_count(log[c.key].step) > 1
        ]
        parts_log = _part_rows(self.session, multipart) if multipart else {}
        wanted = [c for c in candidates if self._may_need_sending(c.key, log, parts_log)]
        self._load_summaries(snapshot, wanted)
        deliveries: list[Delivery] = []
        for candidate in wanted:
            text = self._render(snapshot, candidate, today, year)
            deliveries.extend(self._deliveries(candidate, snapshot, text, log, parts_log))
        return Plan(now, today, year, quiet=False, deliveries=tuple(deliveries))

    # candidates ------------------------------------------------------------------------

    def _candidates(self, snapshot: Snapshot, today: date, year: int) -> Iterator[_Candidate]:
        window = self.policy.window
        for member in snapshot.members:
            if not member.reachable or member.org_id not in snapshot.orgs:
                continue
            report = snapshot.reports.get(member.org_id)
            report_id = report.id if report is not None else None
            # A member holding both roles gets both: their own deadline and the digest.
            if member.role in REPORTING_ROLES and not snapshot.done(member.org_id):
                step = due_step(today, snapshot.deadlines[member.org_id], self.policy.ladder)
                if step is not None:
                    if step.overdue:
                        key = f"overdue:{year}:m{member.id}:{today.isoformat()}"
                    else:
                        key = f"deadline:{year}:m{member.id}:{step.name}"
                    yield _Candidate(
                        key, "staff", step.name, member, member.org_id, report_id, step
                    )
            if member.role in SUPERVISING_ROLES:
                due = any(
                    not snapshot.done(org_id)
                    and (snapshot.deadlines[org_id] - today).days <= window
                    for org_id in snapshot.subtree(member.org_id)
                )
                if due:
                    key = f"digest:{year}:m{member.id}:{today.isoformat()}"
                    yield _Candidate(key, "digest", "digest", member, member.org_id, report_id)

    def _retryable(self, row: _LogRow) -> bool:
        return (
            row.status == "failed"
            and row.attempts < self.policy.max_attempts
            and not (row.last_error or "").startswith(PERMANENT_ERROR)
        )

    def _may_need_sending(
        self, key: str, log: dict[str, _LogRow], parts_log: dict[str, _LogRow]
    ) -> bool:
        row = log.get(key)
        if row is None or self._retryable(row):
            return True
        if row.status != "sent":
            return False
        for part in range(2, part_count(row.step) + 1):
            later = parts_log.get(f"{key}:p{part}")
            if later is None or self._retryable(later):
                return True
        return False

    def _deliveries(
        self,
        candidate: _Candidate,
        snapshot: Snapshot,
        text: str,
        log: dict[str, _LogRow],
        parts_log: dict[str, _LogRow],
    ) -> Iterator[Delivery]:
        pieces = split_text(text)
        base = log.get(candidate.key)
        if base is not None and base.status == "sent":
            # Only the later parts can be missing; keep the count the first part was sent with.
            count = part_count(base.step)
            pieces = pieces[:count] + [""] * (count - len(pieces))
        for index, piece in enumerate(pieces, start=1):
            key = candidate.key if index == 1 else f"{candidate.key}:p{index}"
            row = log.get(key) if index == 1 else parts_log.get(key)
            if row is not None and not self._retryable(row):
                continue
            if not piece:
                continue
            step = candidate.step if len(pieces) == 1 else f"{candidate.step} {index}/{len(pieces)}"
            yield Delivery(
                key=key,
                kind=candidate.kind,
                step=step,
                member_id=candidate.member.id,
                member_name=candidate.member.name,
                org_name=snapshot.orgs[candidate.org_id].name,
                chat_id=candidate.member.chat_id or 0,
                report_id=candidate.report_id,
                text=piece,
                button=candidate.kind == "staff" and index == len(pieces),
                retry_attempts=row.attempts if row is not None else None,
            )

    # texts -----------------------------------------------------------------------------

    def _render(self, snapshot: Snapshot, candidate: _Candidate, today: date, year: int) -> str:
        org = snapshot.orgs[candidate.org_id]
        if candidate.kind == "staff":
            assert candidate.staff_step is not None
            cache_key = (org.id, candidate.step)
            if cache_key not in self._staff_texts:
                report = snapshot.reports.get(org.id)
                self._staff_texts[cache_key] = staff_text(
                    agency=report.agency if report is not None else org.name,
                    year=year,
                    deadline=snapshot.deadlines[org.id],
                    step=candidate.staff_step,
                    summary=self._summaries.get(org.id, ReportSummary(None, None)),
                )
            return self._staff_texts[cache_key]
        entries = []
        subtree = snapshot.subtree(org.id)
        for org_id in subtree:
            if snapshot.done(org_id):
                continue
            report = snapshot.reports.get(org_id)
            summary = self._summaries.get(org_id)
            entries.append(
                DigestEntry(
                    org_name=snapshot.orgs[org_id].name,
                    status=report.status if report is not None else None,
                    deadline=snapshot.deadlines[org_id],
                    days_left=(snapshot.deadlines[org_id] - today).days,
                    answered=summary.answered if summary is not None else None,
                )
            )
        return digest_text(
            scope_name=org.name,
            year=year,
            today=today,
            total=len(subtree),
            submitted=len(subtree) - len(entries),
            entries=entries,
            max_listed=self.policy.digest_max_orgs,
        )

    def _load_summaries(self, snapshot: Snapshot, wanted: Sequence[_Candidate]) -> None:
        """Progress for every undone report a message mentions; errors for staff messages."""
        checked = {c.org_id for c in wanted if c.kind == "staff"}
        needed = set(checked)
        for candidate in wanted:
            if candidate.kind == "digest":
                needed.update(snapshot.subtree(candidate.org_id))
        reports = [
            snapshot.reports[org_id]
            for org_id in sorted(needed)
            if org_id in snapshot.reports and not snapshot.done(org_id)
        ]
        if not reports:
            return
        values = self._values(reports)
        previous = self._previous_values(snapshot, [r for r in reports if r.org_id in checked])
        comments = self._returned_comments([r.id for r in reports if r.status == "returned"])
        for report in reports:
            form = self.forms.kind(report.kind)
            state = ReportState(
                form,
                report.agency,
                snapshot.year,
                values.get(report.id, {}),
                previous=previous.get(report.org_id),
            )
            errors: tuple[Any, ...] = ()
            if report.org_id in checked:
                findings = check_values(
                    form,
                    state.values,
                    previous=state.previous,
                    checks=self.forms.error_checks(report.kind),
                )
                errors = tuple(f for f in findings if f.severity == "error")
            self._summaries[report.org_id] = ReportSummary(
                report.status, state, errors, comments.get(report.id), progress(state)
            )

    def _values(
        self, reports: Sequence[_Report], fields: Sequence[str] | None = None
    ) -> dict[int, dict[str, Any]]:
        """Each report's answers, read as one JSON object per report (aggregated by the
        database) and decoded once: a first sweep reads a million answers, and a row and a
        JSON decode per answer cost more than the checks run on them."""
        kinds = {r.id: r.kind for r in reports}
        values: dict[int, dict[str, Any]] = defaultdict(dict)
        answers_object = _answers_object(self.session.get_bind().dialect.name)
        for chunk in _chunks(list(kinds)):
            query = (
                sa.select(Answer.report_id, answers_object)
                .where(Answer.report_id.in_(chunk))  # type: ignore[attr-defined]
                .group_by(Answer.report_id)
            )
            if fields is not None:
                query = query.where(Answer.field_id.in_(fields))  # type: ignore[attr-defined]
            for report_id, document in self.session.execute(query):
                answers = json.loads(document)
                form = self.forms.kind(kinds[report_id])
                for field_id in self.forms.amount_fields(form.kind) & answers.keys():
                    answers[field_id] = from_json(form.fields[field_id], answers[field_id])
                values[report_id] = answers
        return values

    def _previous_values(
        self, snapshot: Snapshot, reports: Sequence[_Report]
    ) -> dict[int, dict[str, Any]]:
        """Last year's answers by organisation (the checks compare carried-over figures)."""
        org_ids = [r.org_id for r in reports]
        previous: list[_Report] = []
        for chunk in _chunks(org_ids):
            for row in self.session.execute(
                sa.select(
                    Report.id, Report.org_id, Report.status, Report.kind, Report.agency
                ).where(Report.year == snapshot.year - 1, Report.org_id.in_(chunk))  # type: ignore[attr-defined]
            ):
                previous.append(_Report(*row))
        fields = sorted({f for r in reports for f in self.forms.previous_fields(r.kind)})
        values = self._values(previous, fields)
        return {r.org_id: values.get(r.id, {}) for r in previous}

    def _returned_comments(self, report_ids: Sequence[int]) -> dict[int, str]:
        comments: dict[int, str] = {}
        for chunk in _chunks(list(report_ids)):
            for report_id, comment in self.session.execute(
                sa.select(ReportEvent.report_id, ReportEvent.comment)
                .where(
                    ReportEvent.report_id.in_(chunk),  # type: ignore[attr-defined]
                    ReportEvent.to_status == "returned",
                )
                .order_by(ReportEvent.at, ReportEvent.id)  # type: ignore[arg-type]
            ):
                if comment:
                    comments[report_id] = comment
                else:
                    comments.pop(report_id, None)
        return comments


def _answers_object(dialect: str) -> Any:
    """A report's answers as one JSON object {field id: value}, as text."""
    if dialect == "postgresql":
        aggregate = sa.func.json_object_agg(Answer.field_id, Answer.value)
        return sa.cast(aggregate, sa.Text)
    # SQLite keeps JSON as text; json() makes each value JSON again, not a quoted string.
    return sa.func.json_group_object(Answer.field_id, sa.func.json(Answer.value), type_=sa.Text)


def plan_reminders(
    session: Session, *, now: datetime, policy: ReminderPolicy, forms: Forms | None = None
) -> Plan:
    """Everything due at `now` (timezone-aware) that the log does not show as done."""
    return Planner(session, policy, forms).plan(now)


def plan_from_url(url: str, *, now: datetime, policy: ReminderPolicy) -> Plan:
    """`plan_reminders` on a database of its own connection (for a planning process)."""
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return plan_reminders(session, now=now, policy=policy)
    finally:
        engine.dispose()


def blocked_notices(
    session: Session, *, member_id: int, now: datetime, policy: ReminderPolicy
) -> list[Delivery]:
    """Messages telling a member's supervisors that the member blocked the bot.

    The supervisors are those of the nearest organisation, from the member's own upwards,
    that has reachable supervisors (other than the member).
    """
    today = policy.local(now).date()
    year = report_year_for(today)
    member = session.get(Member, member_id)
    if member is None:
        return []
    org = session.get(Organisation, member.org_id)
    if org is None:
        return []
    chain = ancestors(session, org=org)
    names = {node.id: node.name for node in chain}
    supervisors = session.exec(
        select(Member)
        .where(
            Member.role.in_(SUPERVISING_ROLES),  # type: ignore[attr-defined]
            Member.active,
            Member.org_id.in_(names),  # type: ignore[attr-defined]
            Member.chat_id.is_not(None),  # type: ignore[union-attr]
            Member.blocked_at.is_(None),  # type: ignore[union-attr]
            Member.id != member_id,
        )
        .order_by(Member.id)  # type: ignore[arg-type]
    ).all()
    by_org: dict[int, list[Member]] = defaultdict(list)
    for supervisor in supervisors:
        by_org[supervisor.org_id].append(supervisor)
    nearest = next((by_org[node.id] for node in chain if by_org.get(node.id)), [])  # type: ignore[index]
    text = blocked_text(member_name=member.name, role=member.role, org_name=org.name)
    return [
        Delivery(
            key=f"blocked:{year}:m{member_id}:s{supervisor.id}:{today.isoformat()}",
            kind="blocked",
            step="blocked",
            member_id=supervisor.id,  # type: ignore[arg-type]
            member_name=supervisor.name,
            org_name=names[supervisor.org_id],
            chat_id=supervisor.chat_id,  # type: ignore[arg-type]
            report_id=None,
            text=text,
        )
        for supervisor in nearest
    ]
