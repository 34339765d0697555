"""Bot cost per update: nianbao against a bare python-telegram-bot echo bot, same run.

    python bench/bot_echo.py [--members 50] [--answers 20] [--rounds 20] [--warmup 12]
                        [--database-url URL] [--no-pin] [--self-check]
                        [--echo-transport httpx|aiohttp]

Each bot runs in its own process, long-polling its own fake Bot API server over HTTP on
127.0.0.1; the fakes and the simulated members (threads, 50 per bot) run in this process.
Each member sends an answer, waits for the reply, and sends the next. The echo bot replies
with the text. nianbao saves a table row of 表三 (answer, history and position in one
transaction), confirms the row with the table's progress and asks the next question. Both
use concurrent updates; neither paces to Telegram's limits (the fakes do not enforce them
here), so the comparison is processing cost.

Both bots start once and take turns: a round lets one bot run (SIGCONT) while its members
send a few answers each, then pauses it (SIGSTOP) and lets the other run, so whatever the
machine does in the meantime moves both bots' rounds alike; a paused bot's long poll simply
waits on its fake. `--rounds 1` has every member answer without pause instead.

The echo bot is python-telegram-bot as it comes: its own HTTP transport (httpx). nianbao
sends over aiohttp (`bot.telegram.request.AiohttpRequest`); `--echo-transport aiohttp` gives
the echo bot that transport too, which shows nianbao's cost apart from the transport's. Both
bots pool the same number of connections to the Bot API (nianbao's CONNECTIONS). With PTB's
default of 256 the echo bot's cost followed how far its pool had grown in the last burst of
sends (httpcore checks every pooled connection on every request): 1.4 ms per update with a
dozen connections, 3.4 ms with fifty, from one run to the next.

Warm-up rounds (other members, not recorded) come first, so that neither bot's first
seconds of work (lazy imports, caches, its first connections) count.

The bots run on one CPU and this process (the fakes and the members, itself busy) on
another, when there are two: the load generator must not take CPU time from the system under
test, and on the same CPUs it does so unevenly (it preempts a bot's event loop while that
bot's worker thread waits for the GIL, and the bot with more threads loses more). `--no-pin`
shares every CPU instead.

Cost per update = the bot process's CPU time while it ran (every thread's, from the
scheduler's nanosecond counts in /proc) / the updates it handled. Each nianbao round is
divided by the echo bot's round just before it; the verdict is the median of those ratios
(target: nianbao <= 2 x the echo bot). Whatever the machine does moves both rounds of a pair
alike, and the median is not swayed by a round it hit halfway; the ratio of all rounds
together is printed as well. Wall-clock throughput
(within rounds) and reply latency are reported too. `--self-check` runs the echo bot against
a second echo bot instead: how far from 1.00 the method itself reads.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

from bot.telegram.request import CONNECTIONS  # noqa: E402
from tests.fake_telegram import FakeTelegram, FakeUser  # noqa: E402

TODAY = date(2026, 1, 10)
FIRST_USER_ID = 100_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGET = 2.0  # nianbao's cost per update, in echo bots (issue 4)
# Long polls outlast a paused bot's wait for its turn (a round takes seconds).
POLL_TIMEOUT = 60

ECHO_BOT = """
import sys
from telegram.ext import ApplicationBuilder, MessageHandler, filters

async def echo(update, context):
    await context.bot.send_message(update.effective_chat.id, update.message.text)

token, base_url, file_url, connections, transport = sys.argv[1:6]
POLL_TIMEOUT = int(sys.argv[6])
builder = (ApplicationBuilder().token(token).base_url(base_url).base_file_url(file_url)
           .concurrent_updates(True))
if transport == "aiohttp":
    from bot.telegram.request import AiohttpRequest
    builder = builder.request(AiohttpRequest(int(connections)))
    builder = builder.get_updates_request(AiohttpRequest(1))
else:
    builder = builder.connection_pool_size(int(connections))
app = builder.build()
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0, timeout=POLL_TIMEOUT)
"""

NIANBAO_BOT = """
import sys
from datetime import date
from bot.chat.service import ReportChat
from bot.config import Settings
from bot.telegram.application import build_application
from storage.db import make_engine

