"""Concurrent writers lose nothing; a writer killed mid-way leaves every commit intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.form import load_form
from storage.models import AnswerHistory, Member, Report
from storage.reports import get_or_create_report, report_values, save_answers

WRITER = Path(__file__).resolve().parent / "writer_process.py"
ROOT = Path(__file__).resolve().parents[2]
# Forty cells of table 三: enough interleaving to lose something if saves could race.
FIELDS = [f for f in load_form("gov-disclosure-2021").numeric_fields if f.startswith("s3.")][:40]


def _writer(
    url: str, report: Report, member: Member, rounds: int, fields: list[str]
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), url, str(report.id), str(member.id), str(rounds), *fields],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _history(engine: Engine, report_id: int) -> list[AnswerHistory]:
    with Session(engine) as session:
        query = select(AnswerHistory).where(AnswerHistory.report_id == report_id)
        return list(session.exec(query.order_by(AnswerHistory.id)).all())


def test_threads_lose_nothing(
    engine: Engine, session: Session, staff: Member, colleague: Member
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    threads_fields = [FIELDS[i::6] for i in range(6)]
    errors: list[BaseException] = []

    def write(member: Member, fields: list[str]) -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                for value in (1, 2):
                    for field in fields:
                        save_answers(own, actor=member, report_id=report.id, values={field: value})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(staff if i % 2 else colleague, fields))
        for i, fields in enumerate(threads_fields)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert report_values(session, actor=staff, report_id=report.id) == dict.fromkeys(FIELDS, 2)
    history = _history(engine, report.id)
    assert len(history) == 2 * len(FIELDS)
    assert sorted(h.report_version for h in history) == list(range(1, 2 * len(FIELDS) + 1))


def test_two_processes_lose_nothing(
    database_url: str, engine: Engine, session: Session, staff: Member, colleague: Member
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    half = len(FIELDS) // 2
    writers = [
        _writer(database_url, report, staff, 3, FIELDS[:half]),
        _writer(database_url, report, colleague, 3, FIELDS[half:]),
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    assert report_values(session, actor=staff, report_id=report.id) == dict.fromkeys(FIELDS, 3)
    session.refresh(report)
    assert report.version == 3 * len(FIELDS)
    assert len(_history(engine, report.id)) == 3 * len(FIELDS)


def test_sigkill_leaves_every_commit_intact(
    database_url: str, engine: Engine, session: Session, staff: Member
) -> None:
    report = get_or_create_report(session, actor=staff, year=2024)
    fields = FIELDS[:10]
    writer = _writer(database_url, report, staff, 0, fields)
    committed: list[tuple[str, int]] = []
    assert writer.stdout is not None
    for line in writer.stdout:
        field, value = line.split()
        committed.append((field, int(value)))
        if len(committed) == 150:
            os.kill(writer.pid, signal.SIGKILL)
            break
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    values = report_values(session, actor=staff, report_id=report.id)
    recorded = {(h.field_id, h.new_value) for h in _history(engine, report.id)}
    assert set(committed) <= recorded
    last = dict(committed)
    assert all(values[field] >= last[field] for field in last)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
