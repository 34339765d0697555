"""All settings in one place, read from the environment (and `.env`) by pydantic-settings."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    timezone: str = Field(default="Asia/Shanghai", validation_alias="NIANBAO_TIMEZONE")
    templates_dir: Path = Field(
        default=PROJECT_ROOT / "templates", validation_alias="NIANBAO_TEMPLATES_DIR"
    )
    output_dir: Path = Field(default=Path("out"), validation_alias="NIANBAO_OUTPUT_DIR")

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
