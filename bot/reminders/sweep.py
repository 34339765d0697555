"""One sweep: plan what is due, then claim, send and record each message.

Exactly once: a message is sent only by the caller whose claim of its key created the log row
(`storage.reminders.claim_reminder`), so two sweeps racing (two processes, or a restart
overlapping a sweep) send it once. The claim is taken right before the send, not for the
whole plan up front, so stopping a sweep leaves the rest unclaimed for the next one. A failed
send is retried by a later sweep, which takes it back with a conditional update (only one
sweep can move a row from "failed" to "pending"). A row left "pending" by a process killed
mid-send is never resent: whether Telegram got the message is unknown, and a duplicate is
what this design rules out (see docs/reminders.md).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram.ext import ExtBot

from bot.reminders.blocked import blocked_notices
from bot.reminders.delivery import Delivery, Plan
from bot.reminders.plan import plan_from_url, plan_reminders
from bot.reminders.policy import ReminderPolicy
from bot.reminders.report_summaries import Forms
from bot.reminders.sender import Outcome, Pacer, Sender
from storage.db import begin_write, session_scope
from storage.members import mark_blocked
from storage.models import ReminderLog
from storage.reminders import claim_reminder, mark_reminder

logger = logging.getLogger(__name__)

# Concurrent sends: enough to keep 30 messages/s flowing while some wait for their chat.
WORKERS = 16


@dataclass
class SweepReport:
    """What one sweep did. `claimed` counts the messages this sweep took and tried to send."""

    now: datetime
    year: int | None = None
    quiet: bool = False
    planned: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0  # claimed by another sweep first
    notices: int = 0  # supervisors told about a member who blocked the bot
    retry_after_waits: int = 0
    stopped: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.quiet:
            return "免打扰时段，未发送提醒。"
        return (
            f"待发送 {self.planned} 条：已发送 {self.sent} 条，发送失败 {self.failed} 条"
            f"（下次检查时重试），对方已屏蔽 {self.blocked} 条，"
            f"已由其他进程发送 {self.skipped} 条；"
            f"通知督导人员 {self.notices} 条；因频率限制等待 {self.retry_after_waits} 次。"
        )


def reclaim_failed(session: Session, *, key: str, attempts: int) -> bool:
    """Take a failed reminder back for another attempt; True for exactly one caller. Commits."""
    begin_write(session)
    result = session.execute(
        sa.update(ReminderLog)
        .where(
            ReminderLog.key == key,  # type: ignore[arg-type]
            ReminderLog.status == "failed",  # type: ignore[arg-type]
            ReminderLog.attempts == attempts,  # type: ignore[arg-type]
        )
        .values(status="pending")
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


PLANNING_NICENESS = 10


class PlanningProcess:
    """`plan_reminders` in a spawned process of its own (spawned: a threaded process must not
    fork); `stop` ends it at once."""

    def __init__(self, url: str, now: datetime, policy: ReminderPolicy) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._receiver, sender = spawn.Pipe(duplex=False)
        self._process = spawn.Process(
            target=_plan_into,
            args=(sender, url, now, policy),
            name="nianbao-reminder-plan",
            daemon=True,  # never outlives the bot
        )
        self._process.start()
        sender.close()
        self._stopped = False

    async def result(self) -> Plan | None:
        """The plan; None once stopped."""
        waiter = ThreadPoolExecutor(1, thread_name_prefix="nianbao-reminder-plan")
        try:
            outcome, value = await asyncio.get_running_loop().run_in_executor(
                waiter, self._receiver.recv
            )
        except EOFError:
            if self._stopped:
                return None
            self._process.join(5)
            raise RuntimeError(
                f"reminder planning process ended without a plan (exit {self._process.exitcode})"
            ) from None
        finally:
            waiter.shutdown(wait=False)
            self._receiver.close()
        self._process.join(5)
        if outcome == "error":
            raise RuntimeError(f"reminder planning failed: {value}")
        return value

    def stop(self) -> None:
        self._stopped = True
        self._process.terminate()


def _plan_into(sender: Connection, url: str, now: datetime, policy: ReminderPolicy) -> None:
    # Background work: where CPUs are short, members' answers get them first.
    os.nice(PLANNING_NICENESS)
    try:
        sender.send(("plan", plan_from_url(url, now=now, policy=policy)))
    except Exception as exc:
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


class Sweeper:
    """Runs sweeps for one bot and one database; one sweep at a time per instance."""

    def __init__(
        self,
        engine: Engine,
        bot: ExtBot[None],
        policy: ReminderPolicy,
        *,
        pacer: Pacer | None = None,
        workers: int = WORKERS,
        clock: Callable[[], datetime] | None = None,
        plan_in_process: bool = False,
    ) -> None:
        self.engine = engine
        self.plan_in_process = plan_in_process
        self.policy = policy
        self.pacer = pacer or Pacer(
            policy.messages_per_second, per_chat_interval=policy.per_chat_interval
        )
        self.sender = Sender(bot, self.pacer)
        self.workers = workers
        self.clock = clock or (lambda: datetime.now(UTC))
        self.forms = Forms()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._planning: PlanningProcess | None = None

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def stop(self) -> None:
        """Finish the messages being sent and take no new ones (the next sweep sends them);
        a plan being made is dropped (it sends nothing)."""
        self._stopping = True
        if self._planning is not None:
            self._planning.stop()

    def plan(self, now: datetime | None = None) -> Plan:
        """What a sweep at `now` would send (reads only; used by the dry run)."""
        with Session(self.engine) as session:
            return plan_reminders(
                session, now=now or self.clock(), policy=self.policy, forms=self.forms
            )

    async def sweep(self, now: datetime | None = None, *, limit: int | None = None) -> SweepReport:
        """Plan at `now` and send; `limit` caps how many planned messages are attempted."""
        async with self._lock:
            self._stopping = False
            now = now or self.clock()
            report = SweepReport(now)
            plan = await self._plan_aside(now)
            if plan is None:
                report.stopped = True
                return report
            report.year, report.quiet = plan.year, plan.quiet
            deliveries = plan.deliveries if limit is None else plan.deliveries[:limit]
            report.planned = len(deliveries)
            await self._send_all(deliveries, report, now)
            report.stopped = self._stopping
            logger.info("reminder sweep at %s: %s", now.isoformat(), report.summary())
            return report

    async def _plan_aside(self, now: datetime) -> Plan | None:
        """The plan, made off the event loop (None: stopped meanwhile). Planning reads every
        organisation and checks every report in progress (seconds for thousands): on a
        thread of its own, so the chat's worker threads stay free; with `plan_in_process`
        (the bot) in a process of its own, so that members' answers keep their pace on
        another CPU instead of sharing the interpreter's lock with it (bench/reminders.py)."""
        url = self.engine.url
        if self.plan_in_process and url.database not in (None, "", ":memory:"):
            self._planning = PlanningProcess(
                url.render_as_string(hide_password=False), now, self.policy
            )
            try:
                return await self._planning.result()
            finally:
                self._planning = None
        planner = ThreadPoolExecutor(1, thread_name_prefix="nianbao-reminder-plan")
        try:
            return await asyncio.get_running_loop().run_in_executor(planner, self.plan, now)
        finally:
            planner.shutdown(wait=False)

    async def _send_all(
        self, deliveries: tuple[Delivery, ...], report: SweepReport, now: datetime
    ) -> None:
        # One chat's messages (a digest in parts) go in order, through one worker.
        groups: dict[int, list[Delivery]] = {}
        for delivery in deliveries:
            groups.setdefault(delivery.chat_id, []).append(delivery)
        queue: asyncio.Queue[list[Delivery] | None] = asyncio.Queue()
        outstanding = len(groups)
        count = max(1, min(self.workers, outstanding))

        def finish_one() -> None:
            nonlocal outstanding
            outstanding -= 1
            if outstanding == 0:
                for _ in range(count):
                    queue.put_nowait(None)

        def add(group: list[Delivery]) -> None:
            nonlocal outstanding
            outstanding += 1
            queue.put_nowait(group)

        async def worker() -> None:
            while (group := await queue.get()) is not None:
                try:
                    await self._send_group(group, report, now, add)
                finally:
                    finish_one()

        for group in groups.values():
            queue.put_nowait(group)
        if outstanding == 0:
            return
        tasks = [asyncio.create_task(worker()) for _ in range(count)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send_group(
        self,
        group: list[Delivery],
        report: SweepReport,
        now: datetime,
        add: Callable[[list[Delivery]], None],
    ) -> None:
        for delivery in group:
            if self._stopping:
                return
            if not await asyncio.to_thread(self._claim, delivery):
                report.skipped += 1
                continue
            report.claimed += 1
            outcome = await self.sender.send(delivery)
            report.retry_after_waits += outcome.retry_after_waits
            await asyncio.to_thread(self._record, delivery, outcome)
            if outcome.status == "sent":
                report.sent += 1
                continue
            if outcome.status == "failed":
                report.failed += 1
                report.errors.append(f"{delivery.key}: {outcome.error}")
                logger.warning("reminder %s not sent: %s", delivery.key, outcome.error)
                return  # the later parts wait for the retry of this one
            report.blocked += 1
            logger.info(
                "member %s has blocked the bot (reminder %s)", delivery.member_id, delivery.key
            )
            notices = await asyncio.to_thread(self._blocked, delivery.member_id, now)
            for notice in notices:
                report.notices += 1
                add([notice])
            return

    def _claim(self, delivery: Delivery) -> bool:
        with session_scope(self.engine) as session:
            if delivery.retry_attempts is None:
                return claim_reminder(
                    session,
                    key=delivery.key,
                    member_id=delivery.member_id,
                    report_id=delivery.report_id,
                    step=delivery.step,
                )
            return reclaim_failed(session, key=delivery.key, attempts=delivery.retry_attempts)

    def _record(self, delivery: Delivery, outcome: Outcome) -> None:
        with session_scope(self.engine) as session:
            mark_reminder(session, key=delivery.key, status=outcome.status, error=outcome.error)
            if outcome.status == "blocked":
                mark_blocked(session, member_id=delivery.member_id, blocked=True)

    def _blocked(self, member_id: int, now: datetime) -> list[Delivery]:
        with Session(self.engine) as session:
            return blocked_notices(session, member_id=member_id, now=now, policy=self.policy)
