"""Hostile files sent into the chat get a Chinese answer, quickly, and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.chat.uploads import ReportUploads
from storage import members, orgs, positions
from storage.db import session_scope
from storage.models import Member
from tests.hostile_files import (
    billion_laughs_yaml,
    deep_docx,
    deep_json,
    empty_paragraphs_docx,
)


@pytest.fixture
def member(engine: Engine) -> Member:
    with session_scope(engine) as session:
        org = orgs.create_org(session, name="某某市某某局", org_type="department")
        _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="test")
        return members.redeem_invite(session, code=code, telegram_user_id=5001, name="王芳")


@pytest.mark.parametrize(
    ("content", "filename", "reply"),
    [
        (
            billion_laughs_yaml().encode(),
            "answers.yaml",
            "请发送 Word（.docx）、网页（.html/.htm）或 PDF 格式的年度报告",
        ),
        (
            deep_json().encode(),
            "answers.json",
            "请发送 Word（.docx）、网页（.html/.htm）或 PDF 格式的年度报告",
        ),
        (empty_paragraphs_docx(), "年报.docx", "无法读取该文件：文件内部结构异常（元素过多"),
        (deep_docx(), "年报.docx", "无法读取该文件：文件已损坏"),
    ],
    ids=["billion-laughs", "json-200000-deep", "millions-of-empty-paragraphs", "100000-deep"],
)
def test_hostile_uploads_are_answered_in_chinese(
    engine: Engine, member: Member, content: bytes, filename: str, reply: str
) -> None:
    turn = ReportUploads(engine).receive(member, content, filename)
    assert [r.text[: len(reply)] for r in turn.replies] == [reply]
    with session_scope(engine) as session:
        position = positions.get_position(session, member_id=member.id)
    assert position is None or "upload" not in position.state
