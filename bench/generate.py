"""/generate for many members at once: 50 members send /generate together and each waits for
their Word report, against the real bot over HTTP (the fake Bot API), on SQLite and
PostgreSQL.

    python bench/generate.py [--members 50] [--rounds 3] [--pg-url URL] [--no-pg] [--no-pdf]

Every member has a complete report (the Huaian 2024 sample, imported), so each /generate
reads the report and last year's, checks it, renders the .docx, records that this version
was sent (a write) and uploads the file. A round: `--members` threads wait at a barrier,
send /generate at once, and time until their document arrives; each round has its own
members (a report already sent is not rendered again). A few other members warm the bot up
first. The bot runs in its own process as `nianbao run` builds it (`build_application`,
default worker threads), on one CPU; this process (the fake server and the members) on the
other, when there are two. PostgreSQL: NIANBAO_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test, into a scratch database created and
dropped. Target (issue 24): p99 <= 1 s on both, for the Word report. With LibreOffice
installed the bot makes the PDF too (NIANBAO_PDF=auto), sent after the Word report: the PDF
columns time it from the same /generate (LibreOffice converts one at a time per worker, so
fifty PDFs queue); --no-pdf runs the bot without it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from tests.fake_telegram import FakeTelegram, FakeUser  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
TODAY = date(2025, 1, 10)  # the 2024 reports are this year's
FIRST_USER_ID = 300_000
WARMUP_MEMBERS = 4
TARGET_MS = 1000.0

BOT = """
import sys
from datetime import date
from bot.chat.service import ReportChat
from bot.config import Settings
from bot.telegram.application import build_application
from storage.db import make_engine

token, base_url, file_url, database_url = sys.argv[1:5]
settings = Settings(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=token,
                    TELEGRAM_BASE_URL=base_url, TELEGRAM_BASE_FILE_URL=file_url,
                    NIANBAO_REMINDERS=False)
