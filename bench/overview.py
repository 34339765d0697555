"""The supervisors' overview of 10,000 organisations on the web: pages and the CSV export.

    python bench/overview.py [--orgs 10000] [--rounds 5] [--pg-url URL] [--no-pg]
                             [--no-sqlite]

The database is the reminder benchmark's (`bench/reminders.py` builds it by bulk inserts: 1
city government, 99 counties, the rest departments and townships; 2024 reports in every
state, a fifth of the drafts with an arithmetic error; every organisation with last year's
approved report), in a temporary SQLite file and in a scratch PostgreSQL database if one is
reachable (default URL: NIANBAO_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test).

The city government's supervisor, whose scope is all the organisations, is signed in to the
real web app (`bot.web.app.create_app`, through Starlette's TestClient). Bulk-inserted reports
have no stored standing, as reports had before migration 0005: the first overview computes
every one (reading every report's answers and running the checks, which is what every
overview page cost before the counts were stored) and is timed as such. Then, `--rounds`
times each: the first page (most urgent first), page 100, sorted by errors (descending),
filtered by status and part of a name, filtered to the overdue, and the whole CSV export.
Last, what storing the standing adds to a save (one cell of a complete report, alternating
with the same save without it).
Target (issue 20): <= 1 s per page on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and the reminder benchmark's builder).
sys.path[0] = str(ROOT)

from sqlalchemy.engine import Engine  # noqa: E402

from bench.reminders import (  # noqa: E402
    SAMPLE,
    YEAR,
    add_database_options,
    build,
    databases,
    machine_line,
)

TODAY = date(2025, 2, 10)  # the departments' deadline passed, the governments' not yet
TARGET_S = 1.0
CITY_SUPERVISOR = 3  # the builder gives every organisation 2 staff then 1 supervisor
CELL = "s3.new.natural"

PAGES = {
    "first page (most urgent first)": {},
    "page 100": {"page": 100},
    "sorted by errors, most first": {"sort": "errors", "order": "desc"},
    "filter: drafts named 基准单位01*": {"status": "draft", "name": "基准单位01"},
    "filter: overdue, by name": {"status": "overdue", "sort": "name"},
}


def _client(engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.config import get_settings
    from bot.web.app import create_app
    from storage.db import session_scope
    from storage.web_accounts import start_session

    with session_scope(engine) as session:
        token, _ = start_session(session, member_id=CITY_SUPERVISOR)
    app = create_app(get_settings(), engine=engine, today=lambda: TODAY)
    client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    client.cookies.set("nianbao_session", token)
    return client


def _get(client, params: dict) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = client.get("/supervise", params={"year": YEAR, **params})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    assert "填报总览" in response.text
    return elapsed, response.text.count("<tr")


def run(engine: Engine, label: str, orgs: int, rounds: int) -> None:
    started = time.perf_counter()
    built = build(engine, orgs)
    print(
        f"[{label}] built in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{n} {what}" for what, n in built.items()),
        flush=True,
    )
    client = _client(engine)
    first, _ = _get(client, {})
    print(f"[{label}] first overview, every standing computed: {first:.2f} s", flush=True)
    worst = 0.0
    for name, params in PAGES.items():
        times = []
        for _ in range(rounds):
            elapsed, rows = _get(client, params)
            times.append(elapsed)
        worst = max(worst, max(times))
        print(
            f"[{label}] {name}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms ({rows - 1} rows shown)",
            flush=True,
        )
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get("/supervise/overview.csv", params={"year": YEAR})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
        lines = response.content.decode("utf-8-sig").count("\r\n") - 1
    print(
        f"[{label}] CSV export ({lines} rows): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms",
        flush=True,
    )
    verdict = "met" if worst <= TARGET_S else "NOT met"
    print(f"[{label}] slowest page {worst * 1000:.0f} ms; target <= 1 s per page: {verdict}")
    client.close()
    saves(engine, label, rounds * 8)


def saves(engine: Engine, label: str, count: int) -> None:
    """What storing the standing adds to a save: one cell of a complete report (with last
    year's report beside it) saved through `save_answers`, alternating with the same save
    whose standing is left to `refresh` (as saves were before: no checks run)."""
    from bot.core.answers import AnswersFile, load_answers
    from storage import members, orgs, reports
    from storage.db import session_scope
    from storage.standing import STANDING_COLUMNS

    with session_scope(engine) as session:
        org = orgs.create_org(session, name="基准测试保存局", org_type="department", parent_id=1)
        _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="b")
        staff = members.redeem_invite(session, code=code, telegram_user_id=4_000_000_001, name="甲")
        sample = load_answers(SAMPLE)
        for year in (YEAR - 1, YEAR):
            answers = AnswersFile(sample.kind, org.name, year, dict(sample.values))
            report = reports.import_answers(session, org_id=org.id, answers=answers)
    counted = reports._standing

    def uncounted(session, report, values, version):  # type: ignore[no-untyped-def]
        return {name: None for name in STANDING_COLUMNS}

    times: dict[str, list[float]] = {"standing stored": [], "standing left to refresh": []}
    sides = (("standing stored", counted), ("standing left to refresh", uncounted))
    for number in range(count):
        for index, (name, standing) in enumerate(sides):
            reports._standing = standing
            value = 1000 + 2 * number + index  # every save changes the cell
            with session_scope(engine) as session:
                started = time.perf_counter()
                reports.save_answers(
                    session, actor=staff, report_id=report.id, values={CELL: value}
                )
                times[name].append(time.perf_counter() - started)
    reports._standing = counted
    for name, measured in times.items():
        print(
            f"[{label}] save of one cell, {name}: median "
            f"{statistics.median(measured) * 1000:.1f} ms, "
            f"p90 {statistics.quantiles(measured, n=10)[-1] * 1000:.1f} ms ({count} saves)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with closing(databases(args)) as each:
        for label, engine in each:
            run(engine, label, args.orgs, args.rounds)


if __name__ == "__main__":
    main()
