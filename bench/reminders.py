"""Reminder sweeps at scale: deciding what is due over 10,000 organisations × 3 members, and
the send rate against the fake Bot API with Telegram's limits enforced.

    python bench/reminders.py [--orgs 10000] [--sample 1500] [--pg-url URL] [--no-pg]
                              [--no-sqlite]

The tree: 1 city government, 99 county governments, the rest departments (80%) and townships
spread evenly under the counties; 2 staff and 1 supervisor in every organisation. Reports for
2024: none for 25% of the organisations, a draft filled up to a random question for 55%
(about a fifth of them with an arithmetic error), returned 5%, submitted or approved 15%;
every organisation has last year's approved report. Rows are bulk-inserted into a temporary
SQLite file, and into a scratch PostgreSQL database if one is reachable (default URL:
NIANBAO_TEST_DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test).

Decide: `plan_reminders` a week before the departments' deadline (everything due), against
its floor in the same run (the answers it reads fetched as plain SQL through the driver, plus
the plan computed on those answers already in memory; target: first sweep <= 1.5 x floor),
then a member's answers alone and while a first sweep plans (on a thread, as before, and in
a process of its own, as the bot does now), then the same plan after every planned key is in
the log (the cost of each later sweep that day).
Send: the first `--sample` planned messages through `Sweeper` (claims, pacing, sends, log),
an `ExtBot` without rate limiter, against the fake with
`configure_limits(global_per_second=30, per_chat_per_second=1)`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402

from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.form import load_form  # noqa: E402
from bot.reminders.plan import Planner, plan_reminders  # noqa: E402
from bot.reminders.policy import ReminderPolicy  # noqa: E402
from bot.reminders.report_summaries import Forms, SummaryReader  # noqa: E402
from bot.reminders.sender import Pacer  # noqa: E402
from bot.reminders.sweep import Sweeper  # noqa: E402
from storage.db import make_engine, upgrade_database  # noqa: E402
from storage.models import (  # noqa: E402
    Answer,
    Member,
    Organisation,
    ReminderLog,
    Report,
    ReportEvent,
)
from storage.values import to_json  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2024
NOW = datetime(2025, 1, 24, 9, 0, tzinfo=SHANGHAI)  # a week before 31 January
USER_BASE = 5_000_000_000
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"


# --- building the database ---------------------------------------------------------------------


def _insert(engine: Engine, table: Any, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), chunk):
            connection.execute(sa.insert(table), rows[start : start + chunk])


def build(engine: Engine, orgs: int) -> dict[str, int]:
    rng = random.Random(6)
    now = datetime.now(UTC)
    form = load_form("gov-disclosure-2021")
    sample = {k: to_json(v) for k, v in parse_answers(load_answers(SAMPLE)).values.items()}
    questions = [q.fields for q in form.questions]

    counties = 99
    org_rows = [
        {
            "id": 1,
            "name": "基准市人民政府",
            "org_type": "city_gov",
            "parent_id": None,
            "created_at": now,
        }
    ]
    for c in range(counties):
        org_rows.append(
            {
                "id": 2 + c,
                "name": f"基准市第{c:02d}县人民政府",
                "org_type": "county_gov",
                "parent_id": 1,
                "created_at": now,
            }
        )
    for i in range(orgs - 1 - counties):
        org_type = "township" if i % 5 == 4 else "department"
        org_rows.append(
            {
                "id": 2 + counties + i,
                "name": f"基准单位{i:05d}",
                "org_type": org_type,
                "parent_id": 2 + (i % counties),
                "created_at": now,
            }
        )
    _insert(engine, Organisation.__table__, org_rows)  # type: ignore[attr-defined]

    member_rows = []
    for org in org_rows:
        for role in ("staff", "staff", "supervisor"):
            n = len(member_rows) + 1
            member_rows.append(
                {
                    "id": n,
                    "telegram_user_id": USER_BASE + n,
                    "name": f"成员{n}",
                    "role": role,
                    "org_id": org["id"],
                    "active": True,
                    "chat_id": USER_BASE + n,
                    "blocked_at": None,
                    "created_at": now,
                }
            )
    _insert(engine, Member.__table__, member_rows)  # type: ignore[attr-defined]

    report_rows, answer_rows, event_rows = [], [], []
    report_id = 0
    for org in org_rows:
        # Last year's report, approved, complete.
        report_id += 1
        report_rows.append(_report(report_id, org, YEAR - 1, "approved", now))
        answer_rows.extend(_answers(report_id, sample, now))
        roll = rng.random()
        if roll < 0.25:
            continue
        report_id += 1
        if roll < 0.80:
            filled = [f for fields in questions[: rng.randint(0, len(questions))] for f in fields]
            values = {f: sample[f] for f in filled if f in sample}
            if values and rng.random() < 0.2 and "s3.new.natural" in values:
                values["s3.new.natural"] = values["s3.new.natural"] + 3
            report_rows.append(_report(report_id, org, YEAR, "draft", now))
            answer_rows.extend(_answers(report_id, values, now))
        elif roll < 0.85:
            report_rows.append(_report(report_id, org, YEAR, "returned", now))
            answer_rows.extend(_answers(report_id, sample, now))
            event_rows.append(
                {
                    "report_id": report_id,
                    "from_status": "submitted",
                    "to_status": "returned",
                    "member_id": None,
                    "comment": "请核对表三结转数",
                    "at": now,
                }
            )
        else:
            status = "submitted" if roll < 0.93 else "approved"
            report_rows.append(_report(report_id, org, YEAR, status, now))
            answer_rows.extend(_answers(report_id, sample, now))
    _insert(engine, Report.__table__, report_rows)  # type: ignore[attr-defined]
    _insert(engine, Answer.__table__, answer_rows)  # type: ignore[attr-defined]
    _insert(engine, ReportEvent.__table__, event_rows)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":  # rows came with their ids: sequences catch up
        with engine.begin() as connection:
            for table in ("organisations", "members", "reports", "answers", "report_events"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
    return {
        "organisations": len(org_rows),
        "members": len(member_rows),
        "reports": len(report_rows),
        "answers": len(answer_rows),
    }


def _report(report_id: int, org: dict[str, Any], year: int, status: str, now: datetime):
    return {
        "id": report_id,
        "org_id": org["id"],
        "year": year,
        "kind": "gov-disclosure-2021",
        "status": status,
        "version": 1,
        "agency": org["name"],
        "created_at": now,
        "updated_at": now,
    }


def _answers(report_id: int, values: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "report_id": report_id,
            "field_id": f,
            "value": v,
            "raw": "",
            "updated_by": None,
            "updated_at": now,
            "report_version": 1,
        }
        for f, v in values.items()
    ]


def fill_log(engine: Engine, keys: list[tuple[str, int, str]]) -> None:
    now = datetime.now(UTC)
    _insert(
        engine,
        ReminderLog.__table__,  # type: ignore[attr-defined]
        [
            {
                "key": k,
                "member_id": m,
                "report_id": None,
                "step": s,
                "status": "sent",
                "attempts": 1,
                "sent_at": now,
                "created_at": now,
            }
            for k, m, s in keys
        ],
    )


# --- deciding ------------------------------------------------------------------------------------


def time_plan(engine: Engine, policy: ReminderPolicy, rounds: int) -> tuple[list[float], Any]:
    times, plan = [], None
    for _ in range(rounds):
        forms = Forms()
        started = time.perf_counter()
        with Session(engine) as session:
            plan = plan_reminders(session, now=NOW, policy=policy, forms=forms)
        times.append(time.perf_counter() - started)
    return times, plan


AnswerRead = tuple[tuple[int, ...], tuple[str, ...] | None]


class AnswersInMemory(SummaryReader):
    """The planner's answer reads served from memory: recorded on its first plan."""

    def __init__(self, session: Session, forms: Forms, reads: dict):
        super().__init__(session, forms)
        self.reads: dict[AnswerRead, dict[int, dict[str, Any]]] = reads

    def _values(self, reports, fields=None):  # type: ignore[no-untyped-def]
        key = (tuple(r.id for r in reports), tuple(fields) if fields is not None else None)
        if key not in self.reads:
            self.reads[key] = super()._values(reports, fields)
        return self.reads[key]


