"""Answer commits under load: 50 writer threads, each committing answers one at a time through
`storage.reports.save_answers`, on SQLite and (if reachable) PostgreSQL.

    python bench/storage_writers.py [--writers 50] [--answers 40] [--pg-url URL]

Two layouts: every writer on its own organisation's report (the normal case), and every
writer on one shared report (the worst case: all saves queue on one row lock). The PostgreSQL
URL names a server and an admin database (default: NIANBAO_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.core.form import load_form  # noqa: E402
from storage.db import make_engine, upgrade_database  # noqa: E402
from storage.members import create_invite, redeem_invite  # noqa: E402
from storage.models import Member  # noqa: E402
from storage.orgs import create_org  # noqa: E402
from storage.reports import get_or_create_report, save_answers  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIELDS = [f for f in load_form("gov-disclosure-2021").numeric_fields if f.startswith("s3.")]


def setup(engine: Engine, writers: int, shared: bool) -> list[tuple[Member, int]]:
    """Members (one per writer) and the report each one writes to."""
    with Session(engine, expire_on_commit=False) as session:
        county = create_org(session, name="基准县人民政府", org_type="county_gov")
        pairs = []
        for i in range(writers):
            org_id = county.id
            if not shared:
                org_id = create_org(
                    session, name=f"基准县第{i}局", org_type="department", parent_id=county.id
                ).id
            _, code = create_invite(session, org_id=org_id, role="staff", created_by="bench")
            member = redeem_invite(session, code=code, telegram_user_id=10**9 + i, name=f"甲{i}")
            report = get_or_create_report(session, actor=member, year=2024)
            pairs.append((member, report.id))
        return pairs


def run(engine: Engine, pairs: list[tuple[Member, int]], answers: int, shared: bool) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(len(pairs) + 1)

    def writer(index: int, member: Member, report_id: int) -> None:
        # On a shared report each writer owns its own cells, as colleagues splitting a table do.
        fields = FIELDS[index % len(FIELDS) :: len(pairs)] if shared else FIELDS
        own: list[float] = []
        with Session(engine, expire_on_commit=False) as session:
            start_gate.wait()
            for n in range(answers):
                field = fields[n % len(fields)]
                began = time.perf_counter()
                save_answers(session, actor=member, report_id=report_id, values={field: n + 1})
                own.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(own)

    threads = [
        threading.Thread(target=writer, args=(i, member, report_id))
        for i, (member, report_id) in enumerate(pairs)
    ]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "commits": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def bench_layout(label: str, url: str, writers: int, answers: int, shared: bool) -> None:
    upgrade_database(url)
    engine = make_engine(url)
    try:
        result = run(engine, setup(engine, writers, shared), answers, shared)
    finally:
        engine.dispose()
    layout = "one shared report" if shared else "own report each"
    print(
        f"| {label} | {layout} | {result['commits']} | {result['per_second']:.0f} "
        f"| {result['p50']:.1f} | {result['p99']:.1f} |",
        flush=True,
    )


def pg_admin(url: str, statement: str) -> str | None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            result = connection.exec_driver_sql(statement)
            return str(result.scalar()) if result.returns_rows else None
    finally:
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--answers", type=int, default=40, help="commits per writer")
    parser.add_argument(
        "--pg-url", default=os.environ.get("NIANBAO_TEST_DATABASE_URL") or DEFAULT_PG
    )
    args = parser.parse_args()
    print(f"{args.writers} writer threads x {args.answers} commits each\n")
    print("| database | layout | commits | answers/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for shared in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            bench_layout("SQLite (WAL)", url, args.writers, args.answers, shared)
    try:
        version = str(pg_admin(args.pg_url, "SHOW server_version")).split()[0]
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL not reachable ({exc.orig}); skipped.")
        return
    for shared in (False, True):
        name = f"nianbao_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        pg_admin(args.pg_url, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            bench_layout(f"PostgreSQL {version}", url, args.writers, args.answers, shared)
        finally:
            pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
