"""Today's date where the agencies are (`Settings.timezone`): it decides the report year."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.config import get_settings


def today_in_settings_zone() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()
