"""The administrators' commands, run as an administrator runs them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.core.form import load_form
from storage.db import dispose_engines
from storage.errors import InviteError
from storage.members import create_invite, get_member, redeem_invite
from storage.models import AuditLog, Deadline, Member
from storage.reports import answer_history, export_answers, save_answers, set_status

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
runner = CliRunner()


@pytest.fixture
def nianbao(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Run `nianbao …` against the test database; returns the result."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("NIANBAO_BOT_USERNAME", raising=False)
    get_settings.cache_clear()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    yield run
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def orgs(nianbao) -> None:
    nianbao("org", "add", "淮安市人民政府", "--type", "市级政府")
    nianbao("org", "add", "洪泽区人民政府", "--type", "county_gov", "--parent", "淮安市人民政府")
    nianbao("org", "add", "洪泽区科技局", "--type", "部门", "--parent", "2")


def test_db_upgrade_is_idempotent(nianbao) -> None:
    assert "数据库已升级到最新版本" in nianbao("db", "upgrade").output


def test_org_tree(nianbao, orgs) -> None:
    listing = nianbao("org", "list").output
    assert listing.splitlines() == [
        "[1] 淮安市人民政府（市级政府）",
        "    [2] 洪泽区人民政府（县级政府）",
        "        [3] 洪泽区科技局（部门）",
    ]
    assert "单位类型「局」无效" in nianbao("org", "add", "某局", "--type", "局", code=2).output
    assert "已存在" in nianbao("org", "add", "洪泽区科技局", "--type", "部门", code=1).output
    assert (
        "未找到单位「不存在」"
        in nianbao("org", "add", "x", "--type", "部门", "--parent", "不存在", code=1).output
    )


def test_invite_member_list_and_remove(nianbao, orgs, engine: Engine, monkeypatch) -> None:
    output = nianbao(
        "invite", "create", "--org", "洪泽区科技局", "--role", "staff", "--days", "3"
    ).output
    code = re.search(r"邀请码（仅显示这一次，请妥善转交本人）：(\S+)", output).group(1)
    assert "加入链接" not in output and "角色：填报人员" in output
    monkeypatch.setenv("NIANBAO_BOT_USERNAME", "@nianbao_bot")
    get_settings.cache_clear()
    output = nianbao("invite", "create", "--org", "3", "--role", "督导人员").output
    assert re.search(r"加入链接：https://t\.me/nianbao_bot\?start=[a-z0-9]{12}\n", output)
    with Session(engine, expire_on_commit=False) as session:
        member = redeem_invite(session, code=code, telegram_user_id=123456789012, name="王芳")
    assert (
        "[1] 王芳  填报人员  洪泽区科技局  Telegram 123456789012  在用"
        in nianbao("member", "list").output
    )
    assert nianbao("member", "list", "--org", "淮安市人民政府").output == "尚无成员。\n"
    assert (
        "已停用成员：王芳（编号 1），立即生效" in nianbao("member", "remove", str(member.id)).output
    )
    assert "已停用" in nianbao("member", "list", "--org", "3").output
    assert "成员（编号 9）不存在" in nianbao("member", "remove", "9", code=1).output
    with Session(engine) as session:
        assert get_member(session, telegram_user_id=123456789012) is None
    assert "已恢复成员：王芳（编号 1），立即生效" in nianbao("member", "restore", "1").output
    assert "[1] 王芳  填报人员  洪泽区科技局  Telegram 123456789012  在用" in (
        nianbao("member", "list").output
    )
    assert "未被停用，无需恢复" in nianbao("member", "restore", "1", code=1).output
    with Session(engine) as session:
        assert get_member(session, telegram_user_id=123456789012) is not None
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["org.add"] * 3 + ["invite.create"] * 2 + [
        "member.deactivate",
        "member.reactivate",
    ]


def test_report_import_export_round_trip(nianbao, orgs, tmp_path: Path) -> None:
    sample = SAMPLES / "hongze-qzf-2024.yaml"
    imported = nianbao("report", "import", str(sample), "--org", "洪泽区人民政府").output
    assert imported.splitlines() == [
        "已导入：洪泽区人民政府 2024年度报告（报告编号 1，版本 1）",
        "文件共 203 项：新增 203 项，修改 0 项，与原有内容相同 0 项。",
    ]
    exported = nianbao("report", "export", "--org", "2", "--year", "2024").output
    assert yaml.safe_load(exported) == yaml.safe_load(sample.read_text(encoding="utf-8"))
    out = tmp_path / "out" / "hongze.yaml"
    nianbao("report", "export", "--org", "2", "--year", "2024", "-o", str(out))
    assert out.read_text(encoding="utf-8") == exported
    nianbao("report", "import", str(SAMPLES / "tongjiang-gxkjj-2020.yaml"), "--org", "洪泽区科技局")
    assert (
        "已导出 2 份报告"
        in nianbao("report", "export", "--all", "-o", str(tmp_path / "all")).output
    )
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "2020-3-洪泽区科技局.yaml",
        "2024-2-洪泽区人民政府.yaml",
    ]
    assert (
        "尚无2023年度报告"
        in nianbao("report", "export", "--org", "2", "--year", "2023", code=1).output
    )
    assert "请指定 --org 与 --year" in nianbao("report", "export", "--org", "2", code=2).output
    assert (
        "文件不存在"
        in nianbao("report", "import", str(tmp_path / "none.yaml"), "--org", "2", code=2).output
    )


def test_deadline_set(nianbao, orgs, engine: Engine) -> None:
    assert (
        "全部部门2024年度报告的报送截止日期为 2025-01-20"
        in nianbao(
            "deadline", "set", "--year", "2024", "--date", "2025-01-20", "--org-type", "部门"
        ).output
    )
    assert (
        "洪泽区人民政府及其下级单位"
        in nianbao("deadline", "set", "--year", "2024", "--date", "2025-01-15", "--org", "2").output
    )
    assert (
        "格式有误"
        in nianbao("deadline", "set", "--year", "2024", "--date", "2025年1月15日", code=2).output
    )
    with Session(engine) as session:
        assert len(session.exec(select(Deadline)).all()) == 2


def test_commands_before_upgrade_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["org", "list"])
        assert result.exit_code == 1
        assert "请先运行 nianbao db upgrade" in result.output
    finally:
        dispose_engines()
        get_settings.cache_clear()


def test_upgrade_of_an_unreachable_database_says_what_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nianbao:secret@127.0.0.1:1/nianbao")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["db", "upgrade"])
    finally:
        dispose_engines()
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "数据库升级失败" in result.output and "请检查 DATABASE_URL" in result.output
    assert "secret" not in result.output


TYPED_IN_CHAT = "本年度政务公开工作仍存在解读形式单一的问题，下一步将丰富图解、视频等解读方式。"


@pytest.fixture
def typed_report(nianbao, orgs, engine: Engine, tmp_path: Path) -> tuple[Path, int]:
    """洪泽区科技局's report imported from a file, then section 五 retyped by its staff in the
    chat; returns a corrected file that lacks section 五 and changes the fee, and the staff's
    member id."""
    sample = SAMPLES / "hongze-qzf-2024.yaml"
    nianbao("report", "import", str(sample), "--org", "洪泽区科技局")
    with Session(engine) as session:
        _, code = create_invite(session, org_id=3, role="staff", created_by="test")
        staff = redeem_invite(session, code=code, telegram_user_id=123456789012, name="王芳")
        save_answers(session, actor=staff, report_id=1, values={"s5.text": TYPED_IN_CHAT})
        staff_id = staff.id
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    del data["values"]["s5.text"]
    data["values"]["s2.fees.amount"] = "5949.088667"
    corrected = tmp_path / "corrected.yaml"
    corrected.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return corrected, staff_id


def _stored(engine: Engine) -> dict:
    with Session(engine) as session:
        return export_answers(session, report_id=1).values


def test_report_import_keeps_answers_the_file_lacks_and_lists_what_it_changes(
    nianbao, typed_report, engine: Engine
) -> None:
    corrected, _ = typed_report
    form = load_form("gov-disclosure-2021")
    output = nianbao("report", "import", str(corrected), "--org", "洪泽区科技局").output
    assert output.splitlines() == [
        "已导入：洪泽区科技局 2024年度报告（报告编号 1，版本 3）",
        "文件共 202 项：新增 0 项，修改 1 项，与原有内容相同 201 项。",
        "修改了原有内容 1 项（原内容 → 导入内容）：",
        f"  · {form.field('s2.fees.amount').label}：7545 → 5949.088667",
        "报告中另有 1 项文件中没有，已保留；如需删除，请加 --replace 重新导入：",
        f"  · {form.field('s5.text').label}：“{TYPED_IN_CHAT[:30]}…”",
        "原有内容均记入修改记录，可据此恢复。",
    ]
    values = _stored(engine)
    assert values["s5.text"] == TYPED_IN_CHAT
    assert values["s2.fees.amount"] == Decimal("5949.088667")


def test_report_import_replace_removes_them_and_keeps_the_history(
    nianbao, typed_report, engine: Engine
) -> None:
    corrected, staff_id = typed_report
    output = nianbao("report", "import", str(corrected), "--org", "3", "--replace").output
    assert "按 --replace 删除了文件中没有的原有内容 1 项：" in output
    assert "已保留" not in output
    assert "s5.text" not in _stored(engine)
    with Session(engine) as session:
        staff = session.get(Member, staff_id)
        history = answer_history(session, actor=staff, report_id=1, field_id="s5.text")
    assert [(h.old_value, h.new_value) for h in history][-2:] == [
        (history[0].new_value, TYPED_IN_CHAT),
        (TYPED_IN_CHAT, None),
    ]
    assert history[-2].member_id == staff_id and history[-1].member_id is None


def test_report_import_refuses_a_submitted_report_unless_forced(
    nianbao, typed_report, engine: Engine
) -> None:
    corrected, staff_id = typed_report
    with Session(engine) as session:
        staff = session.get(Member, staff_id)
        set_status(session, actor=staff, report_id=1, to_status="submitted")
    refused = nianbao("report", "import", str(corrected), "--org", "3", "--replace", code=1)
    assert "当前状态为「已提交」" in refused.output and "--force" in refused.output
    assert _stored(engine)["s5.text"] == TYPED_IN_CHAT
    forced = nianbao("report", "import", str(corrected), "--org", "3", "--force").output
    assert "注意：报告状态为「已提交」，已按 --force 覆盖。" in forced
    assert _stored(engine)["s2.fees.amount"] == Decimal("5949.088667")
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "report.import")).all()
    assert [(a.detail["force"], a.detail["replaced"]) for a in audit][-1] == (
        True,
        ["s2.fees.amount"],
    )


def test_member_role_lets_a_supervisor_also_report(nianbao, orgs, engine: Engine) -> None:
    output = nianbao("invite", "create", "--org", "洪泽区科技局", "--role", "supervisor").output
    code = re.search(r"邀请码（仅显示这一次，请妥善转交本人）：(\S+)", output).group(1)
    with Session(engine, expire_on_commit=False) as session:
        member = redeem_invite(session, code=code, telegram_user_id=123456789013, name="陈督导")
    changed = nianbao("member", "role", str(member.id), "--role", "督导兼填报人员").output
    assert changed == f"已将成员 陈督导（编号 {member.id}）的角色改为督导兼填报人员。\n"
    assert "督导兼填报人员" in nianbao("member", "list").output
    assert "角色「领导」无效" in nianbao("member", "role", "1", "--role", "领导", code=2).output
    assert (
        "成员（编号 9）不存在" in nianbao("member", "role", "9", "--role", "staff", code=1).output
    )
    with Session(engine) as session:
        assert get_member(session, telegram_user_id=123456789013).role == "supervisor_staff"
        logged = session.exec(select(AuditLog).where(AuditLog.action == "member.set_role")).one()
    assert logged.detail == {"member_id": member.id, "from": "supervisor", "to": "supervisor_staff"}


def test_org_rename_move_type_and_invite_list_revoke(nianbao, orgs, engine: Engine) -> None:
    assert "已将单位「洪泽区科技局」改名为「洪泽区科学技术局」" in (
        nianbao("org", "rename", "3", "洪泽区科学技术局").output
    )
    assert "单位「淮安市人民政府」已存在" in (
        nianbao("org", "rename", "3", "淮安市人民政府", code=1).output
    )
    refused = nianbao("org", "move", "淮安市人民政府", "--parent", "3", code=1).output
    assert "上下级关系不能形成循环" in refused
    assert "移到顶层" in nianbao("org", "move", "3").output
    assert "类型改为乡镇" in nianbao("org", "type", "3", "乡镇").output
    assert nianbao("org", "list").output.splitlines()[-1] == "[3] 洪泽区科学技术局（乡镇）"

    output = nianbao("invite", "create", "--org", "2", "--role", "staff").output
    code = re.search(r"：([a-z0-9]{12})\n", output).group(1)
    listing = nianbao("invite", "list").output
    assert "[1] 洪泽区人民政府  填报人员  未使用  有效期至" in listing and code not in listing
    assert "已撤销邀请码（编号 1）" in nianbao("invite", "revoke", "1").output
    assert "已撤销" in nianbao("invite", "list", "--org", "2").output
    assert "邀请码（编号 1）已撤销" in nianbao("invite", "revoke", "1", code=1).output
    with Session(engine) as session:
        with pytest.raises(InviteError, match="该邀请码已被管理员撤销"):
            redeem_invite(session, code=code, telegram_user_id=123, name="王芳")
        log = [(a.actor, a.action) for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert [action for _, action in log[3:]] == [
        "org.rename", "org.move", "org.set_type", "invite.create", "invite.revoke",
    ]  # fmt: skip
    assert all(actor.startswith("cli") for actor, _ in log)