def fetch_answers(engine: Engine, reads: list[AnswerRead]) -> int:
    """The answer rows the plan reads, as plain SQL through the driver: values left as the
    database's JSON text, nothing turned into Python objects beyond the driver's tuples."""
    postgres = engine.dialect.name == "postgresql"
    mark, value = ("%s", "value::text") if postgres else ("?", "value")
    rows = 0
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for report_ids, fields in reads:
            for start in range(0, len(report_ids), 500):
                chunk = list(report_ids[start : start + 500])
                sql = (
                    f"SELECT report_id, field_id, {value} FROM answers "
                    f"WHERE report_id IN ({', '.join([mark] * len(chunk))})"
                )
                if fields is not None:
                    sql += f" AND field_id IN ({', '.join([mark] * len(fields))})"
                    chunk += list(fields)
                cursor.execute(sql, chunk)
                rows += len(cursor.fetchall())
        cursor.close()
    return rows


def time_first_sweep(
    engine: Engine, policy: ReminderPolicy, rounds: int
) -> tuple[list[float], list[float], list[float], Any]:
    """The first sweep as it runs, and its floor, alternating: the answers the plan reads
    fetched as plain SQL (`fetch_answers`) plus the plan computed with those answers already
    in memory (the tree, members, deadlines and log still read as the plan reads them)."""
    reads: dict[AnswerRead, dict[int, dict[str, Any]]] = {}
    forms = Forms()
    with Session(engine) as session:
        in_memory = AnswersInMemory(session, forms, reads)
        Planner(session, policy, summary_reader=in_memory).plan(NOW)  # records the reads
    sweeps, fetches, computes, plan = [], [], [], None
    for _ in range(rounds):
        started = time.perf_counter()
        with Session(engine) as session:
            plan = plan_reminders(session, now=NOW, policy=policy, forms=Forms())
        sweeps.append(time.perf_counter() - started)
        started = time.perf_counter()
        fetch_answers(engine, list(reads))
        fetches.append(time.perf_counter() - started)
        started = time.perf_counter()
        with Session(engine) as session:
            in_memory = AnswersInMemory(session, Forms(), reads)
            Planner(session, policy, summary_reader=in_memory).plan(NOW)
        computes.append(time.perf_counter() - started)
    return sweeps, fetches, computes, plan


