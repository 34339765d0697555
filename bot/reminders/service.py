"""Reminders inside the bot: an APScheduler `AsyncIOScheduler` on the bot's event loop.

Two jobs, both calling the same sweep: one at start-up and one every
`NIANBAO_REMINDER_SWEEP_MINUTES`, aligned to the local midnight (with 15 minutes: :00, :15, …,
so the sweep at the end of quiet hours comes on the dot). Nothing is kept in a job store:
each sweep derives what is due from the database, so a missed run costs nothing but the
delay to the next one (`misfire_grace_time=None`, `coalesce=True`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from telegram.ext import Application, ExtBot

from bot.config import Settings
from bot.reminders.policy import ReminderPolicy
from bot.reminders.sweep import WORKERS, Sweeper, SweepReport
from bot.telegram.request import AiohttpRequest

logger = logging.getLogger(__name__)

BOT_DATA_KEY = "reminders"
# How long shutdown waits for the messages in flight before cancelling the sweep.
STOP_TIMEOUT = 30.0


def reminder_bot(settings: Settings) -> ExtBot[None]:
    """A bot for reminders only: same token, its own connections, no AIORateLimiter."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return ExtBot(
        settings.telegram_bot_token,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=AiohttpRequest(WORKERS + 4),
    )


class ReminderService:
    """The scheduler and the sweeper it drives."""

    def __init__(
        self,
        engine: Engine,
        bot: ExtBot[None],
        policy: ReminderPolicy,
        *,
        sweep_minutes: int = 15,
    ) -> None:
        self.bot = bot
        self.policy = policy
        self.sweeper = Sweeper(engine, bot, policy, plan_in_process=True)
        self.sweep_minutes = sweep_minutes
        self.scheduler: AsyncIOScheduler | None = None
        self._current: asyncio.Task[Any] | None = None
        self.last_report: SweepReport | None = None

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(
            event_loop=asyncio.get_running_loop(), timezone=self.policy.timezone
        )
        midnight = datetime.now(self.policy.timezone).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        common: dict[str, Any] = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": None,
            "replace_existing": True,
        }
        scheduler.add_job(
            self.run_sweep,
            IntervalTrigger(
                minutes=self.sweep_minutes, start_date=midnight, timezone=self.policy.timezone
            ),
            id="reminders-sweep",
            **common,
        )
        scheduler.add_job(
            self.run_sweep,
            "date",
            run_date=datetime.now(self.policy.timezone) + timedelta(seconds=1),
            id="reminders-startup",
            **common,
        )
        scheduler.start()
        self.scheduler = scheduler
        logger.info(
            "reminders: sweep every %d min, quiet hours %s (%s)",
            self.sweep_minutes,
            self.policy.quiet_label,
            self.policy.timezone.key,
        )

    async def run_sweep(self) -> SweepReport | None:
        """The job: one sweep unless one is still running (a long send after a deadline)."""
        if self.sweeper.running:
            logger.info("reminder sweep still running; this run is skipped")
            return None
        self._current = asyncio.current_task()
        try:
            self.last_report = await self.sweeper.sweep()
            return self.last_report
        except Exception:
            logger.exception("reminder sweep failed; the next run tries again")
            return None
        finally:
            self._current = None

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.sweeper.stop()
        task = self._current
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT)
            except TimeoutError:
                task.cancel()
                logger.warning("reminder sweep cancelled at shutdown")
        await self.bot.shutdown()


async def start_reminders(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, engine: Engine
) -> ReminderService | None:
    """post_init hook: start the reminder scheduler unless NIANBAO_REMINDERS is off."""
    if not settings.reminders_enabled:
        logger.info("reminders are switched off (NIANBAO_REMINDERS)")
        return None
    bot = reminder_bot(settings)
    await bot.initialize()
    service = ReminderService(
        engine,
        bot,
        ReminderPolicy.from_settings(settings),
        sweep_minutes=settings.reminder_sweep_minutes,
    )
    await service.start()
    application.bot_data[BOT_DATA_KEY] = service
    return service


async def stop_reminders(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """post_shutdown hook: stop the scheduler; messages in flight are finished and recorded."""
    service = application.bot_data.pop(BOT_DATA_KEY, None)
    if isinstance(service, ReminderService):
        await service.stop()
