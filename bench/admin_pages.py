"""The administration pages at a city's size: every admin page timed over 10,000
organisations × 3 members, on SQLite and PostgreSQL.

    python bench/admin_pages.py [--orgs 10000] [--invites 3000] [--rounds 5]
                                [--pg-url URL] [--no-pg] [--no-sqlite]

The database is the reminder benchmark's (bench/reminders.py `build`: 1 city government, 99
counties, the rest departments and townships under them, 3 members each, reports with their
answers), plus `--invites` invites spread over the organisations (a fifth used, a tenth
revoked) and an administrator of the city who signs in on the web. Each page is requested
through the app in this process (FastAPI's TestClient: routing, session and CSRF checks,
queries, Jinja rendering; no network), once to warm up and then `--rounds` times; the
median and the slowest are printed with the page's size. Target: every page ≤ 1 s. A
PostgreSQL scratch database is created and dropped if one is reachable (default URL:
NIANBAO_TEST_DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and the reminder benchmark's builder).
sys.path[0] = str(ROOT)

import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.reminders import add_database_options, build, databases, machine_line  # noqa: E402
from bot.config import get_settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from storage import members  # noqa: E402
from storage.db import session_scope  # noqa: E402
from storage.models import Invite  # noqa: E402

TODAY = date(2025, 1, 24)
PASSWORD = "bench-admin-2025"
TARGET = 1.0
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def add_invites(engine: Engine, count: int, orgs: int) -> None:
    """`count` invites, spread over the organisations: every fifth used, every tenth revoked."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        org_id = 1 + (n * 7) % orgs
        used = n % 5 == 0
        rows.append(
            {
                "code_hash": members.hash_code(f"bench{n:08d}"),
                "org_id": org_id,
                "role": "staff",
                "expires_at": now + timedelta(days=14 - n % 30),
                "used_at": now if used else None,
                "used_by_member_id": 3 * (org_id - 1) + 1 if used else None,
                "revoked_at": now if n % 10 == 5 else None,
                "created_by": "cli:bench",
                "created_at": now - timedelta(minutes=n),
            }
        )
    with engine.begin() as connection:
        connection.execute(sa.insert(Invite.__table__), rows)  # type: ignore[attr-defined]


def signed_in_admin(engine: Engine) -> TestClient:
    """The app on `engine`, with an administrator of the city government signed in (joined
    with an invite on the join page, as a person does)."""
    client = TestClient(
        create_app(get_settings(), engine=engine, today=lambda: TODAY),
        base_url="http://127.0.0.1",
        follow_redirects=False,
    )
    with session_scope(engine) as session:
        _, code = members.create_invite(session, org_id=1, role="admin", created_by="cli:bench")
    page = client.get("/join")
    joined = client.post(
        "/join",
        data={
            "csrf": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            "code": code,
            "name": "基准管理员",
            "login": "bench-admin",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert joined.status_code == 303, joined.text
    return client


def pages(orgs: int) -> list[tuple[str, str]]:
    """(what, URL) of every administration page, at the sizes a city's tree gives them."""
    county, department = 2, orgs // 2
    return [
        ("tree: top level", "/admin"),
        ("tree: the city (99 counties, page 1)", "/admin?org=1"),
        ("tree: a county (~100 below, page 2)", f"/admin?org={county}&page=2"),
        (
            "tree: search 基准单位00 (page 3)",
            "/admin?q=%E5%9F%BA%E5%87%86%E5%8D%95%E4%BD%8D00&page=3",
        ),
        ("organisation page: a department", f"/admin/orgs/{department}"),
        ("organisation page: the city", "/admin/orgs/1"),
        (
            "chooser lookup: 基准单位01",
            "/admin/orgs/lookup?q=%E5%9F%BA%E5%87%86%E5%8D%95%E4%BD%8D01",
        ),
        ("members: all (page 1)", "/admin/members"),
        ("members: all, last page", "/admin/members?page=100000"),
        ("members: a county and below", f"/admin/members?org={county}&below=1"),
        ("members: a department", f"/admin/members?org={department}"),
        ("invites: all (page 1)", "/admin/invites"),
        ("invites: the city and below, page 20", "/admin/invites?org=1&below=1&page=20"),
        ("audit log", "/admin/audit"),
    ]


def timed(call: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    call()  # warm: templates compiled, connections open
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def report(label: str, what: str, times: list[float], size: int) -> bool:
    median, worst = statistics.median(times), max(times)
    ok = worst <= TARGET
    print(
        f"[{label}] {what:<40} median {median * 1000:7.1f} ms  max {worst * 1000:7.1f} ms  "
        f"{size / 1024:6.1f} KB  {'ok' if ok else 'OVER 1 s'}",
        flush=True,
    )
    return ok


def run(engine: Engine, label: str, orgs: int, invites: int, rounds: int) -> bool:
    started = time.perf_counter()
    counts = build(engine, orgs)
    add_invites(engine, invites, orgs)
    print(
        f"[{label}] built {counts} and {invites} invites in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    client = signed_in_admin(engine)
    ok = True
    for what, url in pages(orgs):
        times, response = timed(lambda url=url: client.get(url), rounds)
        assert response.status_code == 200, (url, response.status_code)
        ok &= report(label, what, times, len(response.content))

    # Forms that choose an organisation by what was typed: a post and the page it leads to.
    token = CSRF.search(client.get("/admin").text).group(1)  # type: ignore[union-attr]
    names = iter(range(rounds + 1))

    def add_by_name() -> Any:
        response = client.post(
            "/admin/orgs",
            data={
                "csrf": token,
                "name": f"基准新增单位{next(names)}",
                "org_type": "department",
                "parent": "基准市第07县人民政府",
            },
        )
        assert response.status_code == 303, response.text
        return client.get(response.headers["location"])

    times, page = timed(add_by_name, rounds)
    ok &= report(label, "add an organisation (parent by name)", times, len(page.content))

    def vague_parent() -> Any:
        response = client.post(
            "/admin/orgs",
            data={"csrf": token, "name": "不会添加", "org_type": "department", "parent": "基准"},
        )
        assert response.status_code == 303, response.text
        return client.get(response.headers["location"])

    times, page = timed(vague_parent, rounds)
    assert "名称含「基准」的单位有多个" in page.text
    ok &= report(label, "a vague parent refused", times, len(page.content))
    client.close()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--invites", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    ok = True
    with closing(databases(args)) as each:
        for label, engine in each:
            ok &= run(engine, label, args.orgs, args.invites, args.rounds)
    print("target (every page ≤ 1 s):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
