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

The plan reads the whole tree at once (`snapshot`), what the log holds for the keys it
considers (`reminder_log`) and the progress of the reports its messages mention
(`report_summaries`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.core.calendar import report_year_for
from bot.reminders.delivery import PERMANENT_ERROR, Delivery, Plan
from bot.reminders.messages import DigestEntry, ReportSummary, digest_text, staff_text
from bot.reminders.policy import ReminderPolicy, Step, due_step
from bot.reminders.reminder_log import LogRow, log_rows, part_count, part_rows
from bot.reminders.report_summaries import Forms, SummaryReader
from bot.reminders.snapshot import MemberRow, Snapshot, load_snapshot
from bot.telegram.replies import split_text
from storage.models import REPORTING_ROLES, SUPERVISING_ROLES


@dataclass(frozen=True)
class _Candidate:
    key: str
    kind: str
    step: str
    member: MemberRow
    org_id: int
    report_id: int | None
    staff_step: Step | None = None


class Planner:
    """Turns a snapshot into deliveries; `plan_reminders` is the usual entry point."""

    def __init__(
        self,
        session: Session,
        policy: ReminderPolicy,
        forms: Forms | None = None,
        *,
        summary_reader: SummaryReader | None = None,
    ):
        self.session = session
        self.policy = policy
        # How reports' progress is read (the benchmark serves the answers from memory).
        self.summary_reader = summary_reader or SummaryReader(session, forms or Forms())
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
        log = log_rows(self.session, [c.key for c in candidates])
        multipart = [
            c.key
            for c in candidates
            if c.key in log and log[c.key].status == "sent" and part_count(log[c.key].step) > 1
        ]
        parts_log = part_rows(self.session, multipart) if multipart else {}
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

    def _retryable(self, row: LogRow) -> bool:
        return (
            row.status == "failed"
            and row.attempts < self.policy.max_attempts
            and not (row.last_error or "").startswith(PERMANENT_ERROR)
        )

    def _may_need_sending(
        self, key: str, log: dict[str, LogRow], parts_log: dict[str, LogRow]
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
        log: dict[str, LogRow],
        parts_log: dict[str, LogRow],
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
        self._summaries.update(self.summary_reader.read(snapshot, needed=needed, checked=checked))


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
