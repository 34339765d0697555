"""All settings in one place, read from the environment (and `.env`) by pydantic-settings."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    templates_dir: Path = Field(
        default=PROJECT_ROOT / "templates", validation_alias="NIANBAO_TEMPLATES_DIR"
    )
    output_dir: Path = Field(default=Path("out"), validation_alias="NIANBAO_OUTPUT_DIR")


@lru_cache
def get_settings() -> Settings:
    return Settings()