def decide(engine: Engine, label: str, orgs: int, rounds: int) -> Any:
    policy = ReminderPolicy(timezone=SHANGHAI)
    started = time.perf_counter()
    counts = build(engine, orgs)
    print(
        f"[{label}] built in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items()),
        flush=True,
    )
    times, fetches, computes, plan = time_first_sweep(engine, policy, rounds)
    kinds: dict[str, int] = {}
    for d in plan.deliveries:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    print(
        f"[{label}] first sweep of the day: {len(plan.deliveries):,} messages due "
        f"({', '.join(f'{v:,} {k}' for k, v in sorted(kinds.items()))}); "
        f"decide median {statistics.median(times):.2f} s, max {max(times):.2f} s "
        f"over {rounds} rounds",
        flush=True,
    )
    floors = [f + c for f, c in zip(fetches, computes, strict=True)]
    ratio = statistics.median(times) / statistics.median(floors)
    print(
        f"[{label}] floor: answers fetched as plain SQL {statistics.median(fetches):.2f} s "
        f"+ the plan on answers in memory {statistics.median(computes):.2f} s "
        f"= {statistics.median(floors):.2f} s (medians); first sweep / floor = {ratio:.2f} "
        f"(target <= 1.5): {'met' if ratio <= 1.5 else 'NOT met'}",
        flush=True,
    )
    answers_during_sweep(engine, label, policy)
    fill_log(engine, [(d.key, d.member_id, d.step) for d in plan.deliveries])
    later, again = time_plan(engine, policy, rounds)
    print(
        f"[{label}] later sweeps that day (all keys logged): {len(again.deliveries)} due; "
        f"decide median {statistics.median(later):.2f} s",
        flush=True,
    )
    with engine.begin() as connection:
        connection.execute(sa.delete(ReminderLog))
    return plan


def answers_during_sweep(engine: Engine, label: str, policy: ReminderPolicy) -> None:
    """A member typing rows of 表三 one after another (each answer one write transaction, as
    the bot's worker thread runs it): alone, then while a first sweep of the day is planned,
    on a thread of the same process (as the bot did) and in a process of its own (as it
    does now). Latency of each answer, ms."""
    from bot.chat.service import ReportChat
    from storage import members, orgs
    from storage.db import session_scope

    with session_scope(engine) as session:
        org = orgs.create_org(session, name="基准答题单位", org_type="department", parent_id=2)
        _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="b")
        member = members.redeem_invite(
            session, code=code, telegram_user_id=USER_BASE - 1, name="答题人"
        )
    chat = ReportChat(engine, today=lambda: NOW.date())
    last = [chat.press(member, chat.open(member).callback_data("ms3"))]
    first_row = last[0].question  # 表三's first row (the menu goes on to the first empty one)

    def answer_until(done: threading.Event | None, count: int = 0) -> list[float]:
        latencies: list[float] = []
        while (done is None and len(latencies) < count) or (done and not done.is_set()):
            if len(latencies) % 20 == 0:
                # Back to the first row of 表三, by the button of the latest reply (a button of
                # an earlier one is refused as stale, and the answers would run on into 五).
                jumped = chat.press(member, last[0].callback_data(f"g{first_row}"))
                assert jumped.notice is None, jumped.notice
                last[0] = jumped
            started = time.perf_counter()
            last[0] = chat.text(member, "0")
            latencies.append((time.perf_counter() - started) * 1000)
            assert last[0].replies[0].text.startswith("已保存「"), last[0].replies[0].text
        return latencies

    def during(in_process: bool) -> list[float]:
        sweeper = Sweeper(engine, None, policy, plan_in_process=in_process)  # type: ignore[arg-type]
        done = threading.Event()

        def sweep() -> None:
            asyncio.run(sweeper.sweep(NOW, limit=0))  # plan only
            done.set()

        thread = threading.Thread(target=sweep)
        thread.start()
        latencies = answer_until(done)
        thread.join()
        return latencies

    rows = [("alone", answer_until(None, 300))]
    rows.append(("while a sweep plans on a thread (before)", during(False)))
    rows.append(("while a sweep plans in its own process (now)", during(True)))
    for name, latencies in rows:
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"[{label}] answers {name}: {len(ordered)} answers, "
            f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms",
            flush=True,
        )


