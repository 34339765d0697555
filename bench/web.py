"""Web latency: members saving cells at once on nianbao's report page, against a bare FastAPI
handler writing one row, in the same run.

    python bench/web.py [--members 50] [--saves 40] [--think 2.0] [--rounds 3]
                        [--database-url URL]

Two servers run as their own processes under uvicorn (one worker each, connections kept
alive longer than a member's pauses, as a browser keeps them) on 127.0.0.1:
nianbao's web app as `nianbao web` serves it (`bot.web.server.run_web`: warmed and its
start-up heap frozen before it listens), and a bare FastAPI app whose POST handler
inserts one row with SQLAlchemy and whose GET returns a short page. Both use the same kind of
database (SQLite files by default; with `--database-url` a PostgreSQL server, on a database
created for the run and dropped after it).

Each simulated member (a thread with its own HTTP connection) has signed in to nianbao (a
member of an organisation of their own, joined with an invite; their session cookie and CSRF
token are what a browser holds). A member opens the report page, then saves cells one after
another as the page's script does (POST /reports/{id}/cells: the cell checked and saved
under the report's version, the totals, progress and the table's findings returned), with an
exponentially distributed pause (mean `--think` seconds, seeded) before each request, and
reloads the page every tenth save. All members start at once. Against the bare app each member does
the same: a GET per page and a POST writing one row per save.

Rounds alternate (bare, nianbao, bare, …), so what the machine does meanwhile moves both.
Reported: p50 and p99 latency per saved cell and per page for each, and nianbao's p99 per
saved cell over the bare handler's. Targets (issue 18): p99 ≤ 150 ms and ≤ 3 × the bare
handler's.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

TODAY = date(2025, 12, 15)
TARGET_MS = 150.0
TARGET_RATIO = 3.0
CELLS = [
    f"s3.{row}.{column}"
    for row in ("new", "carried_in", "disclosed", "partial", "withheld_secret", "carried_out")
    for column in ("natural", "commercial", "research", "nonprofit", "legal", "other")
]

# `nianbao web` as it serves (bot.web.server.run_web), on the benchmark's day.
NIANBAO_SERVER = """
import sys
from datetime import date
from bot.config import get_settings
from bot.web.server import run_web
settings = get_settings().model_copy(update={"database_url": sys.argv[1], "log_level": "WARNING"})
run_web(settings, host="127.0.0.1", port=int(sys.argv[2]), today=lambda: date(2025, 12, 15))
"""

BARE_SERVER = """
import sys
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from typing import Annotated
from bot.web.server import KEEP_ALIVE_SECONDS
from storage.db import make_engine

