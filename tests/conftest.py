"""Database fixtures: a fresh, migrated database per test, on SQLite and (if configured) PG.

The migrations run once per test session into a template; each test gets a copy (SQLite: the
file is copied; PostgreSQL: CREATE DATABASE … TEMPLATE). PostgreSQL runs only when
NIANBAO_TEST_DATABASE_URL is set; its database is used for admin statements only, since other
people run their tests on the same server at the same time.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from bot.core.pdf import LibreOfficeMissing, PdfConverter, make_converter
from storage.db import make_engine, upgrade_database
from tests.fake_telegram import FakeTelegram

# No LibreOffice behind /generate unless a test asks for it (tests/core/test_pdf.py and the
# print tests make their own converters): the suite stays fast and starts no office suites.
os.environ.setdefault("NIANBAO_PDF", "off")

PG_ENV = "NIANBAO_TEST_DATABASE_URL"
_counter = itertools.count()


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _pg_execute(admin_url: str, statement: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        admin.dispose()


def _pg_url_for(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "nianbao.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL not configured ({PG_ENV} unset)")
    name = f"nianbao_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        upgrade_database(_pg_url_for(admin_url, name))
        yield name
    finally:
        _pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database with every migration applied."""
    if request.param == "sqlite":
        path = tmp_path / "nianbao.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    admin_url = _pg_admin_url()
    assert admin_url is not None
    name = f"nianbao_t_{os.getpid()}_{next(_counter)}"
    _pg_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url_for(admin_url, name)
    finally:
        _pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram/README.md)."""
    with FakeTelegram() as server:
        server.default_timeout = 20.0
        yield server


@pytest.fixture(scope="session")
def pdf_converter() -> Iterator[PdfConverter]:
    """One LibreOffice for the session's print tests (warm when unoserver can run)."""
    try:
        converter = make_converter(mode="auto")
    except LibreOfficeMissing:
        pytest.skip("LibreOffice is not installed (.ci/run installs libreoffice-writer-nogui)")
    yield converter
    converter.close()