service = ReportChat(make_engine(database_url), today=lambda: date(2025, 1, 10))
app = build_application(settings, service, rate_limited=False)
app.run_polling(poll_interval=0, timeout=10)
"""


def prepare(database_url: str, users: list[FakeUser]) -> None:
    """One organisation and staff member per user, each with the complete sample report."""
    from bot.core.answers import load_answers
    from storage import members, orgs, reports
    from storage.db import make_engine, session_scope, upgrade_database

    upgrade_database(database_url)
    engine = make_engine(database_url)
    answers = load_answers(SAMPLE)
    for user in users:
        with session_scope(engine) as session:
            org = orgs.create_org(session, name=f"基准单位{user.id}", org_type="department")
            _, code = members.create_invite(
                session, org_id=org.id, role="staff", created_by="bench"
            )
            members.redeem_invite(
                session, code=code, telegram_user_id=user.id, name=f"成员{user.id}"
            )
            reports.import_answers(session, org_id=org.id, answers=answers)
    engine.dispose()


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far, every thread's (the scheduler's nanosecond counts)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(FileNotFoundError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def generate_all(users: list[FakeUser], pdf: bool) -> list[tuple[float, float | None]]:
    """Every user sends /generate at the same moment; seconds until each has the Word report,
    and until its PDF has followed (with `pdf`)."""
    gate = threading.Barrier(len(users))

    def member(user: FakeUser) -> tuple[float, float | None]:
        user.mark_read()
        gate.wait()
        started = time.perf_counter()
        user.send_command("generate")
        document = user.wait_for_document(timeout=300)
        assert document["document"]["file_name"].endswith(".docx"), document
        word = time.perf_counter() - started
        if not pdf:
            return word, None
        document = user.wait_for_document(timeout=600)
        assert document["document"]["file_name"].endswith(".pdf"), document
        return word, time.perf_counter() - started

    with ThreadPoolExecutor(len(users)) as pool:
        return list(pool.map(member, users))


def percentiles(seconds: list[float]) -> tuple[float, float, float, float]:
    """p50, p90, p99, max, in ms."""
    ms = sorted(value * 1000 for value in seconds)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return statistics.median(ms), ms[int(len(ms) * 0.9)], p99, ms[-1]


def bench(
    label: str, database_url: str, members: int, rounds: int, bot_cpu: int | None, pdf: bool
) -> None:
    with FakeTelegram() as tg:
        users = [
            tg.user(id=FIRST_USER_ID + i, first_name=f"成员{i}")
            for i in range(WARMUP_MEMBERS + members * rounds)
        ]
        prepare(database_url, users)
        script = BOT
        if bot_cpu is not None:  # before the bot starts any thread: they inherit it
            script = f"import os; os.sched_setaffinity(0, {{{bot_cpu}}})\n{script}"
        command = [sys.executable, "-c", script, tg.token, tg.base_url, tg.base_file_url]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NIANBAO_PDF": "auto" if pdf else "off"}
        since = tg.call_count("getUpdates")
        process = subprocess.Popen(
            [*command, database_url], env=env, cwd=ROOT, stderr=subprocess.DEVNULL
        )
        try:
            tg.wait_for_request("getUpdates", since=since, finished=False, timeout=60)
            generate_all(users[:WARMUP_MEMBERS], pdf)
            latencies: list[tuple[float, float | None]] = []
            cpu = 0.0
            for round_ in range(rounds):
                start = WARMUP_MEMBERS + round_ * members
                before = cpu_seconds(process.pid)
                latencies += generate_all(users[start : start + members], pdf)
                cpu += cpu_seconds(process.pid) - before
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    p50, p90, p99, top = percentiles([word for word, _ in latencies])
    verdict = "met" if p99 <= TARGET_MS else "NOT met"
    pdfs = [after for _, after in latencies if after is not None]
    pdf_cells = "{:.0f} | {:.0f}".format(*percentiles(pdfs)[::2]) if pdfs else "– | –"
    print(
        f"| {label} | {len(latencies)} | {p50:.0f} | {p90:.0f} | {p99:.0f} | {top:.0f} | "
        f"{cpu * 1000 / len(latencies):.1f} | {verdict} | {pdf_cells} |",
        flush=True,
    )


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[tuple[str, str] | None]:
    """A fresh database on the server (its URL and the server's version), dropped after;
    None when the server is not reachable."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            version = str(connection.exec_driver_sql("SHOW server_version").scalar()).split()[0]
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL not reachable ({exc.orig}); skipped.")
        yield None
        return
    name = f"nianbao_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        yield url, version
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50, help="members sending at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pg-url", default=os.environ.get("NIANBAO_TEST_DATABASE_URL") or DEFAULT_PG
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--no-pdf",
        action="store_true",
        help="Word only (the default makes the PDF that follows, when LibreOffice is installed)",
    )
    args = parser.parse_args()
    pdf = not args.no_pdf and shutil.which("soffice") is not None
    cpus = sorted(os.sched_getaffinity(0))
    bot_cpu = None
    if len(cpus) >= 2:
        bot_cpu = cpus[0]
        os.sched_setaffinity(0, set(cpus[1:]))
    placement = (
        "all CPUs shared" if bot_cpu is None else f"bot on CPU {bot_cpu}, harness on the rest"
    )
    print(f"{args.members} members at once x {args.rounds} rounds, {placement}; latency ms\n")
    print(
        "| database | /generate | Word p50 | p90 | p99 | max | bot CPU ms each | "
        "Word p99 <= 1 s | PDF p50 | PDF p99 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        bench("SQLite (WAL)", url, args.members, args.rounds, bot_cpu, pdf)
    if args.no_pg:
        return
    with scratch_postgres(args.pg_url) as scratch:
        if scratch is not None:
            url, version = scratch
            bench(f"PostgreSQL {version}", url, args.members, args.rounds, bot_cpu, pdf)


if __name__ == "__main__":
    main()
