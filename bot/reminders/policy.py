"""When reminders go out: the ladder of steps before a deadline, quiet hours, pacing limits.

All of it is pure: the sweep passes `now` in, so tests move a controlled clock instead of
waiting for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.config import Settings

# Days before the deadline on which staff are reminded; after the deadline, every day.
LADDER = (14, 7, 3, 1, 0)


@dataclass(frozen=True)
class Step:
    """The reminder due on one day for one deadline.

    `name` is "d-14" … "d-0" before and on the deadline, "overdue" after it. `days_left` is
    the real distance to the deadline (negative when overdue), which the message states: after
    downtime the step can be older than today (a "d-7" sent 5 days before the deadline).
    """

    name: str
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def due_step(today: date, deadline: date, ladder: tuple[int, ...] = LADDER) -> Step | None:
    """The most recent step reached on `today`, or None before the first one.

    Only the most recent is returned: a bot that was down from 9 days before the deadline until
    2 days before owes one "d-3" reminder, not a "d-7" and a "d-3". Whether a step was already
    sent is the reminder log's business (its key is claimed once).
    """
    days_left = (deadline - today).days
    if days_left < 0:
        return Step("overdue", days_left)
    reached = [n for n in ladder if n >= days_left]
    if not reached:
        return None
    return Step(f"d-{min(reached)}", days_left)


def parse_clock(text: str) -> time:
    """ "21:00" → time(21, 0); what the NIANBAO_REMINDER_QUIET_* settings hold."""
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class ReminderPolicy:
    """Everything a sweep decides with, read once from the settings."""

    timezone: ZoneInfo
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    ladder: tuple[int, ...] = LADDER
    # Network failures are retried by later sweeps until a reminder has had this many attempts.
    max_attempts: int = 5
    # A digest lists at most this many organisations (the most urgent); the counts cover all.
    digest_max_orgs: int = 200
    # Telegram: about 30 messages per second overall, about one per second in one chat.
    messages_per_second: float = 30.0
    per_chat_interval: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            timezone=ZoneInfo(settings.timezone),
            quiet_start=parse_clock(settings.reminder_quiet_start),
            quiet_end=parse_clock(settings.reminder_quiet_end),
            max_attempts=settings.reminder_max_attempts,
            messages_per_second=settings.reminder_messages_per_second,
        )

    def local(self, now: datetime) -> datetime:
        if now.tzinfo is None:
            raise ValueError("naive datetime given; pass a timezone-aware `now`")
        return now.astimezone(self.timezone)

    def quiet(self, now: datetime) -> bool:
        """Whether `now` falls in quiet hours (local time; the window may span midnight)."""
        moment = self.local(now).time()
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end

    @property
    def quiet_label(self) -> str:
        return f"{self.quiet_start:%H:%M}–{self.quiet_end:%H:%M}"

    @property
    def window(self) -> int:
        """Days before a deadline from which an organisation counts as due."""
        return max(self.ladder)
