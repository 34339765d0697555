"""A member types fast while the bot process is SIGKILLed at seeded moments and started again:
every message is stored exactly once, in order, and answered.

The moments are exact, not timed: the fake Bot API's hooks kill the bot (a) just before one of
its sends leaves (sendMessage, answerCallbackQuery, editMessageReplyMarkup), with whatever it
had taken but not finished; (b) in polling mode, once a getUpdates has confirmed the previous
batch (its offset) and before the bot reads the next one: the moment that lost messages
before the inbox; (c) in webhook mode, right after the bot answered 200 to a delivery. The
bot is started again at once, as systemd would.

A reply can be sent twice: when the process dies after Telegram accepted a reply and before
the bot marked the update handled (the marks are written within a second, `MARK_DELAY`), the
update is replayed at start and its reply sent again (Telegram's sendMessage has no
idempotency key). The test allows one repeat per update replayed, as the restarted bot logs
them; answers are never stored twice.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.core.form import load_form
from storage.db import session_scope
from storage.models import AnswerHistory, Member
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import RequestRecord, WebhookDelivery
from tests.telegram.botproc import NIANBAO, bot_env, free_port

FORM = load_form("gov-disclosure-2021")
PARAGRAPHS = [
    "2025年，本局认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "全年主动公开政府信息 126 条，其中政策文件 18 件。",
    "依申请公开方面，全年新收申请 6 件，均按期答复。",
    "政府信息管理方面，开展规范性文件清理 1 次。",
    "平台建设方面，门户网站信息公开专栏运行平稳。",
    "监督保障方面，将政务公开纳入年度绩效考核。",
]
FIRST_ROW = [q.id for q in FORM.questions].index("s3.new")
ROWS = [
    "5 1 0 0 0 0",
    "1 0 0 0 0 0",
    "3 1 0 0 0 0",
    "1 0 0 0 0 0",
    "0 0 1 0 0 0",
    "0 1 0 0 0 0",
    "1 0 0 0 0 1",
    "0 0 0 1 0 0",
]
COLUMNS = ("natural", "commercial", "research", "nonprofit", "legal", "other")
BURST = 3  # messages typed before waiting for the first of them to be answered
SENDS = {"sendmessage", "answercallbackquery", "editmessagereplymarkup"}
# What `InboxQueue.replay` logs at start.
REPLAYED = re.compile(r"(\d+) updates left unhandled by the last run queued again")
# The moment Telegram counts an update as delivered: the bot must have stored it by then.
CONFIRMED = {"polling": "after getUpdates", "webhook": "after a webhook delivery"}


@dataclass
class KillingBot:
    """`nianbao ARGS` as a subprocess, killed at the kill moments `plan` names (counted from
    `armed`) and started again at once, from the fake's thread."""

    args: list[str]
    env: dict[str, str]
    logs: Path
    plan: list[PlannedKill]
    moments: int = 0
    kills: int = 0
    killed_at: list[str] = field(default_factory=list)  # what each kill came before/after
    armed: bool = False
    process: subprocess.Popen[bytes] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        log = (self.logs / f"bot-{self.kills}.log").open("wb")
        self.process = subprocess.Popen(
            [str(NIANBAO), *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def moment(self, what: str) -> bool:
        """A kill moment has come: kill and restart if it is the next one planned. True: killed."""
        with self.lock:
            if not self.armed:
                return False
            self.moments += 1
            if not self.plan or self.moments < self.plan[0].at:
                return False
            if self.plan[0].moment not in (None, what):
                return False
            self.plan.pop(0)
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1
            self.killed_at.append(what)
            self.start()
            return True

    def on_request(self, record: RequestRecord, stage: str) -> bool:
        method = record.method.lower()
        if stage == "received" and method in SENDS:
            return self.moment(f"before {record.method}")
        if stage == "answered" and method == "getupdates":
            self.moment("after getUpdates")
        return False

    def on_delivery(self, delivery: WebhookDelivery) -> None:
        if delivery.ok:
            self.moment("after a webhook delivery")

    def stop(self) -> None:
        with self.lock:
            self.armed = False
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)

    def last_log(self) -> str:
        return (self.logs / f"bot-{self.kills}.log").read_text(errors="replace")

    def replayed(self) -> int:
        """Updates the restarted bots found unhandled and queued again, as they logged them."""
        logs = (self.logs / f"bot-{run}.log" for run in range(self.kills + 1))
        return sum(
            int(n) for log in logs for n in REPLAYED.findall(log.read_text(errors="replace"))
        )


@dataclass(frozen=True)
class PlannedKill:
    at: int  # the first moment it may come at
    moment: str | None = None  # only at a moment of this kind (the first from `at` on)


def kill_plan(seed: int, confirmed: str, kills: int = 4, spacing: int = 8) -> list[PlannedKill]:
    """`kills` moments, one at random in each stretch of `spacing` moments and at least half
    of that apart: kills in a row on one update would be a crash loop, which the inbox gives
    up on after `MAX_ATTEMPTS` starts. The second waits for the moment Telegram counts an
    update delivered (`confirmed`), the one that lost messages before the inbox: which moment
    a number falls on depends on how the machine's load batches the updates."""
    rng = random.Random(seed)
    return [
        PlannedKill(2 + i * spacing + rng.randrange(spacing // 2), confirmed if i == 1 else None)
        for i in range(kills)
    ]


@pytest.fixture
def killing_bot(
    tg: FakeTelegram, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str, int], KillingBot]]:
    bots: list[KillingBot] = []

    def start(mode: str, seed: int) -> KillingBot:
        args = ["run"]
        if mode == "webhook":
            port = free_port()
            args += ["--webhook", f"http://127.0.0.1:{port}/telegram", "--port", str(port)]
            # Telegram goes on delivering an update for hours; the fake gives up after a few
            # attempts unless told otherwise, and the bot is down for a moment at each kill.
            tg.webhook_max_attempts = 10_000
            tg.webhook_retry_delay = 0.02
        plan = kill_plan(seed, CONFIRMED[mode])
        bot = KillingBot(args, bot_env(tg, database_url), tmp_path, plan)
        tg.request_hook = bot.on_request
        tg.delivery_hook = bot.on_delivery
        bot.start()
        bots.append(bot)
        return bot

    yield start
    tg.request_hook = None
    tg.delivery_hook = None
    for bot in bots:
        bot.stop()


def saved_marker(paragraphs: list[str]) -> str:
    return f"已保存（本部分共 {len(chr(10).join(paragraphs))} 字）"


def row_marker(index: int) -> str:
    return f"表三「{FORM.questions[FIRST_ROW + index + 1].label}」"


def type_quickly(user, texts: list[str], answered: Callable[[int], str]) -> None:
    """Send `texts` in bursts; before each burst, wait for the answer to the burst before."""
    for start in range(0, len(texts), BURST):
        if start:
            marker = answered(start - BURST)
            user.wait_until(
                lambda u, marker=marker: any(marker in m.get("text", "") for m in u.messages),
                timeout=60,
                what=f"a reply containing {marker!r}",
            )
        for text in texts[start : start + BURST]:
            user.send_text(text)


def answers_in_order(user, markers: list[str]) -> tuple[list[str], int]:
    """The markers in the order their first reply came, and how many replies repeated one."""
    seen: list[str] = []
    repeats = 0
    for message in user.messages:
        for marker in markers:
            if marker in message.get("text", ""):
                if marker in seen:
                    repeats += 1
                else:
                    seen.append(marker)
    return seen, repeats


def history(engine: Engine, user_id: int, field_id: str) -> list[object]:
    with session_scope(engine) as session:
        member_id = session.exec(select(Member.id).where(Member.telegram_user_id == user_id)).one()
        rows = session.exec(
            select(AnswerHistory)
            .where(AnswerHistory.field_id == field_id, AnswerHistory.member_id == member_id)
            .order_by(AnswerHistory.id)
        ).all()
        return [row.new_value for row in rows]


@pytest.mark.parametrize(("mode", "seed"), [("polling", 1701), ("webhook", 1702)])
def test_every_message_is_stored_once_and_answered_through_sigkills(
    tg, killing_bot, engine, make_org, make_invite, mode, seed
) -> None:
    bot = killing_bot(mode, seed)
    user = tg.user(id=8801 if mode == "polling" else 8802, first_name="钱")
    user.send_command("start", make_invite(make_org(f"某某县统计局（{mode}）")))
    user.wait_for_text("登记成功", timeout=60)
    user.tap("开始填写")
    user.wait_for_text("第一部分 总体情况", timeout=30)
    bot.armed = True

    text_markers = [saved_marker(PARAGRAPHS[: i + 1]) for i in range(len(PARAGRAPHS))]
    type_quickly(user, PARAGRAPHS, lambda i: text_markers[i])
    user.wait_until(
        lambda u: any(text_markers[-1] in m.get("text", "") for m in u.messages),
        timeout=60,
        what="the answer to the last paragraph",
    )
    user.tap("完成")
    user.wait_until(
        lambda u: any("表二「规章」" in m.get("text", "") for m in u.messages), timeout=60
    )
    user.tap("本表全部为0")
    user.wait_until(lambda u: any("确定吗" in m.get("text", "") for m in u.messages), timeout=60)
    user.tap("确定填为 0")
    user.wait_until(
        lambda u: any(row_marker(-1) in m.get("text", "") for m in u.messages), timeout=60
    )
    row_markers = [row_marker(i) for i in range(len(ROWS))]
    assert len(set(row_markers)) == len(ROWS)
    type_quickly(user, ROWS, lambda i: row_markers[i])
    user.wait_until(
        lambda u: any(row_markers[-1] in m.get("text", "") for m in u.messages),
        timeout=60,
        what=f"the answer to the last row ({bot.kills} kills so far):\n{bot.last_log()[-3000:]}",
    )
    bot.stop()

    assert bot.kills >= 3, f"only {bot.kills} of the chosen moments came ({bot.moments})"
    # The moment that lost messages before the inbox came at least once.
    assert CONFIRMED[mode] in bot.killed_at, bot.killed_at
    # Stored exactly once, in order: one history entry per paragraph, each adding one.
    cumulative = ["\n".join(PARAGRAPHS[: i + 1]) for i in range(len(PARAGRAPHS))]
    assert history(engine, user.id, "s1.text") == cumulative
    for index, row in enumerate(ROWS):
        question = FORM.questions[FIRST_ROW + index]
        for column, number in zip(COLUMNS, row.split(), strict=True):
            assert history(engine, user.id, f"{question.id}.{column}") == [int(number)]
    # Answered, in order; a reply is repeated only for an update the killed bot had not
    # marked handled, once per replay.
    texts_seen, text_repeats = answers_in_order(user, text_markers)
    rows_seen, row_repeats = answers_in_order(user, row_markers)
    assert texts_seen == text_markers
    assert rows_seen == row_markers
    assert text_repeats + row_repeats <= bot.replayed()
