"""The models and the migrations describe the same schema, on every backend."""

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import alembic_config

ROOT = Path(__file__).resolve().parents[2]


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_database_is_at_head(engine: Engine, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_downgrade_and_upgrade_again(database_url: str, engine: Engine) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_processes_started_together_on_a_new_database_migrate_it_once(
    database_url: str, engine: Engine
) -> None:
    """`nianbao run` and the `nianbao web` processes each migrate at start: at once on an
    empty database, one migrates and the others wait and find it done."""
    command.downgrade(alembic_config(database_url), "base")
    code = "import sys; from storage.db import upgrade_database; upgrade_database(sys.argv[1])"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code, database_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    for process in started:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