# --- sending ---------------------------------------------------------------------------------


async def send(engine: Engine, plan: Any, sample: int) -> None:
    deliveries = plan.deliveries[:sample]
    with FakeTelegram() as tg:
        tg.configure_limits(enabled=True, global_per_second=30, per_chat_per_second=1)
        for chat_id in {d.chat_id for d in deliveries}:
            tg.user(id=chat_id, first_name="基准用户")
        bot: ExtBot[None] = ExtBot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
        async with bot:
            policy = ReminderPolicy(timezone=SHANGHAI)
            sweeper = Sweeper(engine, bot, policy, pacer=Pacer(policy.messages_per_second))
            started = time.monotonic()
            report = await sweeper.sweep(NOW, limit=sample)
            total = time.monotonic() - started
        delivered = sum(len(u.messages) for u in tg.users)
        with Session(engine) as session:
            logged = session.execute(
                sa.select(sa.func.count())
                .select_from(ReminderLog)
                .where(
                    ReminderLog.status == "sent"  # type: ignore[arg-type]
                )
            ).scalar_one()
        # When the server accepted each message (its own clock).
        accepted = sorted(r.received_at for r in tg.calls("sendMessage") if r.ok)
        window = accepted[-1] - accepted[0]
        rate = (len(accepted) - 1) / window if window > 0 else float("nan")
        per_chat_max = max(
            (sum(1 for d in deliveries if d.chat_id == c) for c in {d.chat_id for d in deliveries}),
            default=0,
        )
        print(
            f"[send] {report.claimed:,} claimed, {report.sent:,} sent, {delivered:,} delivered to "
            f"fake users, {logged:,} logged as sent, {report.failed} failed; "
            f"429s: {tg.rate_limited_count} from flood control, "
            f"{report.retry_after_waits} waits",
            flush=True,
        )
        print(
            f"[send] {rate:.2f} messages/s between first and last send "
            f"({window:.1f} s); whole sweep incl. planning {total:.1f} s; "
            f"at most {per_chat_max} messages to one chat",
            flush=True,
        )
        ok = delivered == report.claimed == logged and report.failed == 0
        print(
            f"[send] nothing lost: {'yes' if ok else 'NO'}; "
            f"within 5% of 30/s: {'yes' if abs(rate - 30) <= 1.5 else 'NO'}",
            flush=True,
        )


# --- main ----------------------------------------------------------------------------------------


def _pg_reachable(url: str) -> bool:
    try:
        admin = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        with admin.connect():
            pass
        admin.dispose()
        return True
    except Exception:
        return False


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """The options of every benchmark on this database: --orgs, --pg-url, --no-pg, --no-sqlite."""
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument(
        "--pg-url", default=os.environ.get("NIANBAO_TEST_DATABASE_URL") or DEFAULT_PG
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")


def machine_line() -> str:
    return (
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )


def databases(args: argparse.Namespace) -> Iterator[tuple[str, Engine]]:
    """Each database the options ask for, migrated and empty: ("sqlite", a temporary file),
    then ("postgresql", a scratch database created on the server and dropped after)."""
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade_database(url)
            engine = make_engine(url)
            try:
                yield "sqlite", engine
            finally:
                engine.dispose()
    if args.no_pg or not _pg_reachable(args.pg_url):
        print("[postgresql] skipped (not reachable or --no-pg)")
        return
    name = f"nianbao_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        upgrade_database(url)
        engine = make_engine(url)
        try:
            yield "postgresql", engine
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--sample", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with closing(databases(args)) as each:
        for label, engine in each:
            plan = decide(engine, label, args.orgs, args.rounds)
            if label == "sqlite":  # sending is the same whatever the database
                asyncio.run(send(engine, plan, args.sample))


if __name__ == "__main__":
    main()
