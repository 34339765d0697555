"""The PDF beside the Word report, made while the bot keeps serving everyone else."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine

from bot.chat.service import ReportChat
from bot.core.answers import AnswersFile, load_answers
from storage import reports
from storage.db import session_scope
from tests.e2e.conftest import REPORT_YEAR, TODAY

SAMPLE = "tests/fixtures/samples/huaian-szf-2024.yaml"


class SlowConverter:
    """A converter that says when it has begun and finishes only when the test lets it."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.started = asyncio.Event()
        self.release = threading.Event()

    def __call__(self, docx: bytes) -> bytes:
        self.loop.call_soon_threadsafe(self.started.set)
        self.release.wait(timeout=30)
        return b"%PDF-1.7 test"


@pytest.fixture
async def converter() -> SlowConverter:
    return SlowConverter()


@pytest.fixture
def service(engine: Engine, converter: SlowConverter) -> ReportChat:
    return ReportChat(engine, today=lambda: TODAY, pdf=converter)


async def test_other_members_are_served_while_a_pdf_is_being_made(
    tg, running_bot, make_org, make_invite, engine, converter: SlowConverter
) -> None:
    org_id = make_org("淮安市人民政府")
    sample = load_answers(SAMPLE)
    with session_scope(engine) as session:
        reports.import_answers(
            session,
            org_id=org_id,
            answers=AnswersFile(sample.kind, sample.agency, REPORT_YEAR, dict(sample.values)),
        )
    author = tg.user(id=9201, first_name="周")
    other = tg.user(id=9202, first_name="吴")
    for user in (author, other):
        user.send_command("start", make_invite(org_id))
        await user.wait_for_text_async("登记成功")

    # One database worker thread, as the bot runs on SQLite (build_application's post_init).
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(1))
    author.send_command("generate")
    await asyncio.wait_for(converter.started.wait(), timeout=20)
    try:
        # Served by the one database worker thread while the PDF is still being made.
        other.send_command("status")
        await other.wait_for_text_async("填写进度", timeout=10)
        # The Word report has not waited for its PDF.
        await author.wait_for_text_async("报告已生成", timeout=10)
        await author.wait_for_document_async(timeout=10)
        assert [d.file_name for d in author.documents] == [
            f"淮安市人民政府{REPORT_YEAR}年政府信息公开工作年度报告.docx"
        ]
    finally:
        converter.release.set()
    await author.wait_for_document_async()
    assert [d.file_name.rsplit(".", 1)[1] for d in author.documents] == ["docx", "pdf"]