engine = make_engine(sys.argv[1])
metadata = sa.MetaData()
cells = sa.Table(
    "bench_bare_cells", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("member", sa.Integer, nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("value", sa.String(100), nullable=False),
)
metadata.create_all(engine)
app = FastAPI()

@app.post("/cells")
def save(member: Annotated[int, Form()], field: Annotated[str, Form()],
         value: Annotated[str, Form()]) -> dict:
    with engine.begin() as connection:
        connection.execute(cells.insert().values(member=member, field=field, value=value))
    return {"saved": [field]}

@app.get("/page")
def page() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>bare</title><p>bare</p>")

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            timeout_keep_alive=KEEP_ALIVE_SECONDS)
"""


@dataclass
class Latencies:
    saves: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            (self.saves if kind == "save" else self.pages).append(seconds * 1000)


@dataclass
class Member:
    index: int
    cookie: str
    csrf: str
    report_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(code: str, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", code, database_url, str(port)], cwd=ROOT, env={**os.environ}
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/login" if code is NIANBAO_SERVER else base + "/page", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def prepare_members(database_url: str, count: int) -> list[Member]:
    """Members signed in as a browser would be: an organisation each, a session each."""
    from bot.web.passwords import hash_password
    from storage import members, orgs, reports, web_accounts
    from storage.db import make_engine, session_scope

    engine = make_engine(database_url)
    password_hash = hash_password("bench-password-1")
    prepared = []
    try:
        for index in range(count):
            with session_scope(engine) as session:
                org = orgs.create_org(session, name=f"基准测试局{index}", org_type="department")
                _, code = members.create_invite(
                    session, org_id=org.id, role="staff", created_by="bench"
                )
                member = web_accounts.join_with_invite(
                    session,
                    code=code,
                    login=f"bench{index}",
                    name=f"成员{index}",
                    password_hash=password_hash,
                    attempt_keys=["invite:bench"],
                )
                token, web_session = web_accounts.start_session(session, member_id=member.id)
                report = reports.get_or_create_report(session, actor=member, year=TODAY.year)
                prepared.append(
                    Member(index, token, web_session.csrf_token, f"/reports/{report.id}")
                )
    finally:
        engine.dispose()
    return prepared


def run_member(
    base: str,
    member: Member,
    saves: int,
    think: float,
    seed: int,
    bare: bool,
    start: threading.Barrier,
    results: Latencies,
) -> None:
    rng = random.Random(seed)
    cookies = {"nianbao_session": member.cookie}
    headers = {"x-csrf-token": member.csrf, "accept": "application/json"}
    version = 0
    with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
        page = "/page" if bare else member.report_url
        start.wait()
        for step in range(saves):
            if step % 10 == 0:
                time.sleep(rng.expovariate(1 / think) if think else 0)
                began = time.perf_counter()
                response = client.get(page)
                results.add("page", time.perf_counter() - began)
                if response.status_code != 200:
                    results.errors += 1
            time.sleep(rng.expovariate(1 / think) if think else 0)
            cell = CELLS[(member.index + step) % len(CELLS)]
            value = str(rng.randint(0, 99))
            began = time.perf_counter()
            if bare:
                response = client.post(
                    "/cells", data={"member": member.index, "field": cell, "value": value}
                )
            else:
                response = client.post(
                    member.report_url + "/cells",
                    data={"field": cell, "value": value, "version": version},
                    headers=headers,
                )
            results.add("save", time.perf_counter() - began)
            if response.status_code != 200:
                results.errors += 1
            elif not bare:
                version = response.json()["version"]


def run_round(
    base: str, members: list[Member], saves: int, think: float, seed: int, bare: bool
) -> Latencies:
    results = Latencies()
    start = threading.Barrier(len(members))
    threads = [
        threading.Thread(
            target=run_member,
            args=(base, m, saves, think, seed * 1000 + m.index, bare, start, results),
        )
        for m in members
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def databases(database_url: str | None, workdir: Path) -> tuple[list[str], list[str]]:
    """Two fresh databases (nianbao's, the bare app's) and what to drop afterwards."""
    if database_url is None:
        return [f"sqlite:///{workdir / 'nianbao.db'}", f"sqlite:///{workdir / 'bare.db'}"], []
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    names = [f"nianbao_bench_web_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    urls = [
        make_url(database_url).set(database=name).render_as_string(hide_password=False)
        for name in names
    ]
    return urls, names


def drop(database_url: str | None, names: list[str]) -> None:
    if database_url is None or not names:
        return
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--saves", type=int, default=40, help="saves per member per round")
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between saves (s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    args = parser.parse_args()

    from storage.db import upgrade_database

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-web-") as workdir:
        (nianbao_url, bare_url), created = databases(args.database_url, Path(workdir))
        servers = []
        try:
            upgrade_database(nianbao_url)
            members = prepare_members(nianbao_url, args.members)
            nianbao, nianbao_base = start_server(NIANBAO_SERVER, nianbao_url)
            servers.append(nianbao)
            bare, bare_base = start_server(BARE_SERVER, bare_url)
            servers.append(bare)
            # Warm-up: every member's page once and a save, on both (not recorded).
            run_round(nianbao_base, members, 1, 0, 0, bare=False)
            run_round(bare_base, members, 1, 0, 0, bare=True)
            totals = {"bare": Latencies(), "nianbao": Latencies()}
            for index in range(args.rounds):
                for name, base in (("bare", bare_base), ("nianbao", nianbao_base)):
                    result = run_round(
                        base, members, args.saves, args.think, index + 1, bare=name == "bare"
                    )
                    totals[name].saves += result.saves
                    totals[name].pages += result.pages
                    totals[name].errors += result.errors
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=15)
            drop(args.database_url, created)

    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{kind}: {args.members} members, {args.rounds} rounds × {args.saves} saves each, "
        f"mean pause {args.think} s"
    )
    for name, result in totals.items():
        print(
            f"  {name:8} per saved cell p50 {percentile(result.saves, 50):6.1f} ms  "
            f"p99 {percentile(result.saves, 99):6.1f} ms   per page p50 "
            f"{percentile(result.pages, 50):6.1f} ms  p99 {percentile(result.pages, 99):6.1f} ms"
            f"   ({len(result.saves)} saves, {len(result.pages)} pages, {result.errors} errors)"
        )
    p99 = percentile(totals["nianbao"].saves, 99)
    ratio = p99 / percentile(totals["bare"].saves, 99)
    page_p99 = percentile(totals["nianbao"].pages, 99)
    verdict = "met" if p99 <= TARGET_MS and ratio <= TARGET_RATIO else "NOT met"
    print(
        f"  saved cell p99 {p99:.1f} ms = {ratio:.2f} × bare (target ≤ {TARGET_MS:.0f} ms and "
        f"≤ {TARGET_RATIO:.0f} ×): {verdict}; page p99 {page_p99:.1f} ms"
    )


if __name__ == "__main__":
    main()
