"""All settings in one place, read from the environment (and `.env`) by pydantic-settings."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# PROJECT_ROOT re-exported: it was defined here before bot.paths.
from bot.paths import PROJECT_ROOT as PROJECT_ROOT
from bot.paths import TEMPLATES_DIR, TEMPLATES_DIR_VARIABLE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///var/nianbao.db", validation_alias="DATABASE_URL")
    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot", validation_alias="TELEGRAM_BASE_URL"
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", validation_alias="TELEGRAM_BASE_FILE_URL"
    )
    # The bot's @username, for the t.me deep links printed with invite codes.
    bot_username: str = Field(default="", validation_alias="NIANBAO_BOT_USERNAME")
    timezone: str = Field(default="Asia/Shanghai", validation_alias="NIANBAO_TIMEZONE")
    templates_dir: Path = Field(default=TEMPLATES_DIR, validation_alias=TEMPLATES_DIR_VARIABLE)
    output_dir: Path = Field(default=Path("out"), validation_alias="NIANBAO_OUTPUT_DIR")

    # Deadline reminders (docs/reminders.md). Quiet hours are local times; a window may span
    # midnight, equal start and end switch quiet hours off.
    reminders_enabled: bool = Field(default=True, validation_alias="NIANBAO_REMINDERS")
    reminder_quiet_start: str = Field(
        default="21:00", pattern=r"^\d{1,2}:\d{2}$", validation_alias="NIANBAO_REMINDER_QUIET_START"
    )
    reminder_quiet_end: str = Field(
        default="08:00", pattern=r"^\d{1,2}:\d{2}$", validation_alias="NIANBAO_REMINDER_QUIET_END"
    )
    reminder_sweep_minutes: int = Field(
        default=15, ge=1, le=720, validation_alias="NIANBAO_REMINDER_SWEEP_MINUTES"
    )
    reminder_messages_per_second: float = Field(
        default=30.0, gt=0, le=30, validation_alias="NIANBAO_REMINDER_RATE"
    )
    reminder_max_attempts: int = Field(
        default=5, ge=1, validation_alias="NIANBAO_REMINDER_MAX_ATTEMPTS"
    )

    # PDF beside the Word report (bot/core/pdf.py, docs/operations.md). "auto": a warm
    # LibreOffice behind unoserver when a Python with LibreOffice's uno module is found, else
    # a `soffice --headless` run per report; "off": Word only.
    pdf_mode: Literal["auto", "unoserver", "soffice", "off"] = Field(
        default="auto", validation_alias="NIANBAO_PDF"
    )
    soffice_path: str | None = Field(default=None, validation_alias="NIANBAO_SOFFICE")
    uno_python: str | None = Field(default=None, validation_alias="NIANBAO_UNO_PYTHON")
    pdf_workers: int = Field(default=1, ge=1, le=8, validation_alias="NIANBAO_PDF_WORKERS")
    pdf_timeout_seconds: float = Field(default=60.0, gt=0, validation_alias="NIANBAO_PDF_TIMEOUT")
    # Fonts the agency holds licences for (仿宋_GB2312, 方正小标宋简体…): they replace the free
    # Noto CJK stand-ins in the PDF.
    fonts_dir: Path | None = Field(default=None, validation_alias="NIANBAO_FONTS_DIR")

    # Threads for database work and Word rendering (asyncio.to_thread); unset: see
    # `worker_thread_count`.
    worker_threads: int | None = Field(
        default=None, ge=1, le=32, validation_alias="NIANBAO_WORKER_THREADS"
    )

    # Running the bot (`nianbao run`, docs/operations.md). Webhook mode when a URL is set.
    webhook_url: str | None = Field(default=None, validation_alias="NIANBAO_WEBHOOK_URL")
    webhook_listen: str = Field(default="0.0.0.0", validation_alias="NIANBAO_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, validation_alias="NIANBAO_WEBHOOK_PORT")
    # Telegram repeats it in X-Telegram-Bot-Api-Secret-Token; generated per start when unset.
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    # GET /healthz on its own port (also in polling mode); unset: only on the webhook server.
    health_port: int | None = Field(default=None, validation_alias="NIANBAO_HEALTH_PORT")
    health_listen: str = Field(default="127.0.0.1", validation_alias="NIANBAO_HEALTH_LISTEN")
    log_level: str = Field(default="INFO", validation_alias="NIANBAO_LOG_LEVEL")

    # The web front end (`nianbao web`, docs/web.md). The address staff open, for the one-time
    # sign-in links the bot sends (/web); unset: the bot says the web is not set up.
    web_url: str | None = Field(default=None, validation_alias="NIANBAO_WEB_URL")
    # Cookies only over HTTPS: set when the site is served over HTTPS (a proxy in front).
    web_secure_cookies: bool = Field(default=False, validation_alias="NIANBAO_WEB_SECURE_COOKIES")

    @property
    def worker_thread_count(self) -> int:
        """NIANBAO_WORKER_THREADS, else 1 on SQLite and 2 on PostgreSQL.

        The GIL runs one thread at a time, so threads only pay off while one waits. SQLite
        writes one transaction at a time and its page cache is per connection (dropped when
        another connection wrote), so one thread on one warm connection is cheapest; on
        PostgreSQL a second thread works while the first waits on the server
        (bench/bot_echo.py, docs/benchmarks.md).
        """
        if self.worker_threads is not None:
            return self.worker_threads
        return 1 if self.database_url.startswith("sqlite") else 2


@lru_cache
def get_settings() -> Settings:
    return Settings()