token, base_url, file_url, database_url = sys.argv[1:5]
POLL_TIMEOUT = int(sys.argv[5])
settings = Settings(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=token,
                    TELEGRAM_BASE_URL=base_url, TELEGRAM_BASE_FILE_URL=file_url,
                    NIANBAO_REMINDERS=False)
service = ReportChat(make_engine(database_url), today=lambda: date(2026, 1, 10))
app = build_application(settings, service, rate_limited=False)
app.run_polling(poll_interval=0, timeout=POLL_TIMEOUT)
"""


@dataclass
class Result:
    name: str
    updates: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    round_costs: list[float] = field(default_factory=list)
    polls: int = 0

    def add(
        self, updates: int, seconds: float, cpu_seconds: float, latencies: list[float], polls: int
    ) -> None:
        self.polls += polls
        self.updates += updates
        self.seconds += seconds
        self.cpu_seconds += cpu_seconds
        self.latencies += latencies
        self.round_costs.append(cpu_seconds * 1000 / updates)

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds * 1000 / self.updates

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far, summed over its threads: the scheduler's nanosecond
    count where the kernel keeps it (utime + stime tick in 10 ms steps, 5 % of a round)."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(FileNotFoundError):  # a thread that just ended
                total += int((task / "schedstat").read_text().split()[0])
    except FileNotFoundError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return total / 1e9


class BenchedBot:
    """One bot process and its members, run in rounds and paused in between."""

    def __init__(
        self,
        name: str,
        tg: FakeTelegram,
        script: str,
        args: list[str],
        typed: str,
        members: int,
        cpu: int | None,
    ) -> None:
        self.result = Result(name)
        self.tg = tg
        self.typed = typed
        self.users = [tg.user(id=FIRST_USER_ID + i, first_name=f"成员{i}") for i in range(members)]
        # Others warm the bot up, so the measured members keep every row of 表三.
        self.warmup_users = [
            tg.user(id=FIRST_USER_ID + members + i, first_name=f"预热{i}") for i in range(members)
        ]
        if cpu is not None:  # before the bot starts any thread: they inherit it
            script = f"import os; os.sched_setaffinity(0, {{{cpu}}})\n{script}"
        self.command = [sys.executable, "-c", script, tg.token, tg.base_url, tg.base_file_url]
        self.command += [*args, str(POLL_TIMEOUT)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        since = self.tg.call_count("getUpdates")
        self.process = subprocess.Popen(self.command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        self.tg.wait_for_request("getUpdates", since=since, finished=False, timeout=60)
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(30)

    def round(self, answers: int, *, warmup: bool = False) -> None:
        """Every member sends `answers` messages, each after the reply to the one before;
        a warm-up round is not recorded."""
        assert self.process is not None
        users = self.warmup_users if warmup else self.users
        latencies: list[float] = []
        lock = threading.Lock()

        def member(user: FakeUser) -> None:
            user.mark_read()
            for _ in range(answers):
                started = time.perf_counter()
                user.send_text(self.typed)
                user.wait_for_messages(1, timeout=120)
                with lock:
                    latencies.append(time.perf_counter() - started)

        cpu_before = cpu_seconds(self.process.pid)
        polls_before = self.tg.call_count("getUpdates")
        self.process.send_signal(signal.SIGCONT)
        started = time.perf_counter()
        with ThreadPoolExecutor(len(users)) as pool:
            for future in [pool.submit(member, user) for user in users]:
                future.result()
        seconds = time.perf_counter() - started
        self.process.send_signal(signal.SIGSTOP)
        cpu = cpu_seconds(self.process.pid) - cpu_before
        polls = self.tg.call_count("getUpdates") - polls_before
        if not warmup:
            self.result.add(len(latencies), seconds, cpu, latencies, polls)


def prepare_members(database_url: str, users: list[FakeUser]) -> None:
    """One organisation and staff member per user, every one at the start of 表三."""
    from bot.chat.service import ReportChat
    from storage import members, orgs
    from storage.db import make_engine, session_scope, upgrade_database

    upgrade_database(database_url)
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
        service.press(member, turn.callback_data("ms3"))
    engine.dispose()


def paired_ratios(echo: Result, other: Result) -> list[float]:
    """Each round's cost against the echo bot's round just before it, in order."""
    return sorted(o / e for e, o in zip(echo.round_costs, other.round_costs, strict=True))


def report(results: list[Result], *, target: float | None) -> None:
    print(
        "| bot | updates | CPU ms per update | per round | updates per getUpdates "
        "| updates/s (wall) | p50 ms | p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        rounds = " ".join(f"{cost:.2f}" for cost in r.round_costs)
        print(
            f"| {r.name} | {r.updates} | {r.cpu_ms_per_update:.2f} | {rounds} | "
            f"{r.updates / max(r.polls, 1):.1f} | "
            f"{r.updates / r.seconds:.1f} | {r.percentile(0.50):.0f} | {r.percentile(0.99):.0f} |"
        )
    echo, other = results
    overall = other.cpu_ms_per_update / echo.cpu_ms_per_update
    pairs = paired_ratios(echo, other)
    ratio = statistics.median(pairs)
    quartiles = statistics.quantiles(pairs, n=4)
    print(
        f"\nper round pair: median {ratio:.2f}, quartiles {quartiles[0]:.2f}–{quartiles[2]:.2f}; "
        f"all rounds together: {overall:.2f}"
    )
    if target is None:
        print(f"{other.name}: {ratio:.2f} x the echo bot's cost per update (same bot: 1.00)")
    else:
        verdict = "met" if ratio <= target else "NOT met"
        print(
            f"{other.name}: {ratio:.2f} x the echo bot's cost per update "
            f"(target <= {target:g}): {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20, help="turns of each bot")
    parser.add_argument(
        "--warmup", type=int, default=12, help="unrecorded turns first (one answer each)"
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="the echo bot against a second echo bot: how far from 1.00 the method reads",
    )
    parser.add_argument(
        "--echo-transport",
        choices=["httpx", "aiohttp"],
        default="httpx",
        help="the echo bot's HTTP: PTB's own (httpx), or nianbao's AiohttpRequest",
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--no-pin", action="store_true", help="bots and harness share CPUs")
    args = parser.parse_args()
    if args.answers > 24 or args.warmup > 24:
        parser.error("表三 has 24 rows to type")
    if args.rounds < 1 or args.answers % args.rounds:
        parser.error("--answers must be a multiple of --rounds")

    cpus = sorted(os.sched_getaffinity(0))
    bot_cpu = None
    if not args.no_pin and len(cpus) >= 2:
        # Before any thread starts: threads inherit the CPUs of the thread that starts them.
        bot_cpu, harness_cpus = cpus[0], set(cpus[1:])
        os.sched_setaffinity(0, harness_cpus)
    with (
        tempfile.TemporaryDirectory() as workdir,
        FakeTelegram() as echo_tg,
        FakeTelegram() as nianbao_tg,
    ):
        database_url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
        echo_args = [str(CONNECTIONS), args.echo_transport]
        echo = BenchedBot(
            f"PTB echo bot ({args.echo_transport})",
            echo_tg,
            ECHO_BOT,
            echo_args,
            "消息",
            args.members,
            bot_cpu,
        )
        if args.self_check:
            other = BenchedBot(
                "second echo bot", nianbao_tg, ECHO_BOT, echo_args, "消息", args.members, bot_cpu
            )
        else:
            other = BenchedBot(
                "nianbao", nianbao_tg, NIANBAO_BOT, [database_url], "0", args.members, bot_cpu
            )
            prepare_members(database_url, other.users + other.warmup_users)
        try:
            echo.start()
            other.start()
            for _ in range(args.warmup):
                echo.round(1, warmup=True)
                other.round(1, warmup=True)
            for _ in range(args.rounds):
                echo.round(args.answers // args.rounds)
                other.round(args.answers // args.rounds)
        finally:
            echo.stop()
            other.stop()
    placement = "CPUs shared" if bot_cpu is None else f"bots on CPU {bot_cpu}, harness on the rest"
    print(
        f"{args.members} members x {args.answers} answers in {args.rounds} rounds "
        f"after {args.warmup} warm-up rounds, "
        f"database {database_url.split(':')[0]}, {placement}\n"
    )
    results = [echo.result, other.result]
    report(results, target=None if args.self_check else TARGET)


if __name__ == "__main__":
    main()
