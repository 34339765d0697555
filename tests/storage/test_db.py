"""Engine set-up: the SQLite pragmas hold on every connection; the directory is created."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.db import begin_write, get_engine, make_engine, session_scope
from storage.errors import NotFound
from storage.models import Organisation
from storage.orgs import create_org


def test_sqlite_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/nested/dir/x.db")
    try:
        assert (tmp_path / "nested" / "dir").is_dir()
        connections = [engine.connect() for _ in range(3)]
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()


def test_get_engine_follows_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/app/nianbao.db")
    get_settings.cache_clear()
    try:
        engine = get_engine()
        assert engine is get_engine()
        assert str(engine.url).endswith("app/nianbao.db")
        assert (tmp_path / "app").is_dir()
    finally:
        get_settings.cache_clear()


def test_session_scope_commits_and_rolls_back(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Organisation(name="甲市人民政府", org_type="city_gov"))
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Organisation(name="乙市人民政府", org_type="city_gov"))
        session.flush()
        raise RuntimeError
    with Session(engine) as session:
        names = session.exec(select(Organisation.name)).all()
    assert names == ["甲市人民政府"]


def test_foreign_keys_are_enforced(session: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    begin_write(session)
    session.add(Organisation(name="孤儿局", org_type="department", parent_id=999))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_timestamps_come_back_timezone_aware(session: Session) -> None:
    org = Organisation(name="丙县人民政府", org_type="county_gov")
    session.add(org)
    session.commit()
    session.expunge_all()
    loaded = session.exec(select(Organisation)).one()
    assert loaded.created_at.utcoffset() is not None
    assert loaded.created_at == org.created_at


def test_a_refused_write_releases_the_database(engine: Engine, session: Session) -> None:
    """A storage call that refuses mid-transaction rolls back at once: on SQLite an open write
    transaction would hold the write lock until the session closes, stalling every writer."""
    with pytest.raises(NotFound, match="上级单位"):
        create_org(session, name="新局", org_type="department", parent_id=999)
    assert not session.in_transaction()
    with Session(engine) as other:
        assert create_org(other, name="新局", org_type="department").id is not None


def test_a_write_inside_an_open_write_transaction_joins_it(engine: Engine) -> None:
    """What the chat does for an answer: the storage calls inside commit with the caller."""
    with Session(engine) as session:
        begin_write(session)
        create_org(session, name="甲局", org_type="department")
        with Session(engine) as other:
            assert other.exec(select(Organisation.name)).all() == []  # not committed yet
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(Organisation.name)).all() == ["甲局"]


def test_an_error_in_a_joined_write_rolls_back_the_whole_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        begin_write(session)
        create_org(session, name="甲局", org_type="department")
        with pytest.raises(NotFound):
            create_org(session, name="乙局", org_type="department", parent_id=999)
        assert not session.in_transaction()
    with Session(engine) as session:
        assert session.exec(select(Organisation.name)).all() == []
