"""A report uploaded into the chat: its probable zeros are one finding, read as 0 by one
button (Telegram) or by a checkbox sent along with the file (the web)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.chat.service import ReportChat
from bot.chat.turn import Turn
from bot.chat.uploads import ACCEPT_ZEROS, ReportUploads
from bot.core.answers import load_answers
from storage import members, orgs
from storage.db import session_scope
from storage.models import Member
from tests.core.handmade_html import Shape
from tests.core.reading_support import page as report_page

SAMPLE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "samples" / "tongjiang-gxkjj-2020.yaml"
)
JANUARY_2022 = date(2022, 1, 10)  # the 2021 report is being prepared: 2020 is last year


@pytest.fixture
def member(engine: Engine) -> Member:
    service = ReportChat(engine, today=lambda: JANUARY_2022)
    with session_scope(engine) as session:
        org_id = orgs.create_org(session, name="同江市工业信息化科技局", org_type="department").id
        _, code = members.create_invite(session, org_id=org_id, role="staff", created_by="test")
    service.join(telegram_user_id=7001, name="用户", chat_id=7001, code=code)
    found = service.member(7001)
    assert found is not None
    return found


@pytest.fixture
def page() -> bytes:
    return report_page(load_answers(SAMPLE), Shape(zero_mark="/"))


def texts(turn: Turn) -> str:
    return "\n".join(r.text for r in turn.replies)


def buttons(turn: Turn) -> dict[str, str]:
    return {b.text: b.action for r in turn.replies for row in r.buttons for b in row}


def test_probable_zeros_are_offered_once_and_read_as_0_by_the_button(
    engine: Engine, member: Member, page: bytes
) -> None:
    uploads = ReportUploads(engine, today=lambda: JANUARY_2022)
    turn = uploads.receive(member, page, "年报.html")
    offers = [label for label, action in buttons(turn).items() if action == ACCEPT_ZEROS]
    assert len(offers) == 1 and offers[0].startswith("全部按 0 读取（")
    assert "可能为 0" in texts(turn)
    accepted = uploads.accept_zeros(member)
    assert "已按确认读作 0" in texts(accepted) and "全部内容均已读取" in texts(accepted)
    assert ACCEPT_ZEROS not in buttons(accepted).values()
    assert "用作上年报告" in buttons(accepted)
    again = uploads.accept_zeros(member)  # an old button pressed twice
    assert again.replies == () and "重新发送" in (again.notice or "")


def test_a_checkbox_sent_with_the_file_reads_them_as_0_at_once(
    engine: Engine, member: Member, page: bytes
) -> None:
    uploads = ReportUploads(engine, today=lambda: JANUARY_2022)
    turn = uploads.receive(member, page, "年报.htm", blank_as_zero=True)
    assert "已按确认读作 0" in texts(turn) and "全部内容均已读取" in texts(turn)
    assert ACCEPT_ZEROS not in buttons(turn).values()
