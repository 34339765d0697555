"""Deadline reminders: what is due (`plan`), sending within Telegram's limits (`sender`),
one sweep with exactly-once claims (`sweep`), the scheduler inside the bot (`service`) and
`nianbao remind` (`cli`). See docs/reminders.md.
"""

from bot.reminders.blocked import blocked_notices
from bot.reminders.delivery import Delivery, Plan
from bot.reminders.plan import plan_reminders
from bot.reminders.policy import LADDER, ReminderPolicy, Step, due_step
from bot.reminders.sender import Pacer, Sender
from bot.reminders.service import ReminderService, start_reminders, stop_reminders
from bot.reminders.sweep import Sweeper, SweepReport

__all__ = [
    "LADDER",
    "Delivery",
    "Pacer",
    "Plan",
    "ReminderPolicy",
    "ReminderService",
    "Sender",
    "Step",
    "SweepReport",
    "Sweeper",
    "blocked_notices",
    "due_step",
    "plan_reminders",
    "start_reminders",
    "stop_reminders",
]
