"""Bot throughput: nianbao against a bare python-telegram-bot echo bot, same run, same fake.

    python bench/bot.py [--members 50] [--answers 20] [--database-url URL]

50 simulated members (threads) talk at once to a real PTB application long-polling the fake
Bot API over HTTP on 127.0.0.1. Each member sends an answer, waits for the bot's reply, and
sends the next. The echo bot replies with the text; nianbao saves a table row (two commits:
the answer with its history, then the position), renders the table so far and asks the next
question. Both run with concurrent updates and without the Telegram rate limiter (the fake
does not enforce limits here), so the comparison is processing cost.

Target: nianbao's cost per update (wall time per update at saturation) <= 2 x the echo bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chat.service import ReportChat  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.telegram.application import build_application  # noqa: E402
from storage import members, orgs  # noqa: E402
from storage.db import make_engine, session_scope, upgrade_database  # noqa: E402
from tests.fake_telegram import FakeTelegram, FakeUser  # noqa: E402

TODAY = date(2026, 1, 10)
FIRST_USER_ID = 100_000


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def ms_per_update(self) -> float:
        return self.seconds * 1000 / self.updates

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def serve(application: Application, ready: threading.Event, stop: threading.Event) -> None:
    async def main() -> None:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            await application.updater.stop()
            await application.stop()

    asyncio.run(main())


def drive(
    name: str,
    application: Application,
    users: list[FakeUser],
    answers: int,
    row: Callable[[int], str],
) -> Result:
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(application, ready, stop), daemon=True)
    thread.start()
    ready.wait(30)
    latencies: list[float] = []
    lock = threading.Lock()

    def member(user: FakeUser) -> None:
        user.mark_read()
        for index in range(answers):
            started = time.perf_counter()
            user.send_text(row(index))
            user.wait_for_messages(1, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(users)) as pool:
        for future in [pool.submit(member, user) for user in users]:
            future.result()
    seconds = time.perf_counter() - started
    stop.set()
    thread.join(30)
    return Result(name, len(latencies), seconds, latencies)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.message is not None
    await context.bot.send_message(update.effective_chat.id, update.message.text or "")


def echo_bot(tg: FakeTelegram) -> Application:
    application = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def nianbao_bot(tg: FakeTelegram, database_url: str, users: list[FakeUser]) -> Application:
    engine = make_engine(database_url)
    service = ReportChat(engine, today=lambda: TODAY)
    for user in users:
        with session_scope(engine) as session:
            org = orgs.create_org(session, name=f"测试单位{user.id}", org_type="department")
            _, code = members.create_invite(
                session, org_id=org.id, role="staff", created_by="bench"
            )
            members.redeem_invite(
                session, code=code, telegram_user_id=user.id, name=f"成员{user.id}"
            )
        member = service.member(user.id)
        assert member is not None
        turn = service.open(member)
        service.press(member, turn.callback_data("ms3"))  # start at 表三, 24 rows to type
    settings = Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TELEGRAM_BASE_FILE_URL=tg.base_file_url,
    )
    return build_application(settings, service, rate_limited=False)


def report(results: list[Result]) -> None:
    print("| bot | updates | updates/s | ms per update | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.updates} | {r.per_second:.1f} | {r.ms_per_update:.1f} | "
            f"{r.percentile(0.50):.0f} | {r.percentile(0.99):.0f} |"
        )
    echo_result, *others = results
    for other in others:
        ratio = other.ms_per_update / echo_result.ms_per_update
        verdict = "met" if ratio <= 2 else "NOT met"
        print(
            f"\n{other.name}: {ratio:.2f} x the echo bot's cost per update (target <= 2): {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    assert args.answers <= 24, "表三 has 24 rows to type"

    with tempfile.TemporaryDirectory() as workdir, FakeTelegram() as tg:
        database_url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
        upgrade_database(database_url)
        users = [tg.user(id=FIRST_USER_ID + i, first_name=f"成员{i}") for i in range(args.members)]
        results = [drive("PTB echo bot", echo_bot(tg), users, args.answers, lambda i: f"消息 {i}")]
        application = nianbao_bot(tg, database_url, users)
        results.append(drive("nianbao", application, users, args.answers, lambda i: "0"))
    print(
        f"{args.members} members x {args.answers} answers, database {database_url.split(':')[0]}\n"
    )
    report(results)


if __name__ == "__main__":
    main()
